import { MockError } from './errors.js'
import type { JobType } from './status.js'

/** A product job's statuses, as the SDK's parse and extract jobs name them. */
export const JOB_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const isTerminalJob = (s: JobStatus): boolean => s === 'COMPLETED' || s === 'FAILED' || s === 'CANCELLED'

/** How long a job waits and runs once its batch has mapped its file (scenario `defaults.jobs`). */
export interface JobDurations {
  readonly pendingMs: number
  readonly runningMs: number
}

/**
 * A job's whole life, from which its status at any t follows: created when its batch
 * mapped its file, PENDING for `pendingMs`, RUNNING for `runningMs`, then COMPLETED — or
 * FAILED with `error` — unless a cancel (at `cancelledAt`) came first.
 */
export interface JobPlan {
  readonly createdAt: number
  readonly durations: JobDurations
  readonly error: string | null
  readonly cancelledAt: number | null
}

/** When the job ends on its own (COMPLETED or FAILED). */
export const jobEndOf = (p: JobPlan): number => p.createdAt + p.durations.pendingMs + p.durations.runningMs

/** Whether a cancel at `cancelledAt` came before the job ended. */
const cancelledBy = (p: JobPlan, t: number): boolean => p.cancelledAt !== null && p.cancelledAt <= t && p.cancelledAt < jobEndOf(p)

/**
 * The job's status at t (t >= createdAt: before that the job does not exist).
 *
 * @example
 * jobStatusAt({ createdAt: 0, durations: { pendingMs: 500, runningMs: 3000 }, error: null, cancelledAt: null }, 1000) // 'RUNNING'
 */
export function jobStatusAt(p: JobPlan, t: number): JobStatus {
  if (cancelledBy(p, t)) return 'CANCELLED'
  if (t >= jobEndOf(p)) return p.error === null ? 'COMPLETED' : 'FAILED'
  return t >= p.createdAt + p.durations.pendingMs ? 'RUNNING' : 'PENDING'
}

/** When the job last changed status, at t. */
export function jobUpdatedAt(p: JobPlan, t: number): number {
  if (cancelledBy(p, t)) return p.cancelledAt as number
  const end = jobEndOf(p)
  if (t >= end) return end
  const running = p.createdAt + p.durations.pendingMs
  return t >= running ? running : p.createdAt
}

/** A job as of one reading: where it comes from, its plan, and the time it is read at. */
export interface Job {
  readonly id: string
  readonly type: JobType
  readonly projectId: string
  /** The batch's file: its `dfl-` id and name. */
  readonly fileId: string
  readonly fileName: string
  readonly configurationId: string
  readonly plan: JobPlan
  /** The time the job is read at. */
  readonly t: number
  readonly seed: number
  readonly pageErrorRate: number
}

/** The plan with a cancel at `now`; JobNotCancellableError when the job has already ended. */
export function cancelJob(p: JobPlan, id: string, now: number): JobPlan {
  const status = jobStatusAt(p, now)
  if (isTerminalJob(status)) throw new JobNotCancellableError(id, status)
  return { ...p, cancelledAt: now }
}

export class JobNotFoundError extends MockError {
  constructor(readonly jobId: string) {
    super('JOB_NOT_FOUND', `Job not found: ${jobId}`)
  }
}

export class JobNotCancellableError extends MockError {
  constructor(
    readonly jobId: string,
    readonly status: string
  ) {
    super('JOB_NOT_CANCELLABLE', `Job ${jobId} is already ${status} and cannot be cancelled`)
  }
}

export class JobCancelLimitError extends MockError {
  constructor(readonly max: number) {
    super('TOO_MANY_JOB_CANCELS', `Too many job cancellations: this mock records at most ${max}; reset it (POST /_mock/reset)`)
  }
}
