import type { Batch, BatchConfig, BatchResult } from '../schemas/batch.js'
import { buildTimeline, type BatchRecord, type FileMapping, type Outcome, type ResultsPolicy, type TimelineDurations } from '../domain/timeline.js'
import { BY_TIME, type Progression } from '../domain/progression.js'
import { hashSeed, prefixedId, seededFaker, type DirectoryFile, type Faker } from './generate.js'

export interface RecordInput {
  id: string
  projectId: string
  sourceDirectoryId: string
  config: BatchConfig
  createdAt: number
  outcome: Outcome
  durations: TimelineDurations
  files: readonly DirectoryFile[]
  failAfterFiles?: number | undefined
  resultsWhileRunning: ResultsPolicy
  resultsWhenFailed: ResultsPolicy
  webhooks?: unknown
  progression?: Progression | undefined
}

const JOB_ID_PREFIX = { parse_v2: 'pjb', extract_v2: 'ejb' } as const

/**
 * A batch record from its inputs: the timeline from the durations, and for each file the
 * result it will show — a job reference, or the file's mapping error. Job ids follow from
 * the scenario seed and the batch id alone.
 */
export function buildRecord(input: RecordInput, seed: number): BatchRecord {
  const { transitions, mappedAt } = buildTimeline(input.createdAt, input.durations, input.outcome, input.files.length, input.failAfterFiles)
  const faker: Faker = seededFaker(hashSeed(seed, input.id), input.createdAt)
  const type = input.config.job.type
  const files: FileMapping[] = input.files.map((file, i) => {
    const result: BatchResult = {
      source_directory_file_id: file.id,
      job_reference: file.error === null ? { type, id: prefixedId(faker, JOB_ID_PREFIX[type]) } : null,
      error_message: file.error
    }
    return { mappedAt: mappedAt[i] as number, result }
  })
  return {
    id: input.id,
    projectId: input.projectId,
    sourceDirectoryId: input.sourceDirectoryId,
    config: input.config,
    createdAt: input.createdAt,
    transitions,
    files,
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
    files: (body.results ?? []).map((result) => ({ mappedAt: updatedAt, result })),
    resultsWhileRunning: shows,
    resultsWhenFailed: shows,
    cancelRequestedAt: null,
    progression: BY_TIME
  }
}
