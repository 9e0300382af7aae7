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
  /** Its timeline before any wait, and the index of its RUNNING transition there. */
  readonly natural: BatchRecord
  readonly running: number
  readonly runFor: number
  /** A cancelled batch runs as its record says (null for every other). */
  fixed: { readonly start: number; readonly end: number } | null
  start: number
  end: number
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
 * before it would have started. A create that joins the queue's tail costs O(log cap); a
 * change ahead of waiting batches re-plans those (each of which gets a new record).
 *
 * A waiting batch read RUNNING ahead of the clock (progression by polls) and cancelled runs
 * as recorded: a fixed waiter. Its slot is reserved: nobody joins the queue ahead of it (nor
 * takes a slot free since the past while it waits), it takes its slot as soon as everyone
 * ahead of it has, and a cancel never makes a run longer (cancelUnderCap), so whoever it
 * follows frees the slot in time.
 */
export class RunningCapQueue {
  readonly #slots: Slots
  /** The slots once every waiting batch has had its planned turn: where a newcomer at the tail starts. */
  #ahead: Ends
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

  constructor(readonly cap: number) {
    this.#slots = new Slots(cap)
    this.#ahead = this.#slots.copy()
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
    for (const w of queue.#queue) {
      queue.#waiting.set((w as Waiter).id, w as Waiter)
      if ((w as Waiter).fixed) queue.#barrier = w as Waiter
    }
    queue.#replan(-Infinity)
    queue.#commit(now)
    return { queue, records: batches.map((b) => (b.cancelRequestedAt === null && waiters.has(b.id) ? planned(waiters.get(b.id) as Waiter) : b)) }
  }

  /**
   * A batch arriving at `now` (its natural timeline). Answers its planned record and the
   * new records of waiting batches it moved: none when it joins the queue's tail; those
   * behind it when it would start before some (or arrived late and took a free slot).
   */
  add(natural: BatchRecord, now: number): { record: BatchRecord; moved: BatchRecord[] } {
    this.#commit(now)
    const barrier = this.#barrier !== null && this.#waiting.get(this.#barrier.id) === this.#barrier ? this.#barrier : null
    const w = this.#waiter(natural, now, barrier)
    if (!w) return { record: natural, moved: [] }
    const first = this.#queue[this.#head]
    const free = this.#slots.min()
    const runAt = (natural.transitions[w.running] as Transition).at
    if (barrier === null && runAt <= now && free <= now && (first === undefined || first.queuedAt > now)) {
      // Late, and a slot has been free since before now with nobody waiting for it: it ran there.
      w.start = Math.max(runAt, free)
      w.end = w.start + w.runFor
      this.#slots.occupy(w.id, w.end)
      return { record: planned(w), moved: first === undefined ? (this.#ahead.take(w.end), []) : this.#replan(now).map(planned) }
    }
    this.#waiting.set(w.id, w)
    const last = this.#queue[this.#queue.length - 1]
    if (last === undefined || this.#queue.length === this.#head || before(last, w)) {
      this.#queue.push(w)
      this.#place(this.#ahead, w, now)
      const record = planned(w)
      this.#commit(now)
      return { record, moved: [] }
    }
    this.#queue.splice(this.#indexOf(w), 0, w)
    const moved = this.#replan(now).filter((m) => m !== w)
    const record = planned(w)
    this.#commit(now)
    return { record, moved: moved.map(planned) }
  }

  /** A batch cancelled at `now` (its new record). Answers the new records of waiting batches that move up. */
  cancel(record: BatchRecord, now: number): BatchRecord[] {
    this.#commit(now)
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
      return []
    }
    const moved = this.#replan(now).filter((m) => m.id !== record.id).map(planned)
    this.#commit(now)
    return moved
  }

  /** A waiter for `natural`; it joins the queue no earlier than `behind` (a fixed waiter) did, so after it. */
  #waiter(natural: BatchRecord, now: number, behind: Waiter | null = null): Waiter | null {
    const running = runningIndex(natural)
    if (running === -1) return null
    const at = (natural.transitions[running] as Transition).at
    const runFor = (natural.transitions[running + 1]?.at ?? Infinity) - at
    return { id: natural.id, seq: this.#arrivals++, queuedAt: Math.max(at, now, behind?.queuedAt ?? -Infinity), natural, running, runFor, fixed: null, start: NaN, end: NaN }
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

  /** `w` takes the earliest of `slots`, not before `floor`. */
  #place(slots: Ends, w: Waiter, floor: number): void {
    if (w.fixed) {
      slots.take(w.fixed.end)
      return
    }
    w.start = Math.max(w.queuedAt, slots.min(), floor)
    w.end = w.start + w.runFor
    slots.take(w.end)
  }

  /** Plans every waiting batch again from the slots as they are; answers those whose start moved. */
  #replan(floor: number): Waiter[] {
    const ahead = this.#slots.copy()
    const moved: Waiter[] = []
    for (let i = this.#head; i < this.#queue.length; i++) {
      const w = this.#queue[i] as Waiter
      const start = w.start
      this.#place(ahead, w, floor)
      if (w.start !== start) moved.push(w)
    }
    this.#ahead = ahead
    return moved
  }

  /**
   * Batches whose planned start has come by `now` take their slots for good; so does a fixed
   * waiter as soon as everyone ahead of it has (its run is recorded: the slot is reserved).
   * Starts of the others grow in queue order, so a fixed one is the only one out of turn.
   */
  #commit(now: number): void {
    for (let w = this.#queue[this.#head]; w !== undefined && (w.fixed !== null || w.start <= now); w = this.#queue[this.#head]) {
      this.#queue[this.#head++] = undefined
      this.#waiting.delete(w.id)
      this.#slots.occupy(w.id, w.end)
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
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
