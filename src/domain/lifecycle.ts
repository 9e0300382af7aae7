import { isTerminal, type BatchStatus } from './status.js'
import { isoTime } from './iso-time.js'
import { BatchNotCancellableError } from './errors.js'
import type { Batch, BatchRecord, BatchResult, Transition } from './batch-record.js'
import { evenCountAt, evenMappedAt, evenStepAt, evenStepsOf } from './timeline.js'

/** Index of the last element whose key is <= t, or -1 (binary search over an ascending list). */
function lastAtOrBefore<T>(items: ArrayLike<T>, key: (item: T) => number, t: number): number {
  let lo = 0
  let hi = items.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (key(items[mid] as T) <= t) {
      found = mid
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return found
}

const transitionAt = (tr: Transition): number => tr.at

function transitionIndexAt(batch: BatchRecord, t: number): number {
  return Math.max(lastAtOrBefore(batch.transitions, transitionAt, t), 0)
}

/**
 * The batch's status at time t: the last transition at or before t. Before `created_at`
 * (only reachable with an explicit future creation time) the batch reads as PENDING.
 */
export function statusAt(batch: BatchRecord, t: number): BatchStatus {
  return (batch.transitions[transitionIndexAt(batch, t)] as Transition).status
}

/** How many files are mapped at time t (files map in directory order). */
export function mappedCountAt(batch: BatchRecord, t: number): number {
  const steps = evenStepsOf(batch.mappedAt)
  if (steps === undefined) return lastAtOrBefore(batch.mappedAt, (at) => at, t) + 1
  // Arithmetic mapping: the same binary search, over the formula instead of an array.
  return evenCountAt(steps, t)
}

/**
 * How many of the batch's files `results` shows at t under `expand=results`, or null
 * when `results` is null. This is the results table of DESIGN.md, in one place.
 */
export function visibleResultCountAt(batch: BatchRecord, t: number): number | null {
  switch (statusAt(batch, t)) {
    case 'PENDING':
    case 'THROTTLED':
      return null
    case 'RUNNING':
      return batch.resultsWhileRunning === 'partial' ? mappedCountAt(batch, t) : null
    case 'FAILED':
      return batch.resultsWhenFailed === 'partial' ? mappedCountAt(batch, t) : null
    case 'COMPLETED':
      return batch.results.count
    case 'CANCELLED':
      return mappedCountAt(batch, t)
  }
}

/** `results` at t: null without `expand=results`, otherwise per the results table. */
export function resultsAt(batch: BatchRecord, t: number, expandResults: boolean): BatchResult[] | null {
  if (!expandResults) return null
  const count = visibleResultCountAt(batch, t)
  if (count === null) return null
  const results = new Array<BatchResult>(count)
  for (let i = 0; i < count; i++) results[i] = batch.results.at(i)
  return results
}

/**
 * `updated_at` at t: the latest visible change — the last status transition, or a later
 * file mapping when `results` would show it (a RUNNING or FAILED batch with `partial`).
 * It does not depend on `expand`, so the same batch reads the same with or without it.
 */
export function updatedAtOf(batch: BatchRecord, t: number): number {
  const lastTransition = (batch.transitions[transitionIndexAt(batch, t)] as Transition).at
  const visible = visibleResultCountAt(batch, t)
  if (visible === null || visible === 0) return lastTransition
  const lastMapping = batch.mappedAt[visible - 1] as number
  return Number.isFinite(lastMapping) ? Math.max(lastTransition, lastMapping) : lastTransition
}

/**
 * A number that changes exactly when the batch's answer can change: the count of
 * timeline events (transitions and file mappings) at or before t.
 */
export function lifecycleStepAt(batch: BatchRecord, t: number): number {
  if (batch.stepAt !== undefined) return batch.stepAt(t)
  return lastAtOrBefore(batch.transitions, transitionAt, t) + 1 + mappedCountAt(batch, t)
}

/**
 * When `lifecycleStepAt(batch, ·)` next changes after t: its next transition or its next file
 * mapping, whichever comes first (Infinity when neither comes). The answer a read shows is the
 * same for every time from t until then.
 */
export function nextStepAfter(batch: BatchRecord, t: number): number {
  let next = Infinity
  for (const tr of batch.transitions) {
    if (tr.at > t) {
      next = tr.at
      break
    }
  }
  const mapped = mappedCountAt(batch, t)
  const steps = evenStepsOf(batch.mappedAt)
  const mapping = steps !== undefined ? evenStepAt(steps, mapped) : mapped < batch.mappedAt.length ? (batch.mappedAt[mapped] as number) : Infinity
  return Math.min(next, mapping)
}

/** The batch object as the API answers it at time t. */
export function batchAt(batch: BatchRecord, t: number, expandResults: boolean): Batch {
  return {
    id: batch.id,
    project_id: batch.projectId,
    source_directory_id: batch.sourceDirectoryId,
    config: batch.config,
    status: statusAt(batch, t),
    created_at: isoTime(batch.createdAt),
    updated_at: isoTime(updatedAtOf(batch, t)),
    results: resultsAt(batch, t, expandResults)
  }
}

/**
 * Records a cancellation requested at `now` that takes effect `delayMs` later. Status
 * changes the batch had scheduled after `now` no longer happen: it stays where it is and
 * becomes CANCELLED at `now + delayMs`. A RUNNING batch keeps mapping files until then
 * ("files that already finished keep their results"); one not yet RUNNING maps none.
 * Throws BatchNotCancellableError for a batch already in a terminal status.
 */
export function cancelBatch(batch: BatchRecord, now: number, delayMs: number): BatchRecord {
  const current = statusAt(batch, now)
  if (isTerminal(current)) throw new BatchNotCancellableError(batch.id, current)
  const effectiveAt = Math.max(now + Math.max(delayMs, 0), batch.createdAt)
  const mapUntil = current === 'RUNNING' ? effectiveAt : now
  const kept = batch.transitions.filter((tr) => tr.at <= now)
  const transitions = [...(kept.length > 0 ? kept : batch.transitions.slice(0, 1)), { status: 'CANCELLED' as const, at: effectiveAt }]
  // Mapped files are a prefix: an even plan stays four numbers, however many files.
  const steps = evenStepsOf(batch.mappedAt)
  const mappedAt = steps ? evenMappedAt({ ...steps, mapped: mappedCountAt(batch, mapUntil) }) : Float64Array.from(batch.mappedAt, (at) => (at <= mapUntil ? at : Infinity))
  return { ...batch, transitions, mappedAt, cancelRequestedAt: now }
}
