import type { Clock } from './clock.js'
import { batchAt, cancelBatch, isTerminal, lifecycleStepAt, statusAt } from './domain/lifecycle.js'
import { readTimeOf } from './domain/progression.js'
import { BatchLimitError, BatchNotFoundError, DirectoryNotFoundError, ProjectNotFoundError } from './domain/errors.js'
import type { BatchRecord } from './domain/timeline.js'
import type { Batch, BatchConfig, BatchStatus } from './schemas/batch.js'
import type { CreateBatchBody } from './schemas/batch-requests.js'
import { deriveDirectory, hashedId, hashSeed, type Directory } from './scenario/generate.js'
import { instantiate, ScenarioLoadError, type LoadedScenario } from './scenario/load.js'
import { buildRecord } from './scenario/records.js'
import { behaviourOf } from './scenario/materialize.js'
import type { ListPosition } from './store/batch-store.js'
import { PageTokens } from './store/page-token.js'
import type { KeyScope, World } from './store/world.js'
import { FaultBook, FaultRuleError, MAX_FAULT_RULES } from './store/fault-book.js'
import { addBatch, replaceBatch } from './store/running-cap.js'
import { Journal } from './store/journal.js'
import { AnswerCache } from './store/answer-cache.js'
import { canonicalId } from './store/canonical-id.js'

export type MockMode = 'realistic' | 'compat'

/** Batches the store holds at most, scenario batches included; creates beyond answer 429. */
export const DEFAULT_MAX_BATCHES = 500_000

/** Derived directories kept for reuse; beyond, they are derived again (deterministic). */
const DERIVED_DIRECTORY_CACHE = 4096

/** Webhook fields of a create that named none: one shared object for them all. */
const NO_WEBHOOKS = Object.freeze({ webhook_configuration_ids: null, webhook_configurations: null })

/** Who is asking: the key's project, or null for a key that sees every project. */
export type Tenant = KeyScope | null

/** `project_id` / `organization_id` from the query. */
export interface Narrowing {
  project_id?: string | undefined
  organization_id?: string | undefined
}

export interface ListRequest extends Narrowing {
  page_size: number
  page_token?: string | undefined
  status?: BatchStatus | undefined
  source_directory_id?: string | undefined
  created_at_on_or_after?: string | undefined
  created_at_on_or_before?: string | undefined
}

/** `prj-<uuid>` and `<uuid>` name the same project (likewise `org-`). */
export function sameId(a: string, b: string): boolean {
  return canonicalId(a) === canonicalId(b)
}

/**
 * The mock's state — clock, loaded scenario and the world laid out from it — and the
 * operations the API performs on it. Tenancy lives here so every route applies it alike.
 */
export class MockState {
  world: World
  faults: FaultBook
  readonly journal: Journal
  readonly #answers = new AnswerCache()
  #tokens: PageTokens
  /** Directories made up for ids the scenario did not declare: a bounded cache, not state. */
  #derivedDirectories = new Map<string, Directory>()
  /** Configs of created batches, shared: most creates name one of a few. */
  readonly #configs = new Map<string, BatchConfig>()

  constructor(
    readonly clock: Clock,
    public loaded: LoadedScenario,
    readonly mode: MockMode,
    readonly seedOverride?: number,
    journalSize = 1000,
    readonly maxBatches = DEFAULT_MAX_BATCHES
  ) {
    this.world = instantiate(loaded, clock.now(), seedOverride)
    this.faults = faultsOf(loaded, this.world.seed)
    this.journal = new Journal(journalSize)
    this.#tokens = new PageTokens(String(this.world.seed))
  }

  now(): number {
    return this.clock.now()
  }

  /** Back to the loaded scenario: the clock restarts and every change is forgotten. */
  reset(): void {
    this.clock.reset()
    this.#install(this.loaded)
    this.journal.clear()
  }

  /** Swaps in another scenario, laid out now; on any fault the current one stays. */
  replaceScenario(loaded: LoadedScenario): void {
    this.#install(loaded)
  }

