import type { BatchStatus, JobType } from './status.js'

export interface BatchConfig {
  job: { type: JobType; configuration_id: string }
}

export interface JobReference {
  type: JobType
  id: string
}

export interface BatchResult {
  source_directory_file_id: string
  job_reference: JobReference | null
  error_message: string | null
}

/** The batch object as the API answers it (the schemas describe the same shape on the wire). */
export interface Batch {
  id: string
  project_id: string
  source_directory_id: string
  config: BatchConfig
  status: BatchStatus
  created_at: string
  updated_at: string
  results: BatchResult[] | null
}

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
 * How a batch moves along its timeline: with the clock (`time`), one status per `every`
 * GETs of it (`polls`, as moto's state manager does), or straight to where it ends
 * (`immediate`).
 */
export type Progression = { readonly kind: 'time' } | { readonly kind: 'polls'; readonly every: number } | { readonly kind: 'immediate' }

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
  /**
   * `lifecycleStepAt(this, t)` without reading `transitions` and `mappedAt`, for a record
   * that builds them on each read (a list page reads 50 steps). Must count the same.
   */
  stepAt?(t: number): number
}
