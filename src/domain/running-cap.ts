import { Ends, Slots } from './slots.js'
import { cancelBatch } from './lifecycle.js'
import { evenMappedAt, evenStepsOf } from './timeline.js'
import type { BatchRecord, Transition } from './batch-record.js'

function runningIndex(batch: BatchRecord): number {
  return batch.transitions.findIndex((tr) => tr.status === 'RUNNING')
}

/** The batch with its RUNNING start moved `shift` ms later: THROTTLED meanwhile, the rest of its run moved along. */
function delayed(batch: BatchRecord, running: number, shift: number): BatchRecord {
  if (shift === 0) return batch
  const before = batch.transitions.slice(0, running)
  const throttled = before.at(-1)?.status === 'THROTTLED' ? [] : [{ status: 'THROTTLED' as const, at: (batch.transitions[running] as Transition).at }]
  // An even plan (four numbers) stays one when it moves: never 8 bytes a file per wait.
  const steps = evenStepsOf(batch.mappedAt)
  if (shift === Infinity) {
    const none = steps ? evenMappedAt({ ...steps, mapped: 0 }) : new Float64Array(batch.mappedAt.length).fill(Infinity)
    return { ...batch, transitions: [...before, ...throttled], mappedAt: none }
  }
  const after = batch.transitions.slice(running).map((tr) => ({ status: tr.status, at: tr.at + shift }))
  const moved = steps ? evenMappedAt({ ...steps, start: steps.start + shift }) : Float64Array.from(batch.mappedAt, (at) => at + shift)
  return { ...batch, transitions: [...before, ...throttled, ...after], mappedAt: moved }
}

/**
 * Cancels a batch under a running cap, requested at `at` (its read time): as cancelBatch,
 * but a batch RUNNING at `at` is CANCELLED by the time its planned run would have ended at
 * the latest. Its slot is promised to the next batch from then (or reserved by one whose run
 * a client has already read): a cancel never makes a run longer.
 */
export function cancelUnderCap(batch: BatchRecord, at: number, delayMs: number): BatchRecord {
  const running = runningIndex(batch)
  const start = running === -1 ? Infinity : (batch.transitions[running] as Transition).at
  const end = batch.transitions[running + 1]?.at ?? Infinity
  const delay = start <= at && at < end ? Math.min(Math.max(delayMs, 0), end - at) : delayMs
  return cancelBatch(batch, at, delay)
}

/** A batch that has not started running yet, with its planned start. */
interface Waiter {
  readonly id: string
  /** Arrival order, which breaks ties between batches queued in the same millisecond. */
  readonly seq: number
  /** When it joins the queue: when it would start running, or when it arrived if that is later. */
  readonly queuedAt: number
  /** The clock when it arrived: it starts no earlier (until a re-plan sets a later floor). */
  readonly arrivedAt: number
  /** Its timeline before any wait, and the index of its RUNNING transition there. */
  readonly natural: BatchRecord
  readonly running: number
  readonly runFor: number
  /** A cancelled batch runs as its record says (null for every other). */
  fixed: { readonly start: number; readonly end: number } | null
  /** Valid while it sits in the planned prefix of the queue (see RunningCapQueue). */
  start: number
  end: number
  /** Its planned record, made when first read for this start; `recordStart` says which. */
  record: BatchRecord | null
  recordStart: number
  /** What it reads as while it waits: THROTTLED for good (see waitingRecordOf). */
  waitingRecord: BatchRecord | null
}

const before = (a: Waiter, b: Waiter): boolean => a.queuedAt < b.queuedAt || (a.queuedAt === b.queuedAt && a.seq < b.seq)

