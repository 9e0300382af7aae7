import type { BatchRecord, Transition } from './timeline.js'

interface Slot {
  batch: BatchRecord
  /** Index of its RUNNING transition. */
  running: number
  /** When it would start running, had it not waited: its place in the queue. */
  start: number
  /** When it leaves RUNNING (Infinity for a batch that stays RUNNING). */
  end: number
}

function runningIndex(batch: BatchRecord): number {
  return batch.transitions.findIndex((tr) => tr.status === 'RUNNING')
}

function slotOf(batch: BatchRecord, natural: BatchRecord): Slot | null {
  const running = runningIndex(batch)
  if (running === -1) return null
  const queued = natural.transitions[runningIndex(natural)] ?? batch.transitions[running]
  return { batch, running, start: (queued as Transition).at, end: batch.transitions[running + 1]?.at ?? Infinity }
}

/** The batch with its RUNNING start moved `shift` ms later: THROTTLED meanwhile, the rest of its run moved along. */
function delayed(slot: Slot, shift: number): BatchRecord {
  const { batch, running, start } = slot
  const before = batch.transitions.slice(0, running)
  const throttled = before.at(-1)?.status === 'THROTTLED' ? [] : [{ status: 'THROTTLED' as const, at: start }]
  if (shift === Infinity) {
    return { ...batch, transitions: [...before, ...throttled], mappedAt: new Float64Array(batch.mappedAt.length).fill(Infinity) }
  }
  const after = batch.transitions.slice(running).map((tr) => ({ status: tr.status, at: tr.at + shift }))
  return { ...batch, transitions: [...before, ...throttled, ...after], mappedAt: Float64Array.from(batch.mappedAt, (at) => at + shift) }
}

/**
 * One project's batches under a cap on how many may be RUNNING at once. Batches take
 * slots first come, first served by when they would naturally start running; one that
 * finds every slot taken shows THROTTLED until the earliest slot frees, then runs its
 * whole course (file mappings and outcome) that much later. A cancelled batch is fixed:
 * it keeps its place in the queue (by `naturalOf`, its timeline before any wait) and
 * holds its slot until its cancellation took effect. A batch that stays RUNNING holds
 * its slot for good. Pure: the same batches and cap, the same plan.
 *
 * @example
 * // cap 1, A runs 0–10 s, B would run from 2 s: B is THROTTLED 2–10 s, then runs.
 */
export function scheduleUnderCap(batches: readonly BatchRecord[], cap: number, naturalOf: (b: BatchRecord) => BatchRecord = (b) => b): BatchRecord[] {
  const slots = batches
    .map((b) => slotOf(b, b.cancelRequestedAt !== null ? naturalOf(b) : b))
    .filter((s): s is Slot => s !== null)
    .sort((a, b) => a.start - b.start || a.batch.createdAt - b.batch.createdAt || (a.batch.id < b.batch.id ? -1 : 1))
  const ends: number[] = [] // ascending end times of the batches holding a slot
  const plan = new Map<string, BatchRecord>()
  const occupy = (end: number): void => {
    let i = ends.length
    while (i > 0 && (ends[i - 1] as number) > end) i--
    ends.splice(i, 0, end)
  }
  for (const slot of slots) {
    while (ends.length > 0 && (ends[0] as number) <= slot.start) ends.shift()
    const start = ends.length < cap ? slot.start : (ends.shift() as number)
    if (slot.batch.cancelRequestedAt !== null) {
      // Its run already happened as planned; only when it ended changed.
      occupy(slot.end)
      continue
    }
    const shift = start - slot.start
    if (shift !== Infinity) occupy(slot.end + shift)
    if (shift > 0) plan.set(slot.batch.id, delayed(slot, shift))
  }
  return batches.map((b) => plan.get(b.id) ?? b)
}
