import type { BatchRecord } from '../domain/batch-record.js'
import { statusAt } from '../domain/lifecycle.js'
import { isTerminal } from '../domain/status.js'
import type { BatchStatus } from '../domain/status.js'
import { nextTransitionAfter } from '../domain/transitions.js'
import { MinHeap } from '../store/min-heap.js'

interface Due {
  readonly at: number
  /** 0 for a batch leaving a slot (a terminal status), 1 otherwise: at one instant, a slot frees before the next batch takes it. */
  readonly rank: number
  /** Push order: transitions due at one instant come out in the order they were planned. */
  readonly seq: number
  readonly id: string
  /** The record version it was planned from; a replaced record makes it stale. */
  readonly version: number
}

interface Followed {
  version: number
  /** The status last published (or seen when it was first followed). */
  shown: BatchStatus
}

export type StatusChange = { readonly batch: BatchRecord; readonly from: BatchStatus; readonly to: BatchStatus; readonly at: number }

/**
 * Knows when each followed batch's status next changes, and hands the changes out in
 * due order as the clock passes them — one heap entry per batch, never a timer per batch.
 * Everything up to the watermark has been handed out; a record replaced later (a cancel,
 * a re-plan under the running cap) is followed from the watermark on, which is sound
 * because nothing rewrites a batch's past.
 */
export class TransitionScheduler {
  readonly #heap = new MinHeap<Due>((a, b) => a.at < b.at || (a.at === b.at && (a.rank < b.rank || (a.rank === b.rank && a.seq < b.seq))))
  readonly #followed = new Map<string, Followed>()
  #seq = 0
  #watermark: number

  constructor(
    readonly recordOf: (id: string) => BatchRecord | undefined,
    watermark: number
  ) {
    this.#watermark = watermark
  }

  /** Heap entries held, stale ones included (bounded: see #plan). */
  get entries(): number {
    return this.#heap.size
  }

  get watermark(): number {
    return this.#watermark
  }

  /** Follows a new batch, or a batch whose record was replaced, from the watermark on. */
  follow(record: BatchRecord, shown?: BatchStatus): void {
    const current = this.#followed.get(record.id)
    const followed: Followed = { version: (current?.version ?? 0) + 1, shown: shown ?? current?.shown ?? statusAt(record, this.#watermark) }
    this.#followed.set(record.id, followed)
    this.#plan(record, followed)
  }

  forget(id: string): void {
    this.#followed.delete(id)
  }

  /** When the earliest planned change falls due, or null when none is planned. */
  nextDue(): number | null {
    for (;;) {
      const top = this.#heap.peek()
      if (top === undefined) return null
      if (this.#followed.get(top.id)?.version === top.version) return top.at
      this.#heap.pop()
    }
  }

  /**
   * Hands every change due at or before `until` to `emit`, in due order. `emit` may
   * replace records (and so `follow` them again): they are planned from the change being
   * handed out, not from before it.
   */
  drain(until: number, emit: (change: StatusChange) => void): void {
    for (let due = this.nextDue(); due !== null && due <= until; due = this.nextDue()) {
      const entry = this.#heap.pop() as Due
      this.#watermark = Math.max(this.#watermark, entry.at)
      const followed = this.#followed.get(entry.id) as Followed
      const record = this.recordOf(entry.id)
      if (record === undefined) {
        this.#followed.delete(entry.id)
        continue
      }
      const to = statusAt(record, entry.at)
      const from = followed.shown
      followed.shown = to
      this.#plan(record, followed)
      if (to !== from) emit({ batch: record, from, to, at: entry.at })
    }
    this.#watermark = Math.max(this.#watermark, until)
  }

  /** Forgets everything and starts again from `watermark`. */
  clear(watermark: number): void {
    this.#heap.clear()
    this.#followed.clear()
    this.#watermark = watermark
  }

  #plan(record: BatchRecord, followed: Followed): void {
    // A change at the watermark itself not handed out yet (a cancel taking effect at once):
    // due now, so the next drain hands it out.
    const at = statusAt(record, this.#watermark) !== followed.shown ? this.#watermark : nextTransitionAfter(record, this.#watermark)
    if (at !== null) this.#heap.push({ at, rank: rankAt(record, at), seq: this.#seq++, id: record.id, version: followed.version })
    // Each replaced record leaves a stale entry behind: past twice the live ones, start afresh.
    if (this.#heap.size > 2 * this.#followed.size + 1024) this.#compact()
  }

  /**
   * Plans every followed batch afresh. From just before the watermark: changes due at the
   * watermark itself may still be waiting (drain hands them out one by one); those already
   * handed out come round again as no change, which publishes nothing.
   */
  #compact(): void {
    this.#heap.clear()
    for (const id of this.#followed.keys()) {
      const record = this.recordOf(id)
      const followed = this.#followed.get(id) as Followed
      const at = record === undefined ? null : nextTransitionAfter(record, this.#watermark - 1)
      if (at !== null) this.#heap.push({ at, rank: rankAt(record as BatchRecord, at), seq: this.#seq++, id, version: followed.version })
    }
  }
}

function rankAt(record: BatchRecord, at: number): number {
  return isTerminal(statusAt(record, at)) ? 0 : 1
}