/**
 * One project's batches under a cap on how many may be RUNNING at once. Batches take
 * slots first come, first served by when they would naturally start running, in arrival
 * order within a millisecond; one that finds every slot taken shows THROTTLED until the
 * earliest slot frees, then runs its whole course (file mappings and outcome) that much
 * later. A batch that stays RUNNING holds its slot for good; a cancelled one holds it
 * until its cancellation takes effect.
 *
 * History is never rewritten: at an operation at time `now`, batches that started by
 * `now` keep their slots as they are (the slots' ends are history); only batches still
 * waiting are planned, from the slots forward. A batch that arrives late, with an earlier
 * creation time, queues behind those already waiting, or takes a slot that was free since
 * before it would have started.
 *
 * Planning is lazy: the waiting batches' starts are worked out in queue order, from the
 * slots, only as far as something reads (`recordOf`, `commit`, `nextStart`), and kept until
 * a change ahead of them. A change (a cancel, a batch queued ahead of others) only forgets
 * the planned prefix: it costs a binary search and one splice of the queue's array (a move
 * of k pointers, microseconds at 20,000), never planning the k waiting batches. Joining
 * the queue's tail costs O(1). Reading a waiting batch's record plans up to it (O(its place
 * in the queue) once after a change). While a batch waits it reads THROTTLED for good
 * (`waitingRecordOf`), which is exactly its planned record before its start: the service
 * stores that, and swaps in the planned record when `commit` hands the batch its slot.
 *
 * A waiting batch read RUNNING ahead of the clock (progression by polls) and cancelled runs
 * as recorded: a fixed waiter. Its slot is reserved: nobody joins the queue ahead of it (nor
 * takes a slot free since the past while it waits), it takes its slot as soon as everyone
 * ahead of it has, and a cancel never makes a run longer (cancelUnderCap), so whoever it
 * follows frees the slot in time.
 */
export class RunningCapQueue {
  readonly #slots: Slots
  /** Waiting batches in queue order, from `#head`. */
  #queue: (Waiter | undefined)[] = []
  #head = 0
  readonly #waiting = new Map<string, Waiter>()
  #arrivals = 0
  /**
   * The last fixed waiter in queue order (a batch cancelled while waiting, read RUNNING at
   * its planned start: that run is recorded and holds its slot). Nobody joins the queue
   * ahead of it, so nothing placed later can take the slot it is planned on.
   */
  #barrier: Waiter | null = null
  /** Waiters in [#head, #planned) have their starts worked out; `#frontier` is the slots after them. */
  #planned = 0
  #frontier: Ends | null = null
  /** The clock at the last re-plan: nobody placed since starts before it ... */
  #floor = -Infinity
  /** ... except a batch that arrived after it (seq at or above this), which starts no earlier than it arrived. */
  #floorSeq = 0

  constructor(readonly cap: number) {
    this.#slots = new Slots(cap)
  }

  /**
   * Plans batches that arrive together (a scenario, in its order) at time `now`: none has
   * been seen yet, so every one takes its place by when it would start running. A batch
   * already cancelled keeps its run as recorded, queued by its natural timeline (`naturalOf`).
   * Answers each batch's planned record, in the order given.
   */
  static plan(cap: number, batches: readonly BatchRecord[], now: number, naturalOf: (b: BatchRecord) => BatchRecord = (b) => b): { queue: RunningCapQueue; records: BatchRecord[] } {
    const queue = new RunningCapQueue(cap)
    const waiters = new Map<string, Waiter>()
    for (const b of batches) {
      const w = queue.#waiter(b.cancelRequestedAt !== null ? naturalOf(b) : b, -Infinity)
      if (!w) continue
      if (b.cancelRequestedAt !== null) {
        const running = runningIndex(b)
        if (running === -1) continue
        w.fixed = { start: (b.transitions[running] as Transition).at, end: b.transitions[running + 1]?.at ?? Infinity }
        w.start = w.fixed.start
        w.end = w.fixed.end
      }
      waiters.set(b.id, w)
    }
    queue.#queue = [...waiters.values()].sort((a, b) => (before(a, b) ? -1 : 1))
    for (const w of queue.#queue as Waiter[]) {
      queue.#waiting.set(w.id, w)
      if (w.fixed) queue.#barrier = w
    }
    queue.#forget(-Infinity)
    queue.#extend(queue.#queue.length)
    queue.#commit(now, [])
    return { queue, records: batches.map((b) => (b.cancelRequestedAt === null && waiters.has(b.id) ? planned(waiters.get(b.id) as Waiter) : b)) }
  }

  /** How many batches wait for a slot. */
  get waiting(): number {
    return this.#waiting.size
  }

  /** Whether this batch waits for a slot, its record derived from the queue (a fixed waiter's is recorded). */
  waits(id: string): boolean {
    const w = this.#waiting.get(id)
    return w !== undefined && w.fixed === null
  }

