import type { BatchRecord } from '../domain/batch-record.js'
import { cancelJob, JobCancelLimitError, JobNotFoundError, jobEndOf, type Job, type JobPlan } from '../domain/job.js'
import { mappedCountAt } from '../domain/lifecycle.js'
import type { JobType } from '../domain/status.js'
import { hashedId, hashSeed } from '../ids.js'
import { JobResults } from '../scenario/records.js'
import { indexOf, JOB_ID_PREFIX, jobIdParts } from '../store/job-ids.js'
import { keyHash } from '../store/key-hash.js'
import { PageTokens } from '../store/page-token.js'
import type { World } from '../store/world.js'
import type { BatchService } from './batches.js'
import { JobIndex } from './job-index.js'
import { listJobs, type JobListRequest, type JobPage } from './job-listing.js'
import { SliceTurns } from './job-turns.js'
import { projectFor, visible, type Narrowing, type Tenant } from './tenancy.js'

/** Job cancellations the mock records at most (until a reset); more answer 429. */
export const MAX_JOB_CANCELS = 100_000

const JOB_ERRORS = [
  'Parsing timed out after 30 minutes',
  'Document conversion failed: unsupported embedded font',
  'Model provider returned an error; retry the job',
  'Extraction schema could not be satisfied by the document'
]

/** A 0..1 draw that follows from (seed, key) alone. */
const draw = (seed: number, key: string): number => hashSeed(seed, key) / 2 ** 32

/**
 * The jobs batches make: every `job_reference` a batch shows resolves here. A job is
 * read, not stored: it exists once its batch has mapped its file (at the batch's read
 * time, so it agrees with the batch's `results`), and its status follows from when that
 * was, the scenario's job durations, and a seeded outcome. Only cancellations are kept.
 */
export class JobService {
  #index: JobIndex | null = null
  /** Job id → when it was cancelled. Cleared with the world (reset, scenario swap). */
  #cancels = new Map<string, number>()
  /** Signed list cursors, keyed per world: a reset or another scenario voids old ones. */
  #tokens: PageTokens
  /** Job list walks past their first slice: one slice a turn for all of them, MAX_JOB_LIST_WALKS at once. */
  readonly #turns = new SliceTurns()

  constructor(
    readonly batches: BatchService,
    readonly maxCancels = MAX_JOB_CANCELS
  ) {
    this.#tokens = new PageTokens(`${batches.world.seed}:jobs`)
    batches.onInstall(() => {
      this.#index = null
      this.#cancels = new Map()
      this.#tokens = new PageTokens(`${batches.world.seed}:jobs`)
    })
  }

