import type { BatchRecord } from './batch-record.js'

/**
 * When the batch's timeline next moves after t: the time of its first transition later
 * than t, or null when none follows (a terminal batch, or one that stays where it is).
 * The status it moves to is `statusAt(batch, due)`; several transitions at one instant
 * read as the last of them, as a GET at that instant would show.
 *
 * @example
 * // transitions PENDING@0, RUNNING@1000, COMPLETED@3000
 * nextTransitionAfter(batch, 500) // 1000
 * nextTransitionAfter(batch, 3000) // null
 */
export function nextTransitionAfter(batch: BatchRecord, t: number): number | null {
  for (const tr of batch.transitions) if (tr.at > t) return tr.at
  return null
}