  /** A waiting batch's planned record (the same object until its start moves); undefined for any other. */
  recordOf(id: string): BatchRecord | undefined {
    const w = this.#waiting.get(id)
    if (w === undefined || w.fixed !== null) return undefined
    this.#extend(this.#indexOf(w) + 1)
    if (w.record === null || w.recordStart !== w.start) {
      w.record = planned(w)
      w.recordStart = w.start
    }
    return w.record
  }

  /**
   * What a waiting batch reads as until its start, whatever its start: THROTTLED for good
   * from when it would have run (its planned record, up to its start). Undefined for any other.
   */
  waitingRecordOf(id: string): BatchRecord | undefined {
    const w = this.#waiting.get(id)
    if (w === undefined || w.fixed !== null) return undefined
    w.waitingRecord ??= delayed(w.natural, w.running, Infinity)
    return w.waitingRecord
  }

  /** When the next waiting batch takes its slot (-Infinity: at the next commit), or Infinity. */
  nextStart(): number {
    const w = this.#queue[this.#head]
    if (w === undefined) return Infinity
    if (w.fixed !== null) return -Infinity
    this.#extend(this.#head + 1)
    return w.start
  }

  /**
   * Waiting batches whose start has come by `now` take their slots for good. Answers the
   * planned records of those (fixed waiters' records are recorded: not answered).
   */
  commit(now: number): BatchRecord[] {
    const records: BatchRecord[] = []
    this.#commit(now, records)
    return records
  }

