import type { BatchRecord } from '../domain/batch-record.js'
import { JobNotFoundError, jobStatusAt, type Job, type JobStatus } from '../domain/job.js'
import { mappedCountAt } from '../domain/lifecycle.js'
import type { JobType } from '../domain/status.js'
import { sameId } from '../ids.js'
import type { ListPosition } from '../store/batch-store.js'
import type { PageTokens } from '../store/page-token.js'
import type { World } from '../store/world.js'
import type { SliceTurns } from './job-turns.js'
import { visible, type Narrowing, type Tenant } from './tenancy.js'

/**
 * Files a list looks at in one turn of the event loop, at most: past this it lets other
 * requests in (SliceTurns) and goes on where it stopped, until its page is full or the walk ends.
 */
export const MAX_JOB_LIST_SCAN = 20_000

export interface JobListRequest extends Narrowing {
  type: JobType
  page_size: number
  page_token?: string | undefined
  status?: JobStatus | 'THROTTLED' | undefined
  created_at_on_or_after?: string | undefined
  created_at_on_or_before?: string | undefined
  job_ids?: string[] | undefined
  /** Extract only: the `dfl-` id the job read. */
  file_input?: string | undefined
  configuration_id?: string | undefined
}

/** What a list needs of the job service: a lookup by id, and a batch's job by file index. */
export interface JobReader {
  find(id: string, type: JobType, tenant: Tenant, narrowing: Narrowing): Job
  jobOf(world: World, batch: BatchRecord, index: number, now: number): Job | null
  readonly batches: { readTime(batch: BatchRecord, now: number): number }
}

export interface JobPage {
  items: Job[]
  nextToken: string | null
  tokenValid: boolean
}

/** How a list walks: the turns a walk past its first slice takes, whether its client is gone, what a bad token means. */
export interface JobListWalk {
  turns: SliceTurns
  /** True once nobody waits for the answer (the client disconnected): the walk stops there. */
  gone: () => boolean
  /** A token that does not read is the first page (compat mode); otherwise the list answers `tokenValid: false` at once, walking nothing. */
  badTokenIsFirstPage: boolean
}

/**
 * One page of a type's jobs, batch by batch (newest batch first), each batch's newest job
 * first. A page walks the batch list index (never the whole store) and reads jobs on
 * demand, until it has `page_size` jobs or the walk ends: a page is never empty while
 * more jobs match (the SDKs' iterators stop at an empty page). It looks at
 * MAX_JOB_LIST_SCAN files a turn: the first slice when the request comes (like any
 * request's work), the rest in later turns (`turns`: one slice a turn for all walks), each
 * from where the last stopped as a page token would resume. A walk's total work is bounded
 * by the store's files; it never holds the event loop for more than a slice. Every slice reads jobs at `now` (the request's start) from `world` (the one the
 * walk began in); batches created meanwhile are newer than the walk's position, so never
 * met. A walk whose client is gone stops at its next slice. `job_ids` looks those jobs up
 * directly, in pages of `page_size` like any list.
 */
