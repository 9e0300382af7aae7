import type { Clock } from '../clock.js'
import type { Batch, BatchRecord } from '../domain/batch-record.js'
import { BatchLimitError, BatchNotFoundError } from '../domain/errors.js'
import { batchAt, statusAt } from '../domain/lifecycle.js'
import { readTimeOf } from '../domain/progression.js'
import { isTerminal, type BatchStatus } from '../domain/status.js'
import type { CreateBatchBody } from '../schemas/batch-requests.js'
import type { BatchSpec } from '../schemas/scenario.js'
import { instantiate, ScenarioLoadError, type LoadedScenario } from '../scenario/load.js'
import { injectBatch } from '../scenario/inject.js'
import { PageTokens } from '../store/page-token.js'
import type { World } from '../store/world.js'
import { FaultBook, FaultRuleError, MAX_FAULT_RULES } from '../traffic/fault-book.js'
import type { BatchEvent, BatchEventSubscriber } from './events.js'
import { listPage, type ListRequest, type Page } from './listing.js'
import { BatchMaker, NO_WEBHOOKS } from './new-batches.js'
import { observedClock } from './observed-clock.js'
import { addBatch, cancelInWorld, handOver, nextHandover, planWorld } from './running-cap.js'
import { projectFor, visible, type MockMode, type Narrowing, type Tenant } from './tenancy.js'
import { TransitionPublisher } from './transitions.js'

/** Batches the store holds at most, scenario batches included; creates beyond answer 429. */
export const DEFAULT_MAX_BATCHES = 500_000

export interface BatchServiceOptions {
  clock: Clock
  loaded: LoadedScenario
  mode: MockMode
  seed?: number | undefined
  maxBatches?: number | undefined
  /** Called for every batch event, in due order (see events.ts). */
  subscribers?: readonly BatchEventSubscriber[] | undefined
  /** A subscriber threw: the change it was told of stands, and so do the other subscribers. */
  onSubscriberError?: ((error: unknown, event: BatchEvent) => void) | undefined
}

/**
 * The only code that changes the mock's state: create, cancel, inject, a GET's poll step,
 * reset and scenario swap. Reads (find, list) apply tenancy here too, so every route sees
 * batches alike. Every transition is published, at its due mock time, to subscribers.
 */
export class BatchService {
  readonly clock: Clock
  readonly mode: MockMode
  readonly maxBatches: number
  loaded: LoadedScenario
  world: World
  faults: FaultBook
  #tokens: PageTokens
  readonly #seedOverride: number | undefined
  readonly #maker: BatchMaker
  readonly #publisher: TransitionPublisher
  /** The clock as given; `clock` is the same clock, observed. */
  readonly #rawClock: Clock
  readonly #onInstall: (() => void)[] = []
  readonly #beforeAdd: ((projectId: string, fields: unknown) => void)[] = []