  /**
   * A batch arriving at `now` (its natural timeline), planned lazily. Answers its record when
   * it took a slot at once (it does not wait), or null while it waits (see waitingRecordOf);
   * and the planned records of batches that took their slots by `now` (see commit).
   */
  join(natural: BatchRecord, now: number): { record: BatchRecord | null; started: BatchRecord[] } {
    const started: BatchRecord[] = []
    this.#commit(now, started)
    const barrier = this.#barrier !== null && this.#waiting.get(this.#barrier.id) === this.#barrier ? this.#barrier : null
    const w = this.#waiter(natural, now, barrier)
    if (!w) return { record: natural, started }
    const first = this.#queue[this.#head]
    const free = this.#slots.min()
    const runAt = (natural.transitions[w.running] as Transition).at
    if (barrier === null && runAt <= now && free <= now && (first === undefined || first.queuedAt > now)) {
      // Late, and a slot has been free since before now with nobody waiting for it: it ran there.
      w.start = Math.max(runAt, free)
      w.end = w.start + w.runFor
      this.#slots.occupy(w.id, w.end)
      this.#forget(now)
      this.#commit(now, started)
      return { record: planned(w), started }
    }
    this.#waiting.set(w.id, w)
    const last = this.#queue[this.#queue.length - 1]
    if (last === undefined || this.#queue.length === this.#head || before(last, w)) {
      // The queue's tail: nobody's start moves; its own is worked out when read.
      this.#queue.push(w)
    } else {
      this.#queue.splice(this.#indexOf(w), 0, w)
      this.#forget(now)
    }
    this.#commit(now, started)
    if (this.#waiting.get(w.id) === w) return { record: null, started }
    // It took its slot at once.
    const mine = started.findIndex((r) => r.id === w.id)
    const record = started[mine] as BatchRecord
    started.splice(mine, 1)
    return { record, started }
  }

  /**
   * A batch cancelled at `now` (its new record): waiting batches behind it (all of them, when it
   * held a slot) move up, worked out when read. Answers the planned records of batches that took
   * their slots by `now` (see commit).
   */
  drop(record: BatchRecord, now: number): BatchRecord[] {
    const started: BatchRecord[] = []
    this.#commit(now, started)
    const running = runningIndex(record)
    // When it stops holding a slot: its cancellation (or, never having run, its last status).
    const end = running === -1 ? (record.transitions.at(-1) as Transition).at : (record.transitions[running + 1]?.at ?? Infinity)
    const w = this.#waiting.get(record.id)
    if (w) {
      if (running === -1) {
        this.#queue.splice(this.#indexOf(w), 1)
        this.#waiting.delete(w.id)
      } else {
        // Read RUNNING at a step ahead of the clock (progression by polls): it runs as recorded.
        w.fixed = { start: (record.transitions[running] as Transition).at, end }
        w.start = w.fixed.start
        w.end = end
        if (this.#barrier === null || this.#waiting.get(this.#barrier.id) !== this.#barrier || before(this.#barrier, w)) this.#barrier = w
      }
    } else if (this.#slots.holds(record.id)) {
      // Its slot frees when the cancellation takes effect, never at or before now: whoever
      // waits read THROTTLED at now and still does.
      this.#slots.release(record.id, Math.max(end, now + 1))
    } else {
      return started
    }
    this.#forget(now)
    this.#commit(now, started)
    return started.filter((r) => r.id !== record.id)
  }

  /** A waiter for `natural`; it joins the queue no earlier than `behind` (a fixed waiter) did, so after it. */
  #waiter(natural: BatchRecord, now: number, behind: Waiter | null = null): Waiter | null {
    const running = runningIndex(natural)
    if (running === -1) return null
    const at = (natural.transitions[running] as Transition).at
    const runFor = (natural.transitions[running + 1]?.at ?? Infinity) - at
    return { id: natural.id, seq: this.#arrivals++, queuedAt: Math.max(at, now, behind?.queuedAt ?? -Infinity), arrivedAt: now, natural, running, runFor, fixed: null, start: NaN, end: NaN, record: null, recordStart: NaN, waitingRecord: null }
  }

  /** Where `w` sits in the queue (binary search by queue order). */
  #indexOf(w: Waiter): number {
    let lo = this.#head
    let hi = this.#queue.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = this.#queue[mid] as Waiter
      if (m === w) return mid
      if (before(m, w)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Forgets every planned start: the waiting batches are planned again, from the slots as they are, when read. */
  #forget(floor: number): void {
    this.#planned = this.#head
    this.#frontier = null
    this.#floor = floor
    this.#floorSeq = this.#arrivals
  }

  /** Plans the waiting batches up to index `to` (exclusive), in queue order, from where planning stopped. */
  #extend(to: number): void {
    const end = Math.min(to, this.#queue.length)
    if (this.#planned >= end) return
    const slots = (this.#frontier ??= this.#slots.copy())
    for (let i = this.#planned; i < end; i++) {
      const w = this.#queue[i] as Waiter
      if (w.fixed) {
        slots.take(w.fixed.end)
        continue
      }
      // A batch that arrived since the last re-plan starts no earlier than it arrived; the others no earlier than that re-plan.
      w.start = Math.max(w.queuedAt, slots.min(), w.seq >= this.#floorSeq ? w.arrivedAt : this.#floor)
      w.end = w.start + w.runFor
      slots.take(w.end)
    }
    this.#planned = end
  }

  /**
   * Batches whose planned start has come by `now` take their slots for good; so does a fixed
   * waiter as soon as everyone ahead of it has (its run is recorded: the slot is reserved).
   * Starts of the others grow in queue order, so a fixed one is the only one out of turn.
   * The planned prefix stays valid: the slots now hold what it had taken.
   */
  #commit(now: number, records: BatchRecord[]): void {
    for (;;) {
      const w = this.#queue[this.#head]
      if (w === undefined) break
      // Planned first, so the planned prefix (and the slots after it) stays valid.
      this.#extend(this.#head + 1)
      if (w.fixed === null) {
        if (w.start > now) break
        records.push(w.record !== null && w.recordStart === w.start ? w.record : planned(w))
      }
      this.#queue[this.#head++] = undefined
      this.#waiting.delete(w.id)
      this.#slots.occupy(w.id, w.end)
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#planned -= this.#head
      this.#head = 0
    }
  }
}

function planned(w: Waiter): BatchRecord {
  return delayed(w.natural, w.running, w.start - (w.natural.transitions[w.running] as Transition).at)
}

/**
 * Plans batches given at once under a cap (see RunningCapQueue.plan): ties between batches
 * that would start in the same millisecond go by the order given. Pure.
 *
 * @example
 * // cap 1, A runs 0–10 s, B would run from 2 s: B is THROTTLED 2–10 s, then runs.
 */
export function scheduleUnderCap(batches: readonly BatchRecord[], cap: number, naturalOf: (b: BatchRecord) => BatchRecord = (b) => b): BatchRecord[] {
  return RunningCapQueue.plan(cap, batches, -Infinity, naturalOf).records
}
