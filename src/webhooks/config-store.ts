import { hashedId } from '../ids.js'
import type { WebhookConfig, WebhookConfigCreate, WebhookConfigUpdate } from '../schemas/webhooks.js'
import type { BatchRecord } from '../domain/batch-record.js'
import { visible, type Narrowing, type Tenant } from '../service/tenancy.js'
import type { World } from '../store/world.js'
import type { WebhookTarget } from './targets.js'

/** Saved webhook configurations held at most (all projects); creates beyond are refused. */
export const MAX_WEBHOOK_CONFIGS = 1000

interface Saved {
  readonly id: string
  readonly tenantId: string
  url: string
  events: string[] | null
  headers: Record<string, string> | null
  format: 'json' | 'string' | null
  secret: string | null
  readonly createdAt: number
  updatedAt: number
}

export class TooManyConfigsError extends Error {
  constructor() {
    super(`Too many webhook configurations: this mock holds at most ${MAX_WEBHOOK_CONFIGS}; delete some or reset it (POST /_mock/reset)`)
  }
}

/**
 * Saved webhook configurations (`/api/v1/beta/webhook-configs`), each owned by one project
 * and seen only by it, exactly as batches are: another project's configuration is "not
 * found". The secret is kept but never answered.
 */
export class WebhookConfigStore {
  /** Insertion order is creation order: the list answers it reversed (newest first). */
  readonly #configs = new Map<string, Saved>()
  #minted = 0

  constructor(readonly seed: () => number) {}

  get size(): number {
    return this.#configs.size
  }

  create(body: WebhookConfigCreate, tenantId: string, now: number): WebhookConfig {
    if (this.#configs.size >= MAX_WEBHOOK_CONFIGS) throw new TooManyConfigsError()
    let id: string
    do id = hashedId('whc', `${this.seed()}:webhook-config:${this.#minted++}`)
    while (this.#configs.has(id))
    const saved: Saved = {
      id,
      tenantId,
      url: body.webhook_url,
      events: body.webhook_events ?? null,
      headers: body.webhook_headers ?? null,
      format: body.webhook_output_format ?? null,
      secret: body.webhook_signing_secret ?? null,
      createdAt: now,
      updatedAt: now
    }
    this.#configs.set(id, saved)
    return answer(saved)
  }

  list(world: World, tenant: Tenant, narrowing: Narrowing): WebhookConfig[] {
    return [...this.#configs.values()].filter((c) => owns(world, c, tenant, narrowing)).reverse().map(answer)
  }

  get(world: World, id: string, tenant: Tenant, narrowing: Narrowing): WebhookConfig | null {
    const saved = this.#configs.get(id)
    return saved && owns(world, saved, tenant, narrowing) ? answer(saved) : null
  }

  /** Changes only the fields sent; a null `webhook_url` leaves it as it is. */
  update(world: World, id: string, tenant: Tenant, narrowing: Narrowing, body: WebhookConfigUpdate, now: number): WebhookConfig | null {
    const saved = this.#configs.get(id)
    if (!saved || !owns(world, saved, tenant, narrowing)) return null
    if (body.webhook_url != null) saved.url = body.webhook_url
    if (body.webhook_events !== undefined) saved.events = body.webhook_events
    if (body.webhook_headers !== undefined) saved.headers = body.webhook_headers
    if (body.webhook_output_format !== undefined) saved.format = body.webhook_output_format
    if (body.webhook_signing_secret !== undefined) saved.secret = body.webhook_signing_secret
    saved.updatedAt = Math.max(now, saved.updatedAt)
    return answer(saved)
  }

  delete(world: World, id: string, tenant: Tenant, narrowing: Narrowing): boolean {
    const saved = this.#configs.get(id)
    if (!saved || !owns(world, saved, tenant, narrowing)) return false
    return this.#configs.delete(id)
  }

  /** The endpoint a saved configuration names, if it exists and belongs to this project. */
  target(id: string, projectId: string, world: World): WebhookTarget | null {
    const saved = this.#configs.get(id)
    if (!saved || !owns(world, saved, { projectId, organizationId: null }, {})) return null
    return { url: saved.url, events: saved.events, headers: saved.headers, format: saved.format === 'json' ? 'json' : 'string', secret: saved.secret }
  }

  clear(): void {
    this.#configs.clear()
    this.#minted = 0
  }
}

/** Tenancy as for batches: the same rule, applied to the configuration's project. */
function owns(world: World, saved: Saved, tenant: Tenant, narrowing: Narrowing): boolean {
  return visible(world, { projectId: saved.tenantId } as BatchRecord, tenant, narrowing)
}

function answer(s: Saved): WebhookConfig {
  return {
    id: s.id,
    tenant_id: s.tenantId,
    tenant_type: 'project',
    webhook_url: s.url,
    webhook_events: s.events,
    webhook_headers: s.headers,
    webhook_output_format: s.format,
    has_secret: s.secret !== null && s.secret !== '',
    created_at: new Date(s.createdAt).toISOString(),
    updated_at: new Date(s.updatedAt).toISOString()
  }
}
