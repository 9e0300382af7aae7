import type { BatchConfig, BatchRecord } from '../domain/batch-record.js'
import { DirectoryNotFoundError } from '../domain/errors.js'
import type { JobType } from '../domain/status.js'
import { hashedId, hashSeed } from '../ids.js'
import { deriveDirectory, type Directory } from '../scenario/generate.js'
import { behaviourOf } from '../scenario/materialize.js'
import { buildRecord } from '../scenario/records.js'
import type { World } from '../store/world.js'
import type { MockMode } from './tenancy.js'

/** Derived directories kept for reuse; beyond, they are derived again (deterministic). */
const DERIVED_DIRECTORY_CACHE = 4096
/** Shared config objects kept; configuration ids are the client's, so this is bounded. */
const SHARED_CONFIGS = 4096

/** Webhook fields of a create that named none: one shared object for them all. */
export const NO_WEBHOOKS = Object.freeze({ webhook_configuration_ids: null, webhook_configurations: null })

/**
 * Makes the records of batches that did not come from the scenario: created ones and, in
 * compat mode, ones derived from an unknown id. Everything it keeps is a bounded cache.
 */
export class BatchMaker {
  /** Directories made up for ids the scenario did not declare: a bounded cache, not state. */
  #derivedDirectories = new Map<string, Directory>()
  /** Configs of created batches, shared: most creates name one of a few. */
  readonly #configs = new Map<string, BatchConfig>()

  constructor(readonly mode: MockMode) {}

  /** Forgets the directories derived for the world being replaced. */
  clear(): void {
    this.#derivedDirectories = new Map()
  }

  /** A fresh id: it follows from the seed and the store's size, so a replayed test sees the same ids. */
  mintId(world: World): string {
    let id: string
    let n = 0
    do id = hashedId('bat', `${world.seed}:create:${world.store.size}:${n++}`)
    while (world.store.has(id))
    return id
  }

  /** The directory with this id: declared, or derived (cached unless `keep` is false). */
  directory(world: World, id: string, keep = true): Directory {
    const known = world.directories.get(id)
    if (known) return known
    if (world.exclusiveDirectories && this.mode === 'realistic') throw new DirectoryNotFoundError(id)
    const cached = this.#derivedDirectories.get(id)
    if (cached) return cached
    const d = world.defaults
    const derived = deriveDirectory(world.seed, id, d.directoryFiles, d.fileErrorRate)
    if (!keep) return derived
    // Bounded: a client naming a new directory on every create must not grow it. Cleared
    // whole rather than evicted one by one (a Map evicted from its front slows down).
    if (this.#derivedDirectories.size >= DERIVED_DIRECTORY_CACHE) this.#derivedDirectories.clear()
    this.#derivedDirectories.set(id, derived)
    return derived
  }

  /** One frozen config object per (type, configuration id), shared by the batches naming it. */
  config(type: JobType, configurationId: string): BatchConfig {
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

  /** The batch compat mode answers for an unknown id: deterministic, from the id alone. */
  derive(world: World, id: string, projectId: string): BatchRecord {
    // Its own directory, derived again on each read: caching it would keep what a read
    // of a million unknown ids must not.
    const directory = this.directory(world, `dir-${id.replace(/^bat-/, '')}`, false)
    const createdAt = world.epoch - 60_000 - (hashSeed(world.seed, id) % 86_400_000)
    return this.record(world, id, projectId, directory, this.config('parse_v2', 'cfg-PARSE_AGENTIC'), createdAt)
  }
}
