import type { Delivery, DeliveryOutcome, Pending } from '../schemas/webhooks.js'
import { MAX_JOURNALED_BODY, type DeliveryJournal } from './deliveries.js'
import type { UrlPolicy } from './targets.js'
import { WorkerSender } from './sender.js'

/** One request to send, and how often to try it. */
export interface DeliveryJob {
  readonly deliveryId: string
  readonly eventId: string
  readonly eventType: string
  readonly batchId: string
  /** Mock time of the transition, epoch ms. */
  readonly eventTime: number
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The body's text (sent as UTF-8): one copy per delivery, shared by its attempts and its journal entries. */
  readonly body: string
  /** The attempt this send is, from 1. */
  readonly attempt: number
  readonly maxAttempts: number
  /** Wall ms to wait before attempt n + 1 is backoffMs[n - 1] (the last repeats). */
  readonly backoffMs: readonly number[]
  /** Wall time it was queued. */
  readonly queuedAt: number
}

export interface DispatcherOptions {
  concurrency: number
  queueSize: number
  timeoutMs: number
  policy: UrlPolicy
  journal: DeliveryJournal
  /** Whether to take queued deliveries in a random order, and the seeded random to do it. */
  shuffle: () => boolean
  random: () => number
}

/** Deliveries still owed when a flush gave up waiting. */
export class FlushTimeoutError extends Error {
  constructor(
    readonly waitedMs: number,
    readonly pending: Pending
  ) {
    super(`Webhook deliveries still pending after ${waitedMs} ms: ${pending.queued} queued, ${pending.in_flight} in flight, ${pending.retrying} waiting to retry`)
  }
}

/**
 * Sends deliveries (with node:http, on the sender's worker thread): at most `concurrency` at once, at most `queueSize` waiting
 * (queued or waiting to retry; more are dropped and journaled), each attempt bounded by
 * `timeoutMs`. A 2xx is success; anything else is tried again after its backoff, until
 * its attempts run out. Retry timers are unref'd; close drops what is still owed.
 */
export class Dispatcher {
  readonly #ready = new ReadyQueue()
  readonly #retrying = new Map<NodeJS.Timeout, DeliveryJob>()
  readonly #inFlight = new Set<DeliveryJob>()
  readonly #sender = new WorkerSender()
  #idle: (() => void)[] = []
  /** Bumped by clear and close: sends started before answer to no one. */
  #generation = 0
  #closed = false
  #pumpScheduled = false
  readonly #verdicts = new Map<string, string | null>()

  constructor(readonly opts: DispatcherOptions) {}

