import type { BatchRecord } from '../domain/batch-record.js'
import { ProjectNotFoundError } from '../domain/errors.js'
import { canonicalId, projectId, sameId } from '../ids.js'
import type { KeyScope, World } from '../store/world.js'

export type MockMode = 'realistic' | 'compat'

/** Who is asking: the key's project, or null for a key that sees every project. */
export type Tenant = KeyScope | null

/** `project_id` / `organization_id` from the query. */
export interface Narrowing {
  project_id?: string | undefined
  organization_id?: string | undefined
}

/** Whether the tenant, narrowed by the query, may see this batch. */
export function visible(world: World, batch: BatchRecord, tenant: Tenant, narrowing: Narrowing): boolean {
  return visibleProject(world, batch.projectId, tenant, narrowing)
}

/** Whether the tenant, narrowed by the query, may see what belongs to this project. */
export function visibleProject(world: World, project: string, tenant: Tenant, narrowing: Narrowing): boolean {
  if (tenant && !sameId(project, tenant.projectId)) return false
  if (narrowing.project_id !== undefined && !sameId(project, narrowing.project_id)) return false
  if (narrowing.organization_id !== undefined) {
    const organization = world.organizations.get(canonicalId(project))
    if (organization !== undefined && !sameId(organization, narrowing.organization_id)) return false
  }
  return true
}

/**
 * The project a new batch belongs to: the key's, else the query's, else the scenario's
 * default. A key naming another project in the query is refused in realistic mode.
 */
export function projectFor(world: World, mode: MockMode, tenant: Tenant, narrowing: Narrowing): string {
  if (tenant && narrowing.project_id !== undefined && !sameId(tenant.projectId, narrowing.project_id) && mode === 'realistic') {
    throw new ProjectNotFoundError(narrowing.project_id)
  }
  if (tenant) return tenant.projectId
  if (narrowing.project_id !== undefined) return projectId(narrowing.project_id)
  return world.defaults.projectId
}
