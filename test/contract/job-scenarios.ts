import { START } from '../helper.js'

// Scenarios whose matching jobs lie past MAX_JOB_LIST_SCAN (20,000) files, for the job page tests.

export const DIR = 'dir-22222222-2222-4222-8222-222222222222'
export const FILE = (i: number): string => `dfl-22222222-2222-4222-8222-0000000000${String(i).padStart(2, '0')}`
const extract = { type: 'extract_v2' as const, configuration_id: 'cfg-EXTRACT_AGENTIC' }
/** The two oldest batches' configuration in `deep`: only their 6 jobs, all past 30,000 files, have it. */
export const OLD_CONFIG = 'cfg-EXTRACT_MULTIMODAL'
const old = { type: 'extract_v2' as const, configuration_id: OLD_CONFIG }
const directories = [{ id: DIR, files: [0, 1, 2].map((i) => ({ id: FILE(i), name: `doc-${i}.pdf` })) }]
const batchId = (n: number): string => `bat-22222222-0000-4000-8000-${String(n).padStart(12, '0')}`
/** The batches over DIR in `deep`, newest first. */
export const DEEP_DIR_BATCHES = [batchId(1), batchId(201), batchId(202)]

/**
 * Extract batches newest first: one over DIR (3 files), three of 10,000 generated files
 * (30,000 files no filter on DIR's file ids matches), then two older ones over DIR with
 * another configuration. Everything COMPLETED at the start.
 */
export const deep = {
  name: 'deep-jobs',
  seed: 11,
  start_time: START,
  defaults: { jobs: { error_rate: 0, page_error_rate: 0 } },
  directories,
  batches: [
    { id: batchId(1), source_directory_id: DIR, job: extract, created_ago_ms: 1_800_000, outcome: 'COMPLETED' as const, file_error_rate: 0 },
    ...[0, 1, 2].map((i) => ({ id: batchId(100 + i), job: extract, files: 10_000, created_ago_ms: 3_600_000 + i, outcome: 'COMPLETED' as const, file_error_rate: 0 })),
    { id: batchId(201), source_directory_id: DIR, job: old, created_ago_ms: 7_200_000, outcome: 'COMPLETED' as const, file_error_rate: 0 },
    { id: batchId(202), source_directory_id: DIR, job: old, created_ago_ms: 7_200_001, outcome: 'COMPLETED' as const, file_error_rate: 0 }
  ]
}

/** The batch of `late` whose 3 jobs are PENDING at the start (mapped a minute before it, PENDING 10 minutes). */
export const LATE_BATCH = batchId(300)
export const LATE_BIG = batchId(400)

/**
 * Ten parse batches of 10,000 files (100,000 files, five slices), COMPLETED with their jobs
 * an hour before the start; behind them LATE_BATCH, created two hours before the start but
 * RUNNING only from a minute before it: its jobs are the only PENDING ones, for 10 minutes.
 */
export const late = {
  name: 'late-jobs',
  seed: 12,
  start_time: START,
  defaults: { jobs: { pending_ms: 600_000, running_ms: 3000, error_rate: 0, page_error_rate: 0 } },
  directories,
  batches: [
    ...Array.from({ length: 10 }, (_, i) => ({ id: batchId(400 + i), files: 10_000, created_ago_ms: 3_600_000 + i, outcome: 'COMPLETED' as const, file_error_rate: 0 })),
    { id: LATE_BATCH, source_directory_id: DIR, created_ago_ms: 7_200_000, timeline: { pending_ms: 7_140_000, running_ms: 3000 }, outcome: 'COMPLETED' as const, file_error_rate: 0 }
  ]
}
