import type { BatchRecord, Progression } from './batch-record.js'

export const BY_TIME: Progression = { kind: 'time' }

/**
 * The time at which the batch is read, given the clock and how many GETs it has had
 * before this one. A batch that progresses by polls reads as it was on entering its
 * k-th status, k = floor(polls / every): the first GET sees PENDING, the next the status
 * after it, and so on; the last status holds.
 */
export function readTimeOf(batch: BatchRecord, now: number, polls: number): number {
  const p = batch.progression
  if (p.kind === 'time') return now
  const last = batch.transitions.length - 1
  if (p.kind === 'immediate') return Math.max(now, (batch.transitions[last] as { at: number }).at)
  const step = Math.min(Math.floor(polls / p.every), last)
  return (batch.transitions[step] as { at: number }).at
}