  /** Builds every part first (world, fault book, tokens), then swaps them in together. */
  #install(loaded: LoadedScenario): void {
    // Too many rules is refused before laying out a world it would only throw away.
    if ((loaded.scenario.faults?.length ?? 0) > MAX_FAULT_RULES) faultsOf(loaded, 0)
    const world = instantiate(loaded, this.clock.now(), this.seedOverride)
    const faults = faultsOf(loaded, world.seed)
    const tokens = new PageTokens(String(world.seed))
    this.#answers.clear()
    this.#derivedDirectories = new Map()
    this.loaded = loaded
    this.world = world
    this.faults = faults
    this.#tokens = tokens
  }

  #visible(batch: BatchRecord, tenant: Tenant, narrowing: Narrowing): boolean {
    if (tenant && !sameId(batch.projectId, tenant.projectId)) return false
    if (narrowing.project_id !== undefined && !sameId(batch.projectId, narrowing.project_id)) return false
    if (narrowing.organization_id !== undefined) {
      const organization = this.world.organizations.get(canonicalId(batch.projectId))
      if (organization !== undefined && !sameId(organization, narrowing.organization_id)) return false
    }
    return true
  }

  /**
   * The batch with this id if the tenant may see it. Another project's batch is "not
   * found", exactly like an id that does not exist. In compat mode an unknown id answers
   * a batch derived from the id, made again on each read (it is deterministic) and stored
   * only `forChange` (a cancel), so reading a million ids stores nothing.
   */
  find(id: string, tenant: Tenant, narrowing: Narrowing, forChange = false): BatchRecord {
    const batch = this.world.store.get(id)
    if (batch) {
      if (this.#visible(batch, tenant, narrowing) || this.mode === 'compat') return batch
      throw new BatchNotFoundError(id)
    }
    if (this.mode === 'realistic') throw new BatchNotFoundError(id)
    const derived = this.#deriveBatch(id, this.#projectFor(tenant, narrowing))
    // A batch that progresses by polls changes with each GET: it is stored (and its polls
    // counted) while there is room; past the cap it reads as derived, without progress.
    const changes = forChange || derived.progression.kind === 'polls'
    if (!changes || (!forChange && this.world.store.size >= this.maxBatches)) return derived
    this.#checkRoom()
    addBatch(this.world, derived, this.now())
    return this.world.store.get(id) as BatchRecord
  }

  #checkRoom(): void {
    if (this.world.store.size >= this.maxBatches) throw new BatchLimitError(this.maxBatches)
  }

  /**
   * When this batch is read: the clock, or for a batch that progresses by polls, the step
   * its last GET showed (lists and cancels see what the client last saw; only a GET moves it).
   */
  readTime(batch: BatchRecord, now = this.now()): number {
    if (batch.progression.kind === 'time') return now
    return readTimeOf(batch, now, Math.max((this.world.polls.get(batch.id) ?? 0) - 1, 0))
  }

  view(batch: BatchRecord, expandResults: boolean): Batch {
    return batchAt(batch, this.readTime(batch), expandResults)
  }

  /** The batch's answer as JSON bytes at time t, from the cache while its step has not moved. */
  json(batch: BatchRecord, t: number, expandResults: boolean): Buffer {
    // A compat batch derived on read is a new object each time: caching it would only
    // hold it in memory.
    if (this.world.store.get(batch.id) !== batch) return Buffer.from(JSON.stringify(batchAt(batch, t, expandResults)))
    const step = lifecycleStepAt(batch, t)
    const cached = this.#answers.get(batch, step, expandResults)
    if (cached !== undefined) return cached
    const body = Buffer.from(JSON.stringify(batchAt(batch, t, expandResults)))
    this.#answers.set(batch, step, expandResults, body)
    return body
  }

  /** The answer to a GET of this batch, as JSON; a batch that progresses by polls takes a step. */
  poll(batch: BatchRecord, expandResults: boolean): Buffer {
    if (batch.progression.kind !== 'polls') return this.json(batch, this.readTime(batch), expandResults)
    // Not stored (a compat batch past the cap): its polls are not counted either (bounded).
    if (this.world.store.get(batch.id) !== batch) return this.json(batch, this.readTime(batch), expandResults)
    const polls = this.world.polls.get(batch.id) ?? 0
    this.world.polls.set(batch.id, polls + 1)
    return this.json(batch, readTimeOf(batch, this.now(), polls), expandResults)
  }

  #projectFor(tenant: Tenant, narrowing: Narrowing): string {
    if (tenant && narrowing.project_id !== undefined && !sameId(tenant.projectId, narrowing.project_id) && this.mode === 'realistic') {
      throw new ProjectNotFoundError(narrowing.project_id)
    }
    if (tenant) return tenant.projectId
    if (narrowing.project_id !== undefined) return narrowing.project_id.startsWith('prj-') ? narrowing.project_id : `prj-${narrowing.project_id}`
    return this.world.defaults.projectId
  }

  #directory(id: string): Directory {
    const known = this.world.directories.get(id)
    if (known) return known
    if (this.world.exclusiveDirectories && this.mode === 'realistic') throw new DirectoryNotFoundError(id)
    const cached = this.#derivedDirectories.get(id)
    if (cached) return cached
    const d = this.world.defaults
    const derived = deriveDirectory(this.world.seed, id, d.directoryFiles, d.fileErrorRate)
    // Bounded: a client naming a new directory on every create must not grow it. Cleared
    // whole rather than evicted one by one (a Map evicted from its front slows down).
    if (this.#derivedDirectories.size >= DERIVED_DIRECTORY_CACHE) this.#derivedDirectories.clear()
    this.#derivedDirectories.set(id, derived)
    return derived
  }

  /** A batch on the scenario's default timeline and behaviour, ending COMPLETED. */
  #defaultRecord(id: string, projectId: string, directory: Directory, config: BatchConfig, createdAt: number, webhooks?: unknown): BatchRecord {
    const d = this.world.defaults
    return buildRecord(
      { id, projectId, sourceDirectoryId: directory.id, config, createdAt, outcome: 'COMPLETED', durations: d.timeline, directory, ...behaviourOf({}, d), webhooks },
      this.world.seed
    )
  }

  #deriveBatch(id: string, projectId: string): BatchRecord {
    const directory = this.#directory(`dir-${id.replace(/^bat-/, '')}`)
    const createdAt = this.world.epoch - 60_000 - (hashSeed(this.world.seed, id) % 86_400_000)
    return this.#defaultRecord(id, projectId, directory, { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, createdAt)
  }

  /** A new batch over the directory's files, PENDING now, on the scenario's default timeline. */
  create(body: CreateBatchBody, tenant: Tenant, narrowing: Narrowing): BatchRecord {
    this.#checkRoom()
    const projectId = this.#projectFor(tenant, narrowing)
    const directory = this.#directory(body.source_directory_id)
    const store = this.world.store
    let id: string
    let n = 0
    // Ids follow from the seed and the creation count, so a replayed test sees the same ids.
    do id = hashedId('bat', `${this.world.seed}:create:${store.size}:${n++}`)
    while (store.has(id))
    const config = this.#config(body.config.job.type, body.config.job.configuration_id)
    const named = body.webhook_configuration_ids != null || body.webhook_configurations != null
    const webhooks = named ? { webhook_configuration_ids: body.webhook_configuration_ids ?? null, webhook_configurations: body.webhook_configurations ?? null } : NO_WEBHOOKS
    addBatch(this.world, this.#defaultRecord(id, projectId, directory, config, this.now(), webhooks), this.now())
    return store.get(id) as BatchRecord
  }

  /** One frozen config object per (type, configuration id), shared by the batches naming it. */
  #config(type: BatchConfig['job']['type'], configurationId: string): BatchConfig {
    const key = `${type}\u0000${configurationId}`
    const known = this.#configs.get(key)
    if (known) return known
    const config = Object.freeze({ job: Object.freeze({ type, configuration_id: configurationId }) }) as BatchConfig
    // Configuration ids are the client's: past a few thousand, share no more (bounded).
    if (this.#configs.size < 4096) this.#configs.set(key, config)
    return config
  }

  /**
   * Requests cancellation; in compat mode a terminal batch is answered as it is. Idempotent,
   * as SDK retries need: a batch whose cancel is pending keeps its first plan.
   */
  cancel(id: string, tenant: Tenant, narrowing: Narrowing): BatchRecord {
    const batch = this.find(id, tenant, narrowing, true)
    const now = this.readTime(batch)
    const terminal = isTerminal(statusAt(batch, now))
    if (this.mode === 'compat' && terminal) return batch
    if (batch.cancelRequestedAt !== null && !terminal) return batch
    replaceBatch(this.world, cancelBatch(batch, now, this.world.defaults.cancelDelayMs), this.now())
    return this.world.store.get(id) as BatchRecord
  }

  /**
   * One page, newest first. The token binds the page to its query and tenant; it resumes
   * strictly after the last batch returned, so batches created during a walk never
   * shift the pages of those that existed when it began.
   */
  list(req: ListRequest, tenant: Tenant): { items: BatchRecord[]; nextToken: string | null; tokenValid: boolean } {
    const fingerprint = JSON.stringify([
      tenant?.projectId ?? null,
      req.project_id ?? null,
      req.organization_id ?? null,
      req.status ?? null,
      req.source_directory_id ?? null,
      req.created_at_on_or_after ?? null,
      req.created_at_on_or_before ?? null
    ])
    let after: ListPosition | undefined
    let tokenValid = true
    if (req.page_token !== undefined) {
      after = this.#tokens.read(req.page_token, fingerprint) ?? undefined
      tokenValid = after !== undefined
    }
    // The key's project and project_id both pick the project index; two different ones see nothing.
    const project = tenant?.projectId ?? req.project_id
    if (tenant && req.project_id !== undefined && !sameId(tenant.projectId, req.project_id)) return { items: [], nextToken: null, tokenValid }
    const now = this.now()
    const narrowing: Narrowing = { organization_id: req.organization_id }
    const { status } = req
    const { items, more } = this.world.store.scan({
      projectId: project,
      sourceDirectoryId: req.source_directory_id,
      createdFrom: req.created_at_on_or_after !== undefined ? Date.parse(req.created_at_on_or_after) : undefined,
      createdTo: req.created_at_on_or_before !== undefined ? Date.parse(req.created_at_on_or_before) : undefined,
      after,
      status,
      now,
      accept: (b) => this.#visible(b, null, narrowing) && (status === undefined || statusAt(b, this.readTime(b, now)) === status),
      limit: req.page_size
    })
    const last = items[items.length - 1]
    const nextToken = more && last ? this.#tokens.issue({ createdAt: last.createdAt, id: last.id }, fingerprint) : null
    return { items, nextToken, tokenValid }
  }
}

/** The scenario's fault rules; a list the book refuses is a load error at `/faults…`. */
function faultsOf(loaded: LoadedScenario, seed: number): FaultBook {
  try {
    return new FaultBook(seed, loaded.scenario.faults ?? [])
  } catch (e) {
    if (e instanceof FaultRuleError) throw new ScenarioLoadError(loaded.source, `/faults${e.pointer}`, e.expected)
    throw e
  }
}
