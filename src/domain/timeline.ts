import type { BatchStatus } from './status.js'
import type { Transition } from './batch-record.js'

export interface TimelineDurations {
  pending_ms: number
  throttled_ms: number
  running_ms: number
}

export type Outcome = BatchStatus

export interface FileSpec {
  id: string
  jobId: string
  error: string | null
}

/**
 * Lays a batch's timeline out from durations: PENDING for `pending_ms`, THROTTLED for
 * `throttled_ms` (skipped when 0), then RUNNING for `running_ms` while the files are mapped
 * at even steps, the last one as the batch ends. `outcome` is where it stops:
 * COMPLETED maps every file; FAILED stops at `failAfterFiles` mapped files; a
 * non-terminal outcome (PENDING, THROTTLED, RUNNING) leaves the batch there for good;
 * CANCELLED behaves as a cancel requested at the midpoint of RUNNING taking effect at once.
 *
 * @example
 * buildTimeline(0, { pending_ms: 1000, throttled_ms: 0, running_ms: 2000 }, 'COMPLETED', 2)
 * // transitions: PENDING@0, RUNNING@1000, COMPLETED@3000; files mapped @2000 and @3000
 */
export function buildTimeline(
  createdAt: number,
  durations: TimelineDurations,
  outcome: Outcome,
  fileCount: number,
  failAfterFiles = Math.floor(fileCount / 2)
): { transitions: Transition[]; mappedAt: Float64Array } {
  const transitions: Transition[] = [{ status: 'PENDING', at: createdAt }]
  // 8 bytes a file: the scale scenario keeps a million of these.
  const mappedAt = new Float64Array(fileCount).fill(Infinity)
  if (outcome === 'PENDING') return { transitions, mappedAt }

  let t = createdAt + durations.pending_ms
  if (durations.throttled_ms > 0 || outcome === 'THROTTLED') {
    transitions.push({ status: 'THROTTLED', at: t })
    t += durations.throttled_ms
  }
  if (outcome === 'THROTTLED') return { transitions, mappedAt }

  const runStart = t
  transitions.push({ status: 'RUNNING', at: runStart })
  const step = (i: number): number => runStart + Math.floor((durations.running_ms * (i + 1)) / Math.max(fileCount, 1))
  const end = runStart + durations.running_ms

  switch (outcome) {
    case 'RUNNING': {
      for (let i = 0; i < Math.ceil(fileCount / 2); i++) mappedAt[i] = step(i)
      break
    }
    case 'COMPLETED': {
      for (let i = 0; i < fileCount; i++) mappedAt[i] = step(i)
      transitions.push({ status: 'COMPLETED', at: end })
      break
    }
    case 'FAILED': {
      const mapped = Math.min(Math.max(failAfterFiles, 0), Math.max(fileCount - 1, 0))
      for (let i = 0; i < mapped; i++) mappedAt[i] = step(i)
      transitions.push({ status: 'FAILED', at: fileCount === 0 ? end : step(mapped) })
      break
    }
    case 'CANCELLED': {
      const cancelAt = runStart + Math.floor(durations.running_ms / 2)
      for (let i = 0; i < fileCount && step(i) <= cancelAt; i++) mappedAt[i] = step(i)
      transitions.push({ status: 'CANCELLED', at: cancelAt })
      break
    }
  }
  return { transitions, mappedAt }
}

/** Files mapped at even steps, as `buildTimeline` lays them out, in four numbers. */
export interface EvenSteps {
  /** When RUNNING began. */
  readonly start: number
  readonly runningMs: number
  /** Files in the directory (the step divisor). */
  readonly count: number
  /** Files mapped, a prefix: file i < mapped maps at `start + floor(runningMs * (i + 1) / count)`. */
  readonly mapped: number
}

const STEPS = Symbol('evenSteps')

export function evenStepAt(s: EvenSteps, i: number): number {
  return i < s.mapped ? s.start + Math.floor((s.runningMs * (i + 1)) / Math.max(s.count, 1)) : Infinity
}

/** How many of the even steps fall at or before t: a binary search over the formula. */
export function evenCountAt(s: EvenSteps, t: number): number {
  let lo = 0
  let hi = s.mapped
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (evenStepAt(s, mid) <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

// One handler for every record: reads index the arithmetic, so a batch's mapping costs
// a proxy and four numbers instead of 8 bytes a file plus a typed array's overhead.
const evenStepsHandler: ProxyHandler<EvenSteps> = {
  get(target, key) {
    if (key === STEPS) return target
    if (key === 'length') return target.count
    if (typeof key === 'string') {
      const i = Number(key)
      if (Number.isInteger(i) && i >= 0 && i < target.count) return evenStepAt(target, i)
    }
    return undefined
  }
}

/** `mappedAt` for files mapped at even steps, without a per-file array. */
export function evenMappedAt(steps: EvenSteps): ArrayLike<number> {
  return new Proxy(steps, evenStepsHandler) as unknown as ArrayLike<number>
}

/** The four numbers behind an `evenMappedAt`, or undefined for a plain array. */
export function evenStepsOf(mappedAt: ArrayLike<number>): EvenSteps | undefined {
  return (mappedAt as { [STEPS]?: EvenSteps })[STEPS]
}
