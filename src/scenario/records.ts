import type { Batch, BatchConfig, JobType } from '../schemas/batch.js'
import { buildTimeline, listedResults, type BatchRecord, type Outcome, type ResultSource, type ResultsPolicy, type TimelineDurations } from '../domain/timeline.js'
import { BY_TIME, type Progression } from '../domain/progression.js'
import { hashSeed, prefixedId, seededFaker, type Directory } from './generate.js'

export interface RecordInput {
  id: string
  projectId: string
  sourceDirectoryId: string
  config: BatchConfig
  createdAt: number
  outcome: Outcome
  durations: TimelineDurations
  directory: Directory
  failAfterFiles?: number | undefined
  resultsWhileRunning: ResultsPolicy
  resultsWhenFailed: ResultsPolicy
  webhooks?: unknown
  progression?: Progression | undefined
}

const JOB_ID_PREFIX = { parse_v2: 'pjb', extract_v2: 'ejb' } as const

/**
 * What a batch shows for each file of its directory: the job it created (its id follows
 * from the seed, the batch and the file's index alone) or the file's mapping error.
 * Made on demand: answers are cached as JSON, so this runs once per visible change.
 */
function batchResults(directory: Directory, seed: number, batchId: string, type: JobType): ResultSource {
  return {
    count: directory.count,
    at(i) {
      const file = directory.file(i)
      const jobId = file.error === null ? prefixedId(seededFaker(hashSeed(seed, `${batchId}#${i}`)), JOB_ID_PREFIX[type]) : null
      return { source_directory_file_id: file.id, job_reference: jobId === null ? null : { type, id: jobId }, error_message: file.error }
    }
  }
}

/**
 * A batch record from its inputs: the timeline from the durations, and for each file the
 * result it will show — a job reference, or the file's mapping error. Job ids follow from
 * the scenario seed and the batch id alone.
 */
export function buildRecord(input: RecordInput, seed: number): BatchRecord {
  const { transitions, mappedAt } = buildTimeline(input.createdAt, input.durations, input.outcome, input.directory.count, input.failAfterFiles)
  return {
    id: input.id,
    projectId: input.projectId,
    sourceDirectoryId: input.sourceDirectoryId,
    config: input.config,
    createdAt: input.createdAt,
    transitions,
    mappedAt,
    results: batchResults(input.directory, seed, input.id, input.config.job.type),
    resultsWhileRunning: input.resultsWhileRunning,
    resultsWhenFailed: input.resultsWhenFailed,
    cancelRequestedAt: null,
    progression: input.progression ?? BY_TIME,
    webhooks: input.webhooks
  }
}

/**
 * A record that answers exactly as a literal body does: it entered its status at
 * `updated_at`, and its `results` (if any) were mapped by then. A RUNNING or FAILED literal
 * with results shows them (policy `partial`).
 */
export function recordFromLiteral(body: Batch): BatchRecord {
  const createdAt = Date.parse(body.created_at)
  const updatedAt = Math.max(Date.parse(body.updated_at), createdAt)
  const transitions = [{ status: 'PENDING' as const, at: createdAt }]
  if (body.status !== 'PENDING') transitions.push({ status: body.status as 'PENDING', at: updatedAt })
  const shows = body.results !== null ? 'partial' : 'null'
  return {
    id: body.id,
    projectId: body.project_id,
    sourceDirectoryId: body.source_directory_id,
    config: body.config,
    createdAt,
    transitions,
    mappedAt: new Float64Array(body.results?.length ?? 0).fill(updatedAt),
    results: listedResults(body.results ?? []),
    resultsWhileRunning: shows,
    resultsWhenFailed: shows,
    cancelRequestedAt: null,
    progression: BY_TIME
  }
}
