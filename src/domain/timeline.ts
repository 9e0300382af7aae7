import type { BatchConfig, BatchResult, BatchStatus } from '../schemas/batch.js'
import type { Progression } from './progression.js'

/** A status the batch enters at `at` (epoch ms). */
export interface Transition {
  readonly status: BatchStatus
  readonly at: number
}

/**
 * The `results` entry of each file of a batch, by index in directory order. Entries may
 * be made on demand (a generated directory keeps no per-file objects), so a million
 * files cost memory only when someone expands them.
 */
export interface ResultSource {
  readonly count: number
  at(index: number): BatchResult
}

/** Results held in memory, for literal bodies and short explicit lists. */
export function listedResults(results: readonly BatchResult[]): ResultSource {
  return { count: results.length, at: (i) => results[i] as BatchResult }
}

export type ResultsPolicy = 'null' | 'partial'

/**
 * Everything needed to answer for a batch at any time t. Immutable: a cancellation
 * produces a new record rather than mutating this one.
 */
export interface BatchRecord {
  readonly id: string
  readonly projectId: string
  readonly sourceDirectoryId: string
  readonly config: BatchConfig
  readonly createdAt: number
  /** Ascending by `at`; the first is PENDING at `createdAt`. */
  readonly transitions: readonly Transition[]
  /**
   * When each file (directory order, which is also mapping order) is mapped to a job or
   * fails to be: never decreasing; `Infinity` for a file never mapped.
   */
  readonly mappedAt: ArrayLike<number>
  readonly results: ResultSource
  readonly resultsWhileRunning: ResultsPolicy
  readonly resultsWhenFailed: ResultsPolicy
  readonly cancelRequestedAt: number | null
  readonly progression: Progression
  readonly webhooks?: unknown
}

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
