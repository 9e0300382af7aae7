import { MAX_TIME, type Clock } from '../clock.js'
import type { BatchRecord } from '../domain/batch-record.js'
import type { BatchStatus } from '../domain/status.js'
import { EventBus, type BatchEvent } from './events.js'
import { TransitionScheduler } from './scheduler.js'

// setTimeout's longest delay; a later due time is reached in several waits.
const LONGEST_WAIT = 2 ** 31 - 1

/**
 * Publishes the batches' transitions as events at their due mock time. Time-driven batches
 * are followed by one scheduler (a heap of each batch's next transition); under a real
 * clock one timer waits for the earliest, under a manual clock every move of the clock
 * drains what fell due. Nothing is followed while nobody subscribes, so a mock without
 * subscribers pays nothing for it.
 */
export class TransitionPublisher {
  readonly bus: EventBus
  readonly #scheduler: TransitionScheduler
  #timer: NodeJS.Timeout | null = null
  #timerDue = Infinity
  #closed = false
  #draining = false

  constructor(
    readonly clock: Clock,
    recordOf: (id: string) => BatchRecord | undefined,
    onError?: (error: unknown, event: BatchEvent) => void,
    /**
     * Changes to the store that fall due with the clock but are not transitions of records
     * already stored (batches waiting under the running cap take their slots): `run` makes
     * those due by `until`, before anything due is published; `next` says when the next is due.
     */
    readonly handover: { run(until: number): void; next(): number } = { run: () => {}, next: () => Infinity }
  ) {
    this.bus = new EventBus(onError)
    this.#scheduler = new TransitionScheduler(recordOf, clock.now())
  }

  get active(): boolean {
    return this.bus.active && !this.#closed
  }

  /** Starts over from the clock's now with these batches (a new scenario, a reset). */
  restart(records: Iterable<BatchRecord>): void {
    this.#scheduler.clear(this.clock.now())
    if (!this.active) return this.#arm()
    for (const record of records) if (record.progression.kind === 'time') this.#scheduler.follow(record)
    this.#arm()
  }

  /** A batch added or replaced in the store: its next transitions are planned from its record. */
  follow(record: BatchRecord): void {
    if (!this.active || record.progression.kind !== 'time') return
    this.#scheduler.follow(record)
    this.#arm()
  }

  /** Publishes every transition due by the clock's now, in due order. */
  drain(): void {
    // Even with nobody subscribed: the store must be current at the clock.
    this.handover.run(this.clock.now())
    // A subscriber reading the clock or changing a batch mid-drain: this drain hands it all out.
    if (!this.active || this.#draining) return
    this.#draining = true
    try {
      this.#scheduler.drain(this.clock.now(), (c) => this.#changed(c.batch, c.from, c.to, c.at))
    } finally {
      this.#draining = false
    }
    this.#arm()
  }

  // The methods below publish what a change did. The service has drained to `now` (its
  // now() does) before making the change, so these come after everything due before it.

  /** A batch created now: created and PENDING; an immediate one also every later status, now. */
  created(record: BatchRecord, now: number, statuses: readonly BatchStatus[] = []): void {
    if (!this.active) return
    this.bus.publish({ type: 'batch.created', batchId: record.id, projectId: record.projectId, at: now })
    this.#changed(record, null, 'PENDING', now)
    let from: BatchStatus = 'PENDING'
    for (const to of statuses) {
      if (to !== from) this.#changed(record, from, to, now)
      from = to
    }
  }

  cancelRequested(record: BatchRecord, now: number): void {
    if (!this.active) return
    this.bus.publish({ type: 'batch.cancel_requested', batchId: record.id, projectId: record.projectId, at: now })
  }

  /** A batch that progresses by polls took a step on a GET. */
  stepped(record: BatchRecord, from: BatchStatus, to: BatchStatus, now: number): void {
    if (!this.active || from === to) return
    this.#changed(record, from, to, now)
  }

  close(): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #changed(batch: BatchRecord, from: BatchStatus | null, to: BatchStatus, at: number): void {
    this.bus.publish({ type: 'batch.status_changed', batchId: batch.id, projectId: batch.projectId, from, to, at })
  }

  /** Under a real clock, one timer for the earliest due transition. */
  #arm(): void {
    if (this.clock.mode !== 'real' || !this.active) return
    // The clock stops at MAX_TIME: what falls due after it never comes.
    const next = Math.min(this.#scheduler.nextDue() ?? Infinity, this.handover.next())
    const due = next > MAX_TIME ? Infinity : next
    if (due === this.#timerDue && this.#timer) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#timerDue = due
    if (due === Infinity) return
    const wait = Math.min(Math.max(Math.ceil((due - this.clock.now()) / this.clock.speed), 0), LONGEST_WAIT)
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#timerDue = Infinity
      this.drain()
    }, wait)
    this.#timer.unref()
  }
}
