import type { BatchConfig, BatchRecord } from '../domain/batch-record.js'
import type { JobType } from '../domain/status.js'
import { hashedId, hashSeed, sameId } from '../ids.js'
import { DirectoryNotFoundError } from '../domain/errors.js'
import type { Directory } from '../domain/directory.js'
import { behaviourOf } from '../scenario/defaults.js'
import { buildRecord } from '../scenario/records.js'
import { batchWord } from '../store/job-ids.js'
import { keyHash } from '../store/key-hash.js'
import type { World } from '../store/world.js'
import type { MockMode } from './tenancy.js'

/** Shared config objects kept; configuration ids are the client's, so this is bounded. */
const SHARED_CONFIGS = 4096

/** Compat batches derived on read whose id is remembered (by their job ids' first word), so their jobs resolve to them. */
const RECENT_DERIVED = 4096

/** Webhook fields of a create that named none: one shared object for them all. */
export const NO_WEBHOOKS = Object.freeze({ webhook_configuration_ids: null, webhook_configurations: null })

/**
 * Makes the records of batches that did not come from the scenario: created ones and, in
 * compat mode, ones derived from an unknown id. What it keeps is a bounded cache.
 */
export class BatchMaker {
  /** Configs of created batches, shared: most creates name one of a few. */
  readonly #configs = new Map<string, BatchConfig>()
  #lastConfig: BatchConfig | null = null
  /** Job ids' first word → the id of a compat batch derived with it, the latest few thousand. */
  #recent = new Map<number, string>()

  constructor(readonly mode: MockMode) {}

  /** A fresh id: it follows from the seed and the store's size, so a replayed test sees the same ids. */
  mintId(world: World): string {
    let id: string
    let n = 0
    do id = hashedId('bat', `${world.seed}:create:${world.store.size}:${n++}`)
    while (world.store.has(id))
    return id
  }

  /**
   * The directory a batch names: declared, or (unless exclusive in realistic mode) derived.
   * A directory belongs to a project as the directories API shows it (directory-views.ts
   * `lazyMeta`): a created or adopted one to its project, a scenario or made-up one to the
   * project of the first batch over it. Another project's is not found, so a batch never
   * reads another project's files. One no batch runs over yet is claimed by the first.
   * Compat mode, which answers any batch id to any key, checks only created and adopted ones.
   */
  directory(world: World, id: string, projectId: string): Directory {
    const editable = world.directories.editable(id)
    const owner = editable ? editable.meta.projectId : this.mode === 'realistic' ? world.store.firstOver(id)?.projectId : undefined
    if (owner !== undefined && !sameId(owner, projectId)) throw new DirectoryNotFoundError(id)
    return world.directories.resolve(id, { derive: !(world.exclusiveDirectories && this.mode === 'realistic') })
  }

  /** One frozen config object per (type, configuration id), shared by the batches naming it. */
  config(type: JobType, configurationId: string): BatchConfig {
    // Most creates name the config the one before named: found without building a key.
    const last = this.#lastConfig
    if (last !== null && last.job.type === type && last.job.configuration_id === configurationId) return last
    this.#lastConfig = this.#sharedConfig(type, configurationId)
    return this.#lastConfig
  }

  #sharedConfig(type: JobType, configurationId: string): BatchConfig {
    const key = `${type}\u0000${configurationId}`
    const known = this.#configs.get(key)
    if (known) return known
    const config = Object.freeze({ job: Object.freeze({ type, configuration_id: configurationId }) }) as BatchConfig
    if (this.#configs.size < SHARED_CONFIGS) this.#configs.set(key, config)
    return config
  }

  /** A batch on the scenario's default timeline and behaviour, ending COMPLETED. */
  record(world: World, id: string, projectId: string, directory: Directory, config: BatchConfig, createdAt: number, webhooks?: unknown): BatchRecord {
    const d = world.defaults
    return buildRecord(
      { id, projectId, sourceDirectoryId: directory.id, config, createdAt, outcome: 'COMPLETED', durations: d.timeline, directory, ...behaviourOf({}, d), webhooks },
      world.seed
    )
  }

  /** The id of a recently derived compat batch whose job ids start with this word (store/job-ids.ts), if any. */
  derivedWith(word: number): string | undefined {
    return this.#recent.get(word)
  }

  /** The batch compat mode answers for an unknown id: deterministic, from the id alone. */
  derive(world: World, id: string, projectId: string): BatchRecord {
    // Its own directory, derived again on each read: caching it would keep what a read
    // of a million unknown ids must not.
    const dirId = `dir-${id.replace(/^bat-/, '')}`
    const directory = world.directories.get(dirId) ?? world.directories.derive(dirId)
    const createdAt = world.epoch - 60_000 - (hashSeed(world.seed, id) % 86_400_000)
    // Bounded: cleared whole when full, as the derived directories are.
    if (this.#recent.size >= RECENT_DERIVED) this.#recent = new Map()
    this.#recent.set(batchWord(keyHash(world.seed, `${id}#`)), id)
    return this.record(world, id, projectId, directory, this.config('parse_v2', 'cfg-PARSE_AGENTIC'), createdAt)
  }
}
