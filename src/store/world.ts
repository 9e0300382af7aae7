import type { BatchRecord, ResultsPolicy } from '../domain/batch-record.js'
import type { TimelineDurations } from '../domain/timeline.js'
import type { Progression } from '../domain/batch-record.js'
import type { BatchStore } from './batch-store.js'
import type { Directories } from './directories.js'
import type { RunningCapQueue } from '../domain/running-cap.js'

export interface ResolvedDefaults {
  readonly timeline: TimelineDurations
  readonly resultsWhileRunning: ResultsPolicy
  readonly resultsWhenFailed: ResultsPolicy
  readonly progression: Progression
  readonly cancelDelayMs: number
  readonly fileErrorRate: number
  readonly directoryFiles: { readonly min: number; readonly max: number }
  readonly projectId: string
  /** At most this many RUNNING batches per project, or null for no cap. */
  readonly maxRunningPerProject: number | null
  /** The jobs mapped files make: how long they wait and run, how often one or a page fails. */
  readonly jobs: JobDefaults
}

export interface JobDefaults {
  readonly pendingMs: number
  readonly runningMs: number
  readonly errorRate: number
  readonly pageErrorRate: number
}

export interface KeyScope {
  readonly projectId: string
  readonly organizationId: string | null
}

/**
 * Everything a loaded scenario puts in memory: the batches, the directories they were
 * made from, who may see what, and the defaults for batches created later.
 */
export interface World {
  readonly name: string
  readonly seed: number
  /** The clock time the scenario was laid out at: relative times count back from it. */
  readonly epoch: number
  readonly store: BatchStore
  /** Declared directories, and those made up for unknown ids (bounded). */
  readonly directories: Directories
  readonly exclusiveDirectories: boolean
  /** Keys the scenario declares, or null: then any non-empty key sees every project. */
  readonly apiKeys: ReadonlyMap<string, KeyScope> | null
  /** Project (by canonical id) → organization, as the scenario declares them. */
  readonly organizations: ReadonlyMap<string, string>
  readonly defaults: ResolvedDefaults
  /** GETs of each stored batch so far (a polls batch steps by them; the control plane shows them). */
  readonly polls: Map<string, number>
  /** Under a running cap: each project's (by canonical id) slots and waiting batches. */
  readonly capQueues: Map<string, RunningCapQueue>
}

export const DEFAULT_PROJECT_ID = 'prj-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
export const DEFAULT_START_TIME = '2026-01-01T00:00:00.000Z'
