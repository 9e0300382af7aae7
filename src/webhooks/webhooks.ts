import type { BatchRecord } from '../domain/batch-record.js'
import { InvalidFieldError } from '../domain/invalid-field.js'
import { batchAt } from '../domain/lifecycle.js'
import { hashedId, hashSeed, mix32 } from '../ids.js'
import { quoteShort } from '../quote.js'
import type { DeliveriesQuery, Delivery, Pending, WebhookBehaviour } from '../schemas/webhooks.js'
import type { BatchService } from '../service/batches.js'
import type { BatchEvent } from '../service/events.js'
import type { World } from '../store/world.js'
import { WebhookConfigStore } from './config-store.js'
import { DEFAULT_DELIVERY_JOURNAL_BYTES, DEFAULT_DELIVERY_JOURNAL_SIZE, DeliveryJournal } from './deliveries.js'
import { Dispatcher } from './dispatcher.js'
import { envelopeJson, EVENT_OF_STATUS, requestFor, type Envelope } from './envelope.js'
import { checkHeaders, inlineTarget, UrlPolicy, webhooksOf, type WebhookTarget } from './targets.js'

export interface WebhookOptions {
  /** Hosts besides loopback that webhook URLs may name (`--webhook-allow-host`). */
  allowHosts?: readonly string[]
  /** Requests in flight at once. Default 8. */
  concurrency?: number
  /** Deliveries waiting (queued or waiting to retry) at most; more are dropped and journaled. Default 10,000. */
  queueSize?: number
  /** Attempts the deliveries journal keeps. Default 1,000. */
  journalSize?: number
  /** What the deliveries journal's entries may hold at once, estimated bytes (the oldest go past it). Default 64 MiB. */
  journalBytes?: number
  /** One attempt's time limit. Default 30,000 ms. */
  timeoutMs?: number
}

export const DEFAULT_WEBHOOK_CONCURRENCY = 8
export const DEFAULT_WEBHOOK_QUEUE = 10_000
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 30_000
export const DEFAULT_FLUSH_TIMEOUT_MS = 10_000
/** The longest a flush waits (setTimeout's longest delay, about 24.8 days). */
export const MAX_FLUSH_TIMEOUT_MS = 2 ** 31 - 1
const DEFAULT_BACKOFF_MS = [1000, 2000, 4000]
const DEFAULT_ATTEMPTS = 3

/**
 * Webhooks of the Batches API: saved configurations, and delivery of `batch.*` events to
 * the endpoints a batch names. It subscribes to the service's transition events (so it
 * sees each at its due mock time, in due order) only once some batch names an endpoint:
 * a mock without webhooks pays nothing for them.
 */
export class Webhooks {
  readonly configs: WebhookConfigStore
  readonly journal: DeliveryJournal
  readonly policy: UrlPolicy
  readonly #dispatcher: Dispatcher
  #subscribed = false
  #random: () => number = () => 0
  #minted = 0

