/** Every status a batch can show, in lifecycle order. */
export const BATCH_STATUSES = ['PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const
export type BatchStatus = (typeof BATCH_STATUSES)[number]

export const TERMINAL_STATUSES: ReadonlySet<BatchStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED'])

/** COMPLETED, FAILED and CANCELLED: nothing follows them, and they cannot be cancelled. */
export function isTerminal(status: BatchStatus): boolean {
  return TERMINAL_STATUSES.has(status)
}

export const JOB_TYPES = ['parse_v2', 'extract_v2'] as const
export type JobType = (typeof JOB_TYPES)[number]
