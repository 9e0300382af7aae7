import type { BatchRecord } from '../domain/batch-record.js'
import { statusAt } from '../domain/lifecycle.js'
import type { BatchStatus } from '../domain/status.js'
import { sameId } from '../ids.js'
import type { ListPosition } from '../store/batch-store.js'
import type { PageTokens } from '../store/page-token.js'
import type { World } from '../store/world.js'
import { visible, type Narrowing, type Tenant } from './tenancy.js'

export interface ListRequest extends Narrowing {
  page_size: number
  page_token?: string | undefined
  status?: BatchStatus | undefined
  source_directory_id?: string | undefined
  created_at_on_or_after?: string | undefined
  created_at_on_or_before?: string | undefined
}

export interface Page {
  items: BatchRecord[]
  nextToken: string | null
  /** False when `page_token` was not issued by this server for this query and tenant. */
  tokenValid: boolean
  /** The time the page was read at: its items are answered as they were then. */
  now: number
}

/**
 * One page, newest first. The token binds the page to its query and tenant; it resumes
 * strictly after the last batch returned, so batches created during a walk never
 * shift the pages of those that existed when it began. `readTime` says when each batch
 * is read (the clock, or the step its last GET showed).
 */
export function listPage(world: World, tokens: PageTokens, req: ListRequest, tenant: Tenant, now: number, readTime: (b: BatchRecord) => number): Page {
  const fingerprint = JSON.stringify([
    tenant?.projectId ?? null,
    req.project_id ?? null,
    req.organization_id ?? null,
    req.status ?? null,
    req.source_directory_id ?? null,
    req.created_at_on_or_after ?? null,
    req.created_at_on_or_before ?? null
  ])
  let after: ListPosition | undefined
  let tokenValid = true
  if (req.page_token !== undefined) {
    after = tokens.read(req.page_token, fingerprint) ?? undefined
    tokenValid = after !== undefined
  }
  // The key's project and project_id both pick the project index; two different ones see nothing.
  if (tenant && req.project_id !== undefined && !sameId(tenant.projectId, req.project_id)) return { items: [], nextToken: null, tokenValid, now }
  const narrowing: Narrowing = { organization_id: req.organization_id }
  const { status } = req
  const { items, more } = world.store.scan({
    projectId: tenant?.projectId ?? req.project_id,
    sourceDirectoryId: req.source_directory_id,
    createdFrom: req.created_at_on_or_after !== undefined ? Date.parse(req.created_at_on_or_after) : undefined,
    createdTo: req.created_at_on_or_before !== undefined ? Date.parse(req.created_at_on_or_before) : undefined,
    after,
    status,
    now,
    accept: (b) => visible(world, b, null, narrowing) && (status === undefined || statusAt(b, readTime(b)) === status),
    limit: req.page_size
  })
  const last = items[items.length - 1]
  const nextToken = more && last ? tokens.issue({ createdAt: last.createdAt, id: last.id }, fingerprint) : null
  return { items, nextToken, tokenValid, now }
}