  constructor(
    readonly service: BatchService,
    opts: WebhookOptions = {}
  ) {
    this.configs = new WebhookConfigStore(() => service.world.seed)
    this.journal = new DeliveryJournal(
      option('journalSize', opts.journalSize, DEFAULT_DELIVERY_JOURNAL_SIZE, 100_000),
      option('journalBytes', opts.journalBytes, DEFAULT_DELIVERY_JOURNAL_BYTES, 2 ** 30)
    )
    this.policy = new UrlPolicy(opts.allowHosts)
    this.#dispatcher = new Dispatcher({
      concurrency: option('concurrency', opts.concurrency, DEFAULT_WEBHOOK_CONCURRENCY, 1024),
      queueSize: option('queueSize', opts.queueSize, DEFAULT_WEBHOOK_QUEUE, 1_000_000),
      timeoutMs: option('timeoutMs', opts.timeoutMs, DEFAULT_WEBHOOK_TIMEOUT_MS, 600_000),
      policy: this.policy,
      journal: this.journal,
      shuffle: () => this.#behaviour().shuffle === true,
      random: () => this.#random()
    })
    service.beforeAdd((projectId, fields) => this.#check(projectId, fields))
    service.onInstall(() => this.#installed())
    this.#installed()
  }

  /** Every attempt journaled (newest last), filtered; with `last`, only the newest `last` that match. */
  deliveries(filter: DeliveriesQuery = {}): Delivery[] {
    return this.journal.entries(filter)
  }

  get pending(): Pending {
    return this.#dispatcher.pending
  }

  /** Resolves once nothing is queued, in flight or waiting to retry; rejects with FlushTimeoutError after `timeoutMs`. */
  flush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<void> {
    // setTimeout would read Infinity, NaN or more than 2^31 - 1 as 1 ms, and a flush meant to wait would give up at once.
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_FLUSH_TIMEOUT_MS) return Promise.reject(new RangeError(`flush waits an integer from 0 to ${MAX_FLUSH_TIMEOUT_MS} ms, got ${String(timeoutMs)}`))
    // A clock of the caller's own, moved directly: what fell due is queued first.
    this.service.now()
    return this.#dispatcher.flush(timeoutMs)
  }

  /** A saved configuration's URL and headers, checked as an inline one's are (compat mode takes any). */
  checkConfig(body: { webhook_url?: string | null; webhook_headers?: Readonly<Record<string, string>> | null }): void {
    if (this.service.mode === 'compat') return
    if (body.webhook_url != null) this.policy.check(body.webhook_url, ['body', 'webhook_url'])
    checkHeaders(body.webhook_headers, ['body', 'webhook_headers'])
  }

  /** Drops what is owed (journaled) and sends nothing more; resolves once the sender has stopped. */
  close(): Promise<void> {
    return this.#dispatcher.close()
  }

  /** A new world (reset, another scenario): saved configurations, deliveries owed and the journal go. */
  #installed(): void {
    this.#dispatcher.clear()
    this.journal.clear()
    this.configs.clear()
    this.#minted = 0
    let state = hashSeed(this.service.world.seed, 'webhooks')
    this.#random = () => (state = mix32(state + 0x9e3779b9)) / 2 ** 32
    for (const record of this.service.world.store.values()) {
      if (webhooksOf(record.webhooks) !== null) return this.#follow()
    }
  }

  #follow(): void {
    if (this.#subscribed) return
    this.#subscribed = true
    this.service.subscribe((event) => this.#onEvent(event))
  }

  #behaviour(): WebhookBehaviour {
    return this.service.loaded.scenario.defaults?.webhooks ?? {}
  }

  /**
   * A batch about to be created or injected with these webhook fields: every saved id must
   * be this project's, every URL allowed. Compat mode takes any schema-valid request (what
   * it cannot deliver is journaled instead).
   */
  #check(projectId: string, fields: unknown): void {
    const w = webhooksOf(fields)
    if (w === null) return
    if (this.service.mode !== 'compat') {
      const world = this.service.world
      for (const [i, id] of (w.webhook_configuration_ids ?? []).entries()) {
        if (this.configs.target(id, projectId, world) === null) throw new InvalidFieldError(['body', 'webhook_configuration_ids', i], `webhook configuration ${quoteShort(id)} not found`, id)
      }
      for (const [i, c] of (w.webhook_configurations ?? []).entries()) {
        const loc = ['body', 'webhook_configurations', i]
        if (c.webhook_url == null) throw new InvalidFieldError([...loc, 'webhook_url'], 'webhook_url is required to deliver webhooks', c.webhook_url ?? null)
        this.policy.check(c.webhook_url, [...loc, 'webhook_url'])
        checkHeaders(c.webhook_headers, [...loc, 'webhook_headers'])
      }
    }
    this.#follow()
  }

  #onEvent(event: BatchEvent): void {
    if (event.type !== 'batch.status_changed') return
    const eventType = EVENT_OF_STATUS[event.to]
    if (eventType === undefined) return
    const world = this.service.world
    const record = world.store.get(event.batchId)
    if (record === undefined) return
    const targets = targetsOf(record, world, this.configs).filter((t) => t.events === null || t.events.includes(eventType))
    if (targets.length === 0) return
    // One time for the transition: what `data` shows (its updated_at) and `timestamp` say agree.
    const at = shownAt(record, event.to, event.at)
    const envelope: Envelope = {
      event_id: hashedId('evt', `${world.seed}:${record.id}:${event.to}:${event.at}`).slice(4),
      event_type: eventType,
      timestamp: at / 1000,
      data: batchAt(record, at, false)
    }
    const json = envelopeJson(envelope)
    const behaviour = this.#behaviour()
    const queuedAt = Date.now()
    for (const target of targets) {
      const { headers, body } = requestFor(envelope, json, target)
      const copies = (behaviour.duplicate_rate ?? 0) > 0 && this.#random() < (behaviour.duplicate_rate ?? 0) ? 2 : 1
      for (let k = 0; k < copies; k++) {
        this.#dispatcher.enqueue({
          deliveryId: hashedId('whd', `${world.seed}:delivery:${this.#minted++}`),
          eventId: envelope.event_id,
          eventType,
          batchId: record.id,
          eventTime: at,
          url: target.url,
          headers,
          body,
          attempt: 1,
          maxAttempts: behaviour.max_attempts ?? DEFAULT_ATTEMPTS,
          backoffMs: behaviour.retry_backoff_ms ?? DEFAULT_BACKOFF_MS,
          queuedAt
        })
      }
    }
  }
}

/**
 * A bound given in the options, checked: a concurrency of 0 would never send (and a flush
 * never end), a negative size would throw deep inside, a huge one would be unbounded memory.
 */
function option(name: keyof WebhookOptions, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`webhooks.${name} must be an integer from 1 to ${max}, got ${String(value)}`)
  return value
}

/** The endpoints a batch names that exist now: inline ones, then saved ones of its project. */
function targetsOf(record: BatchRecord, world: World, configs: WebhookConfigStore): WebhookTarget[] {
  const w = webhooksOf(record.webhooks)
  if (w === null) return []
  const targets: WebhookTarget[] = []
  for (const c of w.webhook_configurations ?? []) {
    const target = inlineTarget(c)
    if (target !== null) targets.push(target)
  }
  // An id named twice is one endpoint: each event goes to it once.
  for (const id of new Set(w.webhook_configuration_ids ?? [])) {
    const target = configs.target(id, record.projectId, world)
    if (target !== null) targets.push(target)
  }
  return targets
}

/**
 * When a GET showed the batch entering `status`: the transition's time for a time-driven
 * batch; for one that progresses by polls or at once, the time of that step in its
 * timeline (what the GET that moved it answered).
 */
function shownAt(record: BatchRecord, status: string, at: number): number {
  if (record.progression.kind === 'time') return at
  let t = at
  for (const tr of record.transitions) if (tr.status === status) t = tr.at
  return t
}