export function listJobs(jobs: JobReader, world: World, tokens: PageTokens, req: JobListRequest, tenant: Tenant, now: number, walk: JobListWalk): Promise<JobPage> {
  const from = req.created_at_on_or_after !== undefined ? Date.parse(req.created_at_on_or_after) : -Infinity
  const to = req.created_at_on_or_before !== undefined ? Date.parse(req.created_at_on_or_before) : Infinity
  const accept = (job: Job): boolean =>
    job.plan.createdAt >= from &&
    job.plan.createdAt <= to &&
    (req.status === undefined || jobStatusAt(job.plan, job.t) === req.status) &&
    (req.file_input === undefined || job.fileId === req.file_input) &&
    (req.configuration_id === undefined || job.configurationId === req.configuration_id)

  if (req.job_ids !== undefined && req.job_ids.length > 0) {
    const wanted = [...new Set(req.job_ids)]
    // Pages over the named jobs, like any list: a token resumes after the last job shown (newest first).
    const idsFingerprint = JSON.stringify(['job_ids', req.type, tenant?.projectId ?? null, req.project_id ?? null, req.organization_id ?? null, req.status ?? null, req.created_at_on_or_after ?? null, req.created_at_on_or_before ?? null, req.file_input ?? null, req.configuration_id ?? null, wanted])
    // A token not issued for these ids reads as the first page (the route refuses it outside compat mode).
    const after = req.page_token !== undefined ? tokens.read(req.page_token, idsFingerprint) : null
    const found: Job[] = []
    for (const id of wanted) {
      try {
        const job = jobs.find(id, req.type, tenant, req)
        if (accept(job)) found.push(job)
      } catch (e) {
        if (!(e instanceof JobNotFoundError)) throw e
      }
    }
    found.sort((a, b) => b.plan.createdAt - a.plan.createdAt || (a.id < b.id ? 1 : -1))
    const rest = after === null ? found : found.filter((job) => job.plan.createdAt < after.createdAt || (job.plan.createdAt === after.createdAt && job.id < after.id))
    const items = rest.slice(0, req.page_size)
    const last = items[items.length - 1]
    const nextToken = rest.length > req.page_size && last ? tokens.issue({ createdAt: last.plan.createdAt, id: last.id }, idsFingerprint) : null
    return Promise.resolve({ items, nextToken, tokenValid: req.page_token === undefined || after !== null })
  }

  const fingerprint = JSON.stringify(['jobs', req.type, tenant?.projectId ?? null, req.project_id ?? null, req.organization_id ?? null, req.status ?? null, req.created_at_on_or_after ?? null, req.created_at_on_or_before ?? null, req.file_input ?? null, req.configuration_id ?? null])
  let resume: Resume | null = null
  let tokenValid = true
  if (req.page_token !== undefined) {
    const pos = tokens.read(req.page_token, fingerprint)
    const m = pos === null ? null : /^(.*)#(-?\d+)$/.exec(pos.id)
    if (pos === null || m === null) tokenValid = false
    else resume = { batchId: m[1] as string, createdAt: pos.createdAt, index: Number(m[2]) }
  }
  const items: Job[] = []
  if (!tokenValid && !walk.badTokenIsFirstPage) return Promise.resolve({ items, nextToken: null, tokenValid })
  if (tenant && req.project_id !== undefined && !sameId(tenant.projectId, req.project_id)) return Promise.resolve({ items, nextToken: null, tokenValid })
  const narrowing: Narrowing = { organization_id: req.organization_id }
  // A batch's jobs share its type and configuration: a batch of another one costs one step, not a step a file.
  const ofType = (b: BatchRecord): boolean => b.config.job.type === req.type && (req.configuration_id === undefined || b.config.job.configuration_id === req.configuration_id)
  const mine = (b: BatchRecord): boolean => ofType(b) && visible(world, b, null, narrowing)
  const projectId = tenant?.projectId ?? req.project_id
  let budget = 0

  /** Walks a batch's jobs down from `start`; answers where to resume if the page filled or the slice ran out. */
  const walkBatch = (batch: BatchRecord, start: number): Resume | null => {
    for (let i = start; i >= 0; i--) {
      if (items.length === req.page_size || budget === 0) return { batchId: batch.id, createdAt: batch.createdAt, index: i }
      budget--
      const job = jobs.jobOf(world, batch, i, now)
      if (job !== null && accept(job)) items.push(job)
    }
    return null
  }

  /**
   * One slice: MAX_JOB_LIST_SCAN files at most, from `from` (a position as a page token
   * holds it: the batch, and the file index to look at next, -1 past its last) or the top.
   * Answers where to go on, or null once the walk has ended.
   */
  const slice = (from: Resume | null): Resume | null => {
    budget = MAX_JOB_LIST_SCAN
    let after: ListPosition | undefined
    if (from !== null) {
      after = { createdAt: from.createdAt, id: from.batchId }
      const batch = world.store.get(from.batchId)
      if (batch && mine(batch) && (!tenant || sameId(batch.projectId, tenant.projectId))) {
        const stop = walkBatch(batch, from.index)
        if (stop !== null) return stop
      }
    }
    for (;;) {
      // A job is created after its batch: batches created after `to` have no job before it.
      // Type and visibility are checked here, not in the scan, so every batch it skips counts against the budget.
      const { items: batches, more } = world.store.scan({ projectId, createdTo: Number.isFinite(to) ? to : undefined, after, limit: 64 })
      for (const batch of batches) {
        if (mine(batch)) {
          const mapped = mappedCountAt(batch, jobs.batches.readTime(batch, now))
          const stop = walkBatch(batch, mapped - 1)
          if (stop !== null) return stop
        }
        // Every batch costs a step too (an empty one, one of another type, one the organization hides), so a slice over many stays bounded.
        if (--budget <= 0) return { batchId: batch.id, createdAt: batch.createdAt, index: -1 }
      }
      if (!more) return null
      after = batches[batches.length - 1]
    }
  }

  const issue = (at: Resume): string => tokens.issue({ createdAt: at.createdAt, id: `${at.batchId}#${at.index}` }, fingerprint)
  /** The page, if the walk stopped at `at` with a full page or at its end; null while it must go on. */
  const answer = (at: Resume | null): JobPage | null => {
    if (at === null) return { items, nextToken: null, tokenValid }
    return items.length === req.page_size ? { items, nextToken: issue(at), tokenValid } : null
  }

  let at = slice(resume)
  const first = answer(at)
  if (first !== null) return Promise.resolve(first)
  return new Promise<JobPage>((resolve, reject) => {
    walk.turns.add(() => {
      try {
        // Nobody waits for this page: stop, with nothing for the route to build (it is never sent).
        if (walk.gone()) resolve({ items: [], nextToken: null, tokenValid })
        else {
          at = slice(at)
          const page = answer(at)
          if (page === null) return false
          resolve(page)
        }
      } catch (e) {
        reject(e)
      }
      return true
    })
  })
}

/** Where a walk goes on: a batch, and the index of the file to look at next (-1: past its last). */
interface Resume {
  batchId: string
  createdAt: number
  index: number
}
