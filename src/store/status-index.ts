import { statusAt } from '../domain/lifecycle.js'
import { nextTransitionAfter } from '../domain/transitions.js'
import { MinHeap } from './min-heap.js'
import type { BatchRecord } from '../domain/batch-record.js'
import { BATCH_STATUSES, type BatchStatus } from '../domain/status.js'

/** A batch's place in the index: its list position, and its status as of the index's time. */
interface Slot {
  readonly createdAt: number
  readonly id: string
  status: BatchStatus
  /** When its status next changes (its next transition after the index's time), or Infinity. */
  due: number
  /** Bit per status whose list holds this slot (current or stale), so none holds it twice. */
  lists: number
}

/** A slot due at `due`; stale once the slot's own due has moved on (a re-plan). */
interface HeapEntry {
  readonly due: number
  readonly slot: Slot
}

interface StatusList {
  /** Ascending (createdAt, id); may hold stale slots (moved on) until the next compaction. */
  sorted: Slot[]
  /** Slots that entered this status since the last compaction, in any order. */
  added: Slot[]
  dirty: boolean
}

function compare(a: { createdAt: number; id: string }, b: { createdAt: number; id: string }): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

const BIT = Object.fromEntries(BATCH_STATUSES.map((s, i) => [s, 1 << i])) as Record<BatchStatus, number>

/** When the status read at t next changes, or Infinity. */
const nextChange = (batch: BatchRecord, t: number): number => nextTransitionAfter(batch, t) ?? Infinity

/**
 * Batches by their status at the clock, kept current from their timelines: a min-heap of
 * each batch's next transition is advanced lazily to `now` on each query, moving only the
 * batches whose status changed between per-status lists. So a status-filtered list that
 * matches nothing costs the transitions due since the last one, not a pass over every
 * batch. Batches that progress by polls or at once are read at their own times, not the
 * clock: they stay out of the lists and are checked one by one (they are few).
 */
export class StatusIndex {
  readonly #slots = new Map<string, Slot>()
  readonly #lists = new Map<BatchStatus, StatusList>(BATCH_STATUSES.map((s) => [s, { sorted: [], added: [], dirty: false }]))
  /** Batches read at their own time (polls, immediate), ascending; checked directly. */
  readonly #others: { createdAt: number; id: string }[] = []
  readonly #otherIds = new Set<string>()
  #othersSorted = true
  readonly #heap = new MinHeap<HeapEntry>((a, b) => a.due < b.due)
  #now: number

  constructor(now: number) {
    this.#now = now
  }

  /** A new batch, or a new version of one (a cancel, a re-plan under the running cap). */
  put(batch: BatchRecord): void {
    const slot = this.#slots.get(batch.id)
    if (batch.progression.kind !== 'time') {
      if (slot) throw new Error(`batch ${batch.id} changed how it progresses`)
      if (this.#otherIds.has(batch.id)) return
      this.#otherIds.add(batch.id)
      const last = this.#others[this.#others.length - 1]
      if (last && compare(last, batch) > 0) this.#othersSorted = false
      this.#others.push({ createdAt: batch.createdAt, id: batch.id })
      return
    }
    const status = statusAt(batch, this.#now)
    const due = nextChange(batch, this.#now)
    if (slot === undefined) {
      const fresh: Slot = { createdAt: batch.createdAt, id: batch.id, status, due, lists: 0 }
      this.#slots.set(batch.id, fresh)
      this.#enter(fresh, status)
      if (due !== Infinity) this.#push(fresh)
      return
    }
    this.#move(slot, status)
    const rescheduled = due !== slot.due
    slot.due = due
    // The old heap entry (if any) is found stale when popped: its due no longer matches.
    if (rescheduled && due !== Infinity) this.#push(slot)
    if (this.#heap.size > 2 * this.#slots.size + 1024) this.#rebuildHeap()
  }

  /**
   * Candidates for `status` at `now`, ascending: the batches of that status on the clock
   * (exact) and every batch read at its own time (the caller checks those).
   */
  candidates(status: BatchStatus, now: number, lookup: (id: string) => BatchRecord | undefined): { exact: readonly { createdAt: number; id: string }[]; others: readonly { createdAt: number; id: string }[] } {
    this.#advance(now, lookup)
    const list = this.#lists.get(status) as StatusList
    if (list.dirty || list.added.length > 0) this.#compact(status, list)
    if (!this.#othersSorted) {
      this.#others.sort(compare)
      this.#othersSorted = true
    }
    return { exact: list.sorted, others: this.#others }
  }

  #advance(now: number, lookup: (id: string) => BatchRecord | undefined): void {
    if (now < this.#now) {
      // Time went back (a clock set earlier): every status is read again.
      this.#now = now
      for (const slot of this.#slots.values()) {
        const batch = lookup(slot.id) as BatchRecord
        this.#move(slot, statusAt(batch, now))
        slot.due = nextChange(batch, now)
      }
      this.#rebuildHeap()
      return
    }
    this.#now = now
    const heap = this.#heap
    while (heap.size > 0 && (heap.peek() as HeapEntry).due <= now) {
      const entry = heap.pop() as HeapEntry
      const slot = entry.slot
      if (entry.due !== slot.due) continue
      const batch = lookup(slot.id)
      if (batch === undefined) continue
      this.#move(slot, statusAt(batch, now))
      slot.due = nextChange(batch, now)
      if (slot.due !== Infinity) this.#push(slot)
    }
  }

  #enter(slot: Slot, status: BatchStatus): void {
    slot.status = status
    if (slot.lists & BIT[status]) return
    slot.lists |= BIT[status]
    ;(this.#lists.get(status) as StatusList).added.push(slot)
  }

  #move(slot: Slot, status: BatchStatus): void {
    if (slot.status === status) return
    ;(this.#lists.get(slot.status) as StatusList).dirty = true
    this.#enter(slot, status)
  }

  /** Drops stale slots and merges in the added ones: O(list + added log added). */
  #compact(status: BatchStatus, list: StatusList): void {
    const bit = BIT[status]
    const kept: Slot[] = []
    for (const slot of list.sorted) {
      if (slot.status === status) kept.push(slot)
      else slot.lists &= ~bit
    }
    const added = list.added.filter((slot) => {
      if (slot.status === status) return true
      slot.lists &= ~bit
      return false
    })
    added.sort(compare)
    const merged: Slot[] = new Array(kept.length + added.length)
    let i = 0
    let j = 0
    let k = 0
    while (i < kept.length && j < added.length) merged[k++] = compare(kept[i] as Slot, added[j] as Slot) <= 0 ? (kept[i++] as Slot) : (added[j++] as Slot)
    while (i < kept.length) merged[k++] = kept[i++] as Slot
    while (j < added.length) merged[k++] = added[j++] as Slot
    list.sorted = merged
    list.added = []
    list.dirty = false
  }

  // A re-planned slot leaves its old heap entry behind; an entry whose due no longer
  // matches its slot's is stale and skipped when popped.
  #push(slot: Slot): void {
    this.#heap.push({ due: slot.due, slot })
  }

  #rebuildHeap(): void {
    this.#heap.clear()
    for (const slot of this.#slots.values()) if (slot.due !== Infinity) this.#push(slot)
  }
}