  constructor(opts: BatchServiceOptions) {
    this.mode = opts.mode
    this.maxBatches = opts.maxBatches ?? DEFAULT_MAX_BATCHES
    this.#seedOverride = opts.seed
    this.#maker = new BatchMaker(opts.mode)
    this.#rawClock = opts.clock
    this.clock = observedClock(opts.clock, () => this.#publisher.drain(), () => this.#publisher.restart(this.world.store.atClockValues()))
    // Transitions fall due at the clock: a record as a read at the clock needs it (atClock) tells them.
    this.#publisher = new TransitionPublisher(opts.clock, (id) => this.world.store.atClock(id), opts.onSubscriberError, {
      run: (until) => handOver(this.world, until),
      next: () => nextHandover(this.world)
    })
    for (const subscriber of opts.subscribers ?? []) this.#publisher.bus.subscribe(subscriber)
    this.loaded = opts.loaded
    const built = this.#build(opts.loaded)
    this.world = built.world
    this.faults = built.faults
    this.#tokens = built.tokens
    this.#watch()
  }

  /**
   * The mock's time. Transitions that fell due by now are published first, so a clock
   * moved without the service knowing (a clock of the caller's own) still publishes them
   * before anything reads or changes a batch.
   */
  now(): number {
    this.#publisher.drain()
    return this.clock.now()
  }

  /** Adds a subscriber to every batch event from now on; returns the unsubscribe. */
  subscribe(subscriber: BatchEventSubscriber): () => void {
    const first = !this.#publisher.active
    const unsubscribe = this.#publisher.bus.subscribe(subscriber)
    if (first) this.#publisher.restart(this.world.store.atClockValues())
    return unsubscribe
  }

  /** Calls `fn` whenever a new world is swapped in (reset, scenario swap): caches of the old one can go. */
  onInstall(fn: () => void): void {
    this.#onInstall.push(fn)
  }

  /**
   * Calls `check` with the project and the request (create body, inject spec) before a batch
   * is created or injected; what it throws refuses the request with nothing changed.
   */
  beforeAdd(check: (projectId: string, fields: unknown) => void): void {
    this.#beforeAdd.push(check)
  }

  /** Stops the timer that publishes transitions under a real clock. */
  close(): void {
    this.#publisher.close()
  }

  /** Back to the loaded scenario: the clock restarts and every change is forgotten. */
  reset(): void {
    this.#publisher.drain()
    // The raw clock: the new world, laid out below, is what gets followed from the new now.
    this.#rawClock.reset()
    this.#install(this.loaded)
  }

  /** Swaps in another scenario, laid out now; on any fault the current one stays. */
  replaceScenario(loaded: LoadedScenario): void {
    this.#install(loaded)
  }

  /**
   * The batch with this id if the tenant may see it. Another project's batch is "not
   * found", exactly like an id that does not exist. In compat mode an unknown id answers
   * a batch derived from the id, made again on each read (it is deterministic) and stored
   * only `forChange` (a cancel), so reading a million ids stores nothing.
   */
  find(id: string, tenant: Tenant, narrowing: Narrowing, forChange = false): BatchRecord {
    // The store current at the clock first: a batch waiting under the running cap whose start
    // has come is handed its slot. Then the record as a read at the clock needs it (atClock).
    this.now()
    const batch = this.world.store.atClock(id)
    if (batch) {
      if (visible(this.world, batch, tenant, narrowing) || this.mode === 'compat') return batch
      throw new BatchNotFoundError(id)
    }
    if (this.mode === 'realistic') throw new BatchNotFoundError(id)
    const derived = this.#maker.derive(this.world, id, projectFor(this.world, this.mode, tenant, narrowing))
    // A batch that progresses by polls changes with each GET: it is stored (and its polls
    // counted) while there is room; past the cap it reads as derived, without progress.
    const changes = forChange || derived.progression.kind === 'polls'
    if (!changes || (!forChange && this.world.store.size >= this.maxBatches)) return derived
    this.#checkRoom()
    const now = this.now()
    addBatch(this.world, derived, now)
    const stored = this.world.store.atClock(id) as BatchRecord
    this.#publishCreated(stored, now)
    return stored
  }

  /** Compat mode: the id of a batch derived on a recent read whose job ids start with `word`, if any. */
  derivedBatchId(word: number): string | undefined {
    return this.#maker.derivedWith(word)
  }

  /** Whether this record is the stored one (a compat batch derived on read is not). */
  isStored(batch: BatchRecord): boolean {
    const store = this.world.store
    return store.atClock(batch.id) === batch || store.get(batch.id) === batch
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

  /**
   * A GET of this batch: when it reads. Every stored batch counts its GETs (the control plane
   * shows them); one that progresses by polls takes a step.
   */
  poll(batch: BatchRecord): number {
    const now = this.now()
    if (!this.isStored(batch)) return this.readTime(batch, now)
    const polls = this.world.polls.get(batch.id) ?? 0
    this.world.polls.set(batch.id, polls + 1)
    if (batch.progression.kind !== 'polls') return this.readTime(batch, now)
    const t = readTimeOf(batch, now, polls)
    if (polls > 0) this.#publisher.stepped(batch, statusAt(batch, readTimeOf(batch, now, polls - 1)), statusAt(batch, t), now)
    return t
  }

  /** A new batch over the directory's files, PENDING now, on the scenario's default timeline. */
  create(body: CreateBatchBody, tenant: Tenant, narrowing: Narrowing): BatchRecord {
    this.#checkRoom()
    const world = this.world
    const projectId = projectFor(world, this.mode, tenant, narrowing)
    for (const check of this.#beforeAdd) check(projectId, body)
    const directory = this.#maker.directory(world, body.source_directory_id, projectId)
    const id = this.#maker.mintId(world)
    const config = this.#maker.config(body.config.job.type, body.config.job.configuration_id)
    const named = body.webhook_configuration_ids != null || body.webhook_configurations != null
    const webhooks = named ? { webhook_configuration_ids: body.webhook_configuration_ids ?? null, webhook_configurations: body.webhook_configurations ?? null } : NO_WEBHOOKS
    const now = this.now()
    addBatch(world, this.#maker.record(world, id, projectId, directory, config, now, webhooks), now)
    const record = world.store.atClock(id) as BatchRecord
    this.#publishCreated(record, now)
    return record
  }

  /**
   * Requests cancellation; in compat mode a terminal batch is answered as it is. Idempotent,
   * as SDK retries need: a batch whose cancel is pending keeps its first plan.
   */
  cancel(id: string, tenant: Tenant, narrowing: Narrowing): BatchRecord {
    let batch = this.find(id, tenant, narrowing)
    const terminal = isTerminal(statusAt(batch, this.readTime(batch)))
    if (this.mode === 'compat' && terminal) return batch
    if (batch.cancelRequestedAt !== null && !terminal) return batch
    if (!this.isStored(batch)) batch = this.find(id, tenant, narrowing, true)
    const now = this.readTime(batch)
    const clockNow = this.now()
    cancelInWorld(this.world, batch, now, clockNow)
    const record = this.world.store.get(id) as BatchRecord
    this.#publisher.cancelRequested(record, clockNow)
    // A cancel that takes effect at once (no cancel delay) is published next, before the answer:
    // the scheduler's for a batch that progresses by time; here for one read at its last poll's
    // step (its GETs publish only the steps they take, and this one is taken by the cancel).
    const before = statusAt(batch, now)
    const after = statusAt(record, this.readTime(record, clockNow))
    if (record.progression.kind !== 'time' && after !== before) this.#publisher.stepped(record, before, after, clockNow)
    this.#publisher.drain()
    return record
  }

  /** Adds one batch described like a scenario batch, laid out now (tests' `/_mock/batches`). */
  inject(spec: BatchSpec): BatchRecord {
    this.#checkRoom()
    for (const check of this.#beforeAdd) check(spec.project_id ?? this.world.defaults.projectId, spec)
    const now = this.now()
    const record = injectBatch(this.world, spec, now, (r) => addBatch(this.world, r, now))
    const stored = this.world.store.atClock(record.id) as BatchRecord
    this.#publishCreated(stored, now)
    return stored
  }

  list(req: ListRequest, tenant: Tenant): Page {
    const now = this.now()
    return listPage(this.world, this.#tokens, req, tenant, now, (b) => this.readTime(b, now))
  }

  /** Tells subscribers of a batch that just appeared, and of the statuses it has been through already. */
  #publishCreated(record: BatchRecord, now: number): void {
    // Nobody listening (no webhooks, no library subscriber): not worth reading its timeline.
    if (this.#publisher.active) this.#publisher.created(record, now, this.#reached(record, now))
  }

  /** The statuses a batch that just appeared has already been through, as a read now shows them. */
  #reached(record: BatchRecord, now: number): BatchStatus[] {
    const t = this.readTime(record, now)
    return record.transitions.filter((tr) => tr.at <= t).map((tr) => tr.status)
  }

  #checkRoom(): void {
    if (this.world.store.size >= this.maxBatches) throw new BatchLimitError(this.maxBatches)
  }

  /** Every part of a scenario, built before anything is swapped in. */
  #build(loaded: LoadedScenario): { world: World; faults: FaultBook; tokens: PageTokens } {
    // Too many rules is refused before laying out a world it would only throw away.
    if ((loaded.scenario.faults?.length ?? 0) > MAX_FAULT_RULES) faultsOf(loaded, 0)
    const now = this.clock.now()
    const world = instantiate(loaded, now, this.#seedOverride)
    planWorld(world, now)
    return { world, faults: faultsOf(loaded, world.seed), tokens: new PageTokens(String(world.seed)) }
  }

  /** Builds every part first (world, fault book, tokens), then swaps them in together. */
  #install(loaded: LoadedScenario): void {
    const built = this.#build(loaded)
    // What fell due in the old world is published before it goes.
    this.#publisher.drain()
    this.loaded = loaded
    this.world = built.world
    this.faults = built.faults
    this.#tokens = built.tokens
    this.#watch()
    for (const fn of this.#onInstall) fn()
  }

  /** Follows the world's batches for transition events, old and new. */
  #watch(): void {
    this.world.store.watch((record) => this.#publisher.follow(record))
    this.#publisher.restart(this.world.store.atClockValues())
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
