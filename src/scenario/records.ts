import type { Batch, BatchConfig, BatchResult, JobType } from '../schemas/batch.js'
import { buildTimeline, evenCountAt, evenMappedAt, type Outcome, type TimelineDurations } from '../domain/timeline.js'
import { listedResults, type BatchRecord, type ResultSource, type ResultsPolicy, type Transition } from '../domain/batch-record.js'
import { BY_TIME } from '../domain/progression.js'
import { type Progression } from '../domain/batch-record.js'
import type { Directory } from '../domain/directory.js'
import { keyHash, type KeyHash } from '../store/key-hash.js'
import { JOB_ID_PREFIX, jobIdAt } from '../store/job-ids.js'

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

/**
 * What a batch shows for each file of its directory: the job it created (its id follows
 * from the seed, the batch and the file's index alone, and reads back to both: see
 * store/job-ids.ts) or the file's mapping error.
 * Made on demand: answers are cached as JSON, so this runs once per visible change. One
 * small object a batch (no closures); the hash of the batch id is taken on first use.
 */
export class JobResults implements ResultSource {
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
    return { source_directory_file_id: file.id, job_reference: { type: this.type, id: jobIdAt(JOB_ID_PREFIX[this.type], this.#hash, i) }, error_message: null }
  }
}

/**
 * A timeline relative to `created_at`: the same for every batch with the same durations,
 * outcome and file count, so batches share one (all creates over a directory do).
 */
interface Plan {
  readonly transitions: readonly { readonly status: Transition['status']; readonly offset: number }[]
  readonly runOffset: number
  readonly runningMs: number
  readonly count: number
  readonly mapped: number
}

const plans = new Map<string, Plan>()
const MAX_SHARED_PLANS = 10_000

// The last plan made or found, and what it was for: creates ask for the same one again and again.
let last: { pending: number; throttled: number; running: number; outcome: Outcome; count: number; failAfterFiles: number | undefined; plan: Plan } | null = null

function planOf(durations: TimelineDurations, outcome: Outcome, count: number, failAfterFiles: number | undefined): Plan {
  const l = last
  if (l !== null && l.pending === durations.pending_ms && l.throttled === durations.throttled_ms && l.running === durations.running_ms && l.outcome === outcome && l.count === count && l.failAfterFiles === failAfterFiles) return l.plan
  const plan = sharedPlan(durations, outcome, count, failAfterFiles)
  last = { pending: durations.pending_ms, throttled: durations.throttled_ms, running: durations.running_ms, outcome, count, failAfterFiles, plan }
  return plan
}

function sharedPlan(durations: TimelineDurations, outcome: Outcome, count: number, failAfterFiles: number | undefined): Plan {
  const key = `${durations.pending_ms}:${durations.throttled_ms}:${durations.running_ms}:${outcome}:${count}:${failAfterFiles ?? ''}`
  const known = plans.get(key)
  if (known) return known
  // Laid out from 0, every time is an offset from created_at.
  const { transitions, mappedAt } = buildTimeline(0, durations, outcome, count, failAfterFiles)
  let mapped = 0
  while (mapped < count && Number.isFinite(mappedAt[mapped] as number)) mapped++
  const running = transitions.find((tr) => tr.status === 'RUNNING')
  const plan: Plan = Object.freeze({
    transitions: Object.freeze(transitions.map((tr) => Object.freeze({ status: tr.status, offset: tr.at }))),
    runOffset: running?.at ?? 0,
    runningMs: durations.running_ms,
    count,
    mapped
  })
  if (plans.size < MAX_SHARED_PLANS) plans.set(key, plan)
  return plan
}

// The last record whose transitions were read, and them: a request reads one batch's
// several times in a row (status, step, updated_at), and this makes that one allocation.
let lastRead: PlannedRecord | null = null
let lastTransitions: readonly Transition[] = []

/**
 * A batch on a shared plan: its own fields plus the plan, ~200 bytes. `transitions` and
 * `mappedAt` are computed from `createdAt` and the plan when read. (A cancel or re-plan
 * spreads the record and sets both itself, so the copy is a plain record.)
 */
class PlannedRecord implements BatchRecord {
  readonly cancelRequestedAt = null
  constructor(
    readonly id: string,
    readonly projectId: string,
    readonly sourceDirectoryId: string,
    readonly config: BatchRecord['config'],
    readonly createdAt: number,
    readonly results: ResultSource,
    readonly resultsWhileRunning: ResultsPolicy,
    readonly resultsWhenFailed: ResultsPolicy,
    readonly progression: Progression,
    readonly webhooks: unknown,
    readonly plan: Plan
  ) {}

  get transitions(): readonly Transition[] {
    if (lastRead !== this) {
      const at = this.createdAt
      lastTransitions = this.plan.transitions.map((tr) => ({ status: tr.status, at: at + tr.offset }))
      lastRead = this
    }
    return lastTransitions
  }

  get mappedAt(): ArrayLike<number> {
    const p = this.plan
    return evenMappedAt({ start: this.createdAt + p.runOffset, runningMs: p.runningMs, count: p.count, mapped: p.mapped })
  }

  // The count `lifecycleStepAt` makes, from the plan: no transitions array, no mappedAt proxy.
  // A cancel or re-plan spreads the record into a plain object, which leaves this behind.
  stepAt(t: number): number {
    const at = this.createdAt
    const p = this.plan
    let passed = 0
    for (const tr of p.transitions) if (at + tr.offset <= t) passed++
    return passed + evenCountAt({ start: at + p.runOffset, runningMs: p.runningMs, count: p.count, mapped: p.mapped }, t)
  }
}

/**
 * A record from its inputs: the timeline from the durations, and for each file the
 * result it will show — a job reference, or the file's mapping error. Job ids follow from
 * the scenario seed and the batch id alone. The timeline is a plan shared by every batch
 * with the same durations, outcome and file count, and files map at even steps, so a
 * batch costs a few hundred bytes whatever its size.
 */
export function buildRecord(input: RecordInput, seed: number): BatchRecord {
  const plan = planOf(input.durations, input.outcome, input.directory.count, input.failAfterFiles)
  return new PlannedRecord(
    input.id,
    input.projectId,
    input.sourceDirectoryId,
    input.config,
    input.createdAt,
    new JobResults(input.directory, seed, input.id, input.config.job.type),
    input.resultsWhileRunning,
    input.resultsWhenFailed,
    input.progression ?? BY_TIME,
    input.webhooks,
    plan
  )
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