  /**
   * One page of a type's jobs (see job-listing.ts), read at the clock's now; a walk past one
   * slice goes on in later turns, and stops at its next slice once `gone()` says the client left.
   * In compat mode a token that does not read is the first page.
   */
  list(req: JobListRequest, tenant: Tenant, gone: () => boolean = () => false): Promise<JobPage> {
    const walk = { turns: this.#turns, gone, badTokenIsFirstPage: this.batches.mode === 'compat' }
    return listJobs(this, this.batches.world, this.#tokens, req, tenant, this.batches.now(), walk)
  }

  /** The job, as the tenant may see it now; JobNotFoundError otherwise. */
  find(id: string, type: JobType, tenant: Tenant, narrowing: Narrowing): Job {
    const world = this.batches.world
    const now = this.batches.now()
    if (id.startsWith(`${JOB_ID_PREFIX[type]}-`)) {
      const place = this.#indexOf(world).lookup(id)
      if (place && place.batch.config.job.type === type) {
        const { batch, index } = place
        const mayRead = visible(world, batch, tenant, narrowing) || this.batches.mode === 'compat'
        const job = mayRead ? this.jobOf(world, batch, index, now) : null
        if (job !== null) return job
      }
    }
    if (this.batches.mode === 'compat') return this.#ofDerivedBatch(world, id, type, tenant, narrowing, now) ?? this.#derived(world, id, type, projectFor(world, 'compat', tenant, narrowing), now)
    throw new JobNotFoundError(id)
  }

  /**
   * Compat mode: the job of a batch derived on read (never stored, so not in the index), if
   * that batch was read lately: the batch's file, name and timeline, as its results show them.
   */
  #ofDerivedBatch(world: World, id: string, type: JobType, tenant: Tenant, narrowing: Narrowing, now: number): Job | null {
    const parts = jobIdParts(id)
    const batchId = parts !== null && parts.prefix === JOB_ID_PREFIX[type] ? this.batches.derivedBatchId(parts.word) : undefined
    if (parts === null || batchId === undefined) return null
    const batch = this.batches.find(batchId, tenant, narrowing)
    const index = indexOf(parts, keyHash(world.seed, `${batchId}#`))
    if (batch.config.job.type !== type || index >= batch.results.count || batch.results.at(index).job_reference?.id !== id) return null
    return this.jobOf(world, batch, index, now)
  }

  /** Cancels the job from now on; JobNotCancellableError once it has ended (CANCELLED included), except in compat mode. */
  cancel(id: string, type: JobType, tenant: Tenant, narrowing: Narrowing): Job {
    const job = this.find(id, type, tenant, narrowing)
    let plan: JobPlan
    try {
      plan = cancelJob(job.plan, id, job.t)
    } catch (e) {
      if (this.batches.mode === 'compat') return job
      throw e
    }
    if (this.#cancels.size >= this.maxCancels) throw new JobCancelLimitError(this.maxCancels)
    this.#cancels.set(id, plan.cancelledAt as number)
    // A spread copies own fields: a job read from its batch has its name as a getter.
    return { ...job, fileName: job.fileName, plan }
  }

  /**
   * The job batch `batch` made for its file `index`, read at `now`: null while the batch
   * has not mapped that file (as its `results` show it), or when the file failed to map.
   */
  jobOf(world: World, batch: BatchRecord, index: number, now: number): Job | null {
    const readAt = this.batches.readTime(batch, now)
    if (index >= mappedCountAt(batch, readAt)) return null
    const ref = batch.results.at(index)
    if (ref.job_reference === null) return null
    const createdAt = batch.mappedAt[index] as number
    const id = ref.job_reference.id
    const jobs = world.defaults.jobs
    const durations = { pendingMs: jobs.pendingMs, runningMs: jobs.runningMs }
    // A fixture's jobs are its documented example: they complete, every page parsed.
    const literal = !(batch.results instanceof JobResults)
    const failed = !literal && jobs.errorRate > 0 && draw(world.seed, `job-outcome:${id}`) < jobs.errorRate
    const plan: JobPlan = {
      createdAt,
      durations,
      error: failed ? JOB_ERRORS[hashSeed(world.seed, `job-error:${id}`) % JOB_ERRORS.length] as string : null,
      cancelledAt: this.#cancels.get(id) ?? null
    }
    // A batch read ahead of the clock (one that progresses by polls, or at once) has jobs
    // read from there; one that finishes at once has jobs that finish at once too.
    let t = Math.max(now, readAt)
    if (batch.progression.kind === 'immediate') t = Math.max(t, jobEndOf(plan))
    return new BatchJob(id, ref.job_reference.type, batch, index, ref.source_directory_file_id, plan, t, world, literal ? 0 : jobs.pageErrorRate)
  }

  /** Compat mode: a job for an id no batch made, derived from the id (COMPLETED a while ago, or FAILED at the seeded rate). */
  #derived(world: World, id: string, type: JobType, projectId: string, now: number): Job {
    const jobs = world.defaults.jobs
    const createdAt = world.epoch - 60_000 - (hashSeed(world.seed, `job:${id}`) % 86_400_000)
    const failed = draw(world.seed, `job-outcome:${id}`) < jobs.errorRate
    const fileId = hashedId('dfl', `${world.seed}:job-file:${id}`)
    const pick = <T>(items: readonly T[]): T => items[hashSeed(world.seed, `job-name:${id}`) % items.length] as T
    return {
      id,
      type,
      projectId,
      fileId,
      fileName: `${pick(['invoice', 'report', 'contract', 'statement', 'memo'])}_${hashSeed(world.seed, id) % 10_000}.pdf`,
      configurationId: type === 'parse_v2' ? 'cfg-PARSE_AGENTIC' : 'cfg-EXTRACT_MULTIMODAL',
      plan: {
        createdAt,
        durations: { pendingMs: jobs.pendingMs, runningMs: jobs.runningMs },
        error: failed ? (JOB_ERRORS[hashSeed(world.seed, `job-error:${id}`) % JOB_ERRORS.length] as string) : null,
        cancelledAt: this.#cancels.get(id) ?? null
      },
      t: Math.max(now, createdAt + jobs.pendingMs + jobs.runningMs),
      seed: world.seed,
      pageErrorRate: jobs.pageErrorRate
    }
  }

  #indexOf(world: World): JobIndex {
    if (this.#index === null || this.#index.world !== world) this.#index = new JobIndex(world)
    return this.#index
  }
}

/** A job read from its batch: its file's name is made when first asked (a list's walk filters jobs without it). */
class BatchJob implements Job {
  readonly projectId: string
  readonly configurationId: string
  readonly seed: number
  readonly #world: World
  readonly #batch: BatchRecord
  readonly #index: number
  #name: string | undefined

  constructor(
    readonly id: string,
    readonly type: JobType,
    batch: BatchRecord,
    index: number,
    readonly fileId: string,
    readonly plan: JobPlan,
    readonly t: number,
    world: World,
    readonly pageErrorRate: number
  ) {
    this.projectId = batch.projectId
    this.configurationId = batch.config.job.configuration_id
    this.seed = world.seed
    this.#world = world
    this.#batch = batch
    this.#index = index
  }

  get fileName(): string {
    return (this.#name ??= fileNameOf(this.#world, this.#batch, this.#index))
  }
}

/**
 * The name of a batch's file: its directory's (a batch made over a directory keeps it),
 * else the declared directory's file of that id, else one made up from the file id.
 */
function fileNameOf(world: World, batch: BatchRecord, index: number): string {
  if (batch.results instanceof JobResults) return batch.results.directory.file(index).name
  const fileId = batch.results.at(index).source_directory_file_id
  const dir = world.directories.get(batch.sourceDirectoryId)
  if (dir && index < dir.count && dir.file(index).id === fileId) return dir.file(index).name
  const pick = <T>(items: readonly T[]): T => items[hashSeed(world.seed, fileId) % items.length] as T
  return `${pick(['document', 'report', 'invoice'])}_${hashSeed(world.seed, `name:${fileId}`) % 10_000}.pdf`
}
