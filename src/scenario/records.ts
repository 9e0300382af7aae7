import type { Batch, BatchConfig, BatchResult, JobType } from '../schemas/batch.js'
import { buildTimeline, evenMappedAt, listedResults, type BatchRecord, type Outcome, type ResultSource, type ResultsPolicy, type TimelineDurations } from '../domain/timeline.js'
import { BY_TIME, type Progression } from '../domain/progression.js'
import { indexedId, keyHash, type Directory, type KeyHash } from './generate.js'

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
 * Made on demand: answers are cached as JSON, so this runs once per visible change. One
 * small object a batch (no closures); the hash of the batch id is taken on first use.
 */
class JobResults implements ResultSource {
  #hash: KeyHash | null = null
  constructor(
    readonly directory: Directory,
    readonly seed: number,
    readonly batchId: string,
    readonly type: JobType
  ) {}

  get count(): number {
    return this.directory.count
  }

  at(i: number): BatchResult {
    const file = this.directory.file(i)
    if (file.error !== null) return { source_directory_file_id: file.id, job_reference: null, error_message: file.error }
    this.#hash ??= keyHash(this.seed, `${this.batchId}#`)
    return { source_directory_file_id: file.id, job_reference: { type: this.type, id: indexedId(JOB_ID_PREFIX[this.type], this.#hash, i) }, error_message: null }
  }
}

/**
 * A record from its inputs: the timeline from the durations, and for each file the
 * result it will show — a job reference, or the file's mapping error. Job ids follow from
 * the scenario seed and the batch id alone. Files map at even steps, so `mappedAt` is
 * arithmetic, not an array: a created batch costs a few hundred bytes whatever its size.
 */
export function buildRecord(input: RecordInput, seed: number): BatchRecord {
  const count = input.directory.count
  const { transitions, mappedAt } = buildTimeline(input.createdAt, input.durations, input.outcome, count, input.failAfterFiles)
  let mapped = 0
  while (mapped < count && Number.isFinite(mappedAt[mapped] as number)) mapped++
  const running = transitions.find((tr) => tr.status === 'RUNNING')
  return {
    id: input.id,
    projectId: input.projectId,
    sourceDirectoryId: input.sourceDirectoryId,
    config: input.config,
    createdAt: input.createdAt,
    transitions,
    mappedAt: evenMappedAt({ start: running?.at ?? input.createdAt, runningMs: input.durations.running_ms, count, mapped }),
    results: new JobResults(input.directory, seed, input.id, input.config.job.type),
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