  get pending(): Pending {
    return { queued: this.#ready.size, in_flight: this.#inFlight.size, retrying: this.#retrying.size }
  }

  enqueue(job: DeliveryJob): void {
    if (this.#closed) return this.#drop(job, 'dropped: the mock is closing')
    if (this.#ready.size + this.#retrying.size >= this.opts.queueSize) return this.#drop(job, `dropped: the delivery queue is full (${this.opts.queueSize})`)
    this.#ready.push(job)
    if (!this.opts.shuffle()) return this.#pump()
    // Shuffled: everything published in this turn (one clock move) is queued before any
    // leaves, so the random order spans them all.
    if (this.#pumpScheduled) return
    this.#pumpScheduled = true
    queueMicrotask(() => {
      this.#pumpScheduled = false
      this.#pump()
    })
  }

  /** Resolves once nothing is queued, in flight or waiting to retry; rejects with FlushTimeoutError after `timeoutMs`. */
  flush(timeoutMs: number): Promise<void> {
    if (this.#isIdle()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.#idle = this.#idle.filter((w) => w !== done)
        reject(new FlushTimeoutError(timeoutMs, this.pending))
      }, timeoutMs)
      this.#idle.push(done)
    })
  }

  /** Forgets every delivery owed, without journaling them (a reset clears the journal too). */
  clear(): void {
    this.#generation++
    this.#ready.clear()
    for (const timer of this.#retrying.keys()) clearTimeout(timer)
    this.#retrying.clear()
    // Requests in flight end with the worker; the next delivery starts a new one.
    if (this.#inFlight.size > 0) void this.#sender.stop()
    this.#inFlight.clear()
    this.#settle()
  }

  /** Drops every delivery owed, journaled as dropped; later ones are dropped as they come. Resolves once the sender has stopped. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    this.#generation++
    const owed = [...this.#ready.jobs(), ...this.#retrying.values(), ...this.#inFlight]
    for (const timer of this.#retrying.keys()) clearTimeout(timer)
    this.#ready.clear()
    this.#retrying.clear()
    this.#inFlight.clear()
    for (const job of owed) this.#drop(job, 'dropped: the mock closed with this delivery owed')
    this.#settle()
    return this.#sender.stop()
  }

  #isIdle(): boolean {
    return this.#ready.size === 0 && this.#inFlight.size === 0 && this.#retrying.size === 0
  }

  #settle(): void {
    if (!this.#isIdle()) return
    const waiters = this.#idle
    this.#idle = []
    for (const w of waiters) w()
  }

  #pump(): void {
    while (this.#inFlight.size < this.opts.concurrency && this.#ready.size > 0) {
      const job = this.#ready.take(this.opts.shuffle() ? Math.floor(this.opts.random() * this.#ready.size) : 0)
      void this.#send(job)
    }
    this.#settle()
  }

  async #send(job: DeliveryJob): Promise<void> {
    const generation = this.#generation
    this.#inFlight.add(job)
    const problem = this.#problem(job.url)
    const { status, error, durationMs, startedAt } =
      problem !== null
        ? { status: null, error: `refused: webhook_url must be ${problem}`, durationMs: 0, startedAt: Date.now() }
        : await this.#sender.send({ url: job.url, headers: job.headers, body: job.body, timeoutMs: this.opts.timeoutMs })
    // Cleared or closed meanwhile: whoever did it accounted for this delivery.
    if (generation !== this.#generation) return
    this.#inFlight.delete(job)
    const ok = status !== null && status >= 200 && status < 300
    const retry = !ok && problem === null && job.attempt < job.maxAttempts
    this.opts.journal.add(entry(job, ok ? 'delivered' : retry ? 'retrying' : 'failed', status, error, durationMs, startedAt))
    if (retry) {
      const wait = job.backoffMs[Math.min(job.attempt - 1, job.backoffMs.length - 1)] ?? 0
      const next: DeliveryJob = { ...job, attempt: job.attempt + 1 }
      const timer = setTimeout(() => {
        this.#retrying.delete(timer)
        this.#ready.push(next)
        this.#pump()
      }, wait)
      timer.unref()
      this.#retrying.set(timer, next)
    }
    this.#pump()
  }

  /** The policy's verdict on a URL, remembered (a mock sends to few URLs; at most 1,024 are kept). */
  #problem(url: string): string | null {
    let problem = this.#verdicts.get(url)
    if (problem === undefined) {
      problem = this.opts.policy.problem(url)
      if (this.#verdicts.size >= 1024) this.#verdicts.clear()
      this.#verdicts.set(url, problem)
    }
    return problem
  }

  #drop(job: DeliveryJob, reason: string): void {
    this.opts.journal.add(entry(job, 'dropped', null, reason, null, null))
  }
}

function entry(job: DeliveryJob, outcome: DeliveryOutcome, status: number | null, error: string | null, durationMs: number | null, startedAt: number | null): Delivery {
  return {
    delivery_id: job.deliveryId,
    event_id: job.eventId,
    event_type: job.eventType,
    batch_id: job.batchId,
    url: job.url,
    attempt: job.attempt,
    outcome,
    status,
    error,
    duration_ms: durationMs === null ? null : Math.round(durationMs * 1000) / 1000,
    event_time: new Date(job.eventTime).toISOString(),
    queued_at: new Date(job.queuedAt).toISOString(),
    started_at: startedAt === null ? null : new Date(startedAt).toISOString(),
    finished_at: new Date().toISOString(),
    request: { headers: { ...job.headers }, body: job.body.length > MAX_JOURNALED_BODY ? `${job.body.slice(0, MAX_JOURNALED_BODY)}…` : job.body }
  }
}

/**
 * The deliveries queued, oldest first, taken in O(1) (amortized) from the front or, shuffled,
 * from anywhere: an array's shift or splice moves every job after it, and with up to 1,000,000
 * queued (`queueSize`) taking them all that way is quadratic.
 */
class ReadyQueue {
  #jobs: (DeliveryJob | undefined)[] = []
  #head = 0

  get size(): number {
    return this.#jobs.length - this.#head
  }

  push(job: DeliveryJob): void {
    this.#jobs.push(job)
  }

  /** Takes the `i`th queued (0: the oldest); the oldest takes its place. */
  take(i: number): DeliveryJob {
    const at = this.#head + i
    const job = this.#jobs[at] as DeliveryJob
    this.#jobs[at] = this.#jobs[this.#head]
    this.#jobs[this.#head++] = undefined
    // The taken slots at the front go once they are half the array: each job is moved O(1) times.
    if (this.#head === this.#jobs.length) this.clear()
    else if (this.#head >= 1024 && this.#head * 2 >= this.#jobs.length) {
      this.#jobs = this.#jobs.slice(this.#head)
      this.#head = 0
    }
    return job
  }

  jobs(): DeliveryJob[] {
    return this.#jobs.slice(this.#head) as DeliveryJob[]
  }

  clear(): void {
    this.#jobs = []
    this.#head = 0
  }
}
