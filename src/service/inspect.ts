import type { BatchRecord } from '../domain/batch-record.js'
import { isoTime } from '../domain/iso-time.js'
import { batchAt, statusAt } from '../domain/lifecycle.js'
import { nextTransitionAfter } from '../domain/transitions.js'
import type { BatchStatus } from '../domain/status.js'
import type { BatchInspection } from '../schemas/inspect.js'
import type { BatchService } from './batches.js'


/**
 * A batch with its timeline, read as a GET would show it now, without being a GET: inspecting
 * never moves a batch that progresses by polls. Every time here comes from the record (its
 * transitions, its cancel) and the domain (`statusAt`, `nextTransitionAfter`).
 */
export function inspectBatch(service: BatchService, record: BatchRecord, now: number, expandResults: boolean): BatchInspection {
  const t = service.readTime(record, now)
  const next = nextTransitionAfter(record, t)
  return {
    batch: batchAt(record, t, expandResults),
    read_at: isoTime(t),
    progression: record.progression.kind,
    polls: service.world.polls.get(record.id) ?? 0,
    timeline: record.transitions.map((tr) => ({ status: tr.status, at: isoTime(tr.at), reached: tr.at <= t })),
    cancel_requested_at: record.cancelRequestedAt === null ? null : isoTime(record.cancelRequestedAt),
    next_transition: next === null ? null : { status: statusAt(record, next), at: isoTime(next) }
  }
}

/** One stored batch (any project), or null: unknown ids are never derived here, even in compat mode. */
export function inspectOne(service: BatchService, id: string): BatchInspection | null {
  const record = service.world.store.get(id)
  return record === undefined ? null : inspectBatch(service, record, service.now(), true)
}

export interface InspectPage {
  now: number
  items: BatchInspection[]
  nextToken: string | null
  tokenValid: boolean
}

/** A page of every project's batches, newest first, as the API lists them (tokens included). */
export function inspectPage(service: BatchService, q: { project_id?: string | undefined; status?: BatchStatus | undefined; page_size: number; page_token?: string | undefined }): InspectPage {
  const page = service.list(q, null)
  // A timeline beyond the clock: the batch's whole record, not what a read at the clock needs.
  const whole = (b: BatchRecord): BatchRecord => service.world.store.get(b.id) ?? b
  return { now: page.now, items: page.items.map((b) => inspectBatch(service, whole(b), page.now, false)), nextToken: page.nextToken, tokenValid: page.tokenValid }
}
