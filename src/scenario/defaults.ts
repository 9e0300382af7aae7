import type { BatchSpec, Scenario } from '../schemas/scenario.js'
import type { ResultsPolicy } from '../domain/batch-record.js'
import { BY_TIME } from '../domain/progression.js'
import { type Progression } from '../domain/batch-record.js'
import { DEFAULT_PROJECT_ID, type ResolvedDefaults } from '../store/world.js'
import type { RecordInput } from './records.js'
import { ScenarioFault } from './fault.js'

const policy = (value: 'null' | 'partial' | null | undefined, fallback: ResultsPolicy): ResultsPolicy =>
  value === undefined ? fallback : value === 'partial' ? 'partial' : 'null'

function progressionOf(kind: 'time' | 'polls' | 'immediate' | undefined, every: number | undefined, fallback: Progression): Progression {
  if (kind === undefined) return every !== undefined && fallback.kind === 'polls' ? { kind: 'polls', every } : fallback
  return kind === 'polls' ? { kind, every: every ?? 1 } : { kind }
}

type Behaviour = Pick<BatchSpec, 'results_while_running' | 'results_when_failed' | 'progression' | 'polls_per_step'>

/** How a batch shows results and progresses: its own settings over the scenario's defaults. */
export function behaviourOf(spec: Behaviour, defaults: ResolvedDefaults): Pick<RecordInput, 'resultsWhileRunning' | 'resultsWhenFailed' | 'progression'> {
  return {
    resultsWhileRunning: policy(spec.results_while_running, defaults.resultsWhileRunning),
    resultsWhenFailed: policy(spec.results_when_failed, defaults.resultsWhenFailed),
    progression: progressionOf(spec.progression, spec.polls_per_step, defaults.progression)
  }
}

export function resolveDefaults(scenario: Scenario): ResolvedDefaults {
  const d = scenario.defaults ?? {}
  const files = d.directory_files ?? { min: 1, max: 12 }
  if (files.min > files.max) throw new ScenarioFault('/defaults/directory_files', `min (${files.min}) <= max (${files.max})`)
  return {
    timeline: { pending_ms: 1000, throttled_ms: 0, running_ms: 4000, ...d.timeline },
    resultsWhileRunning: policy(d.results_while_running, 'null'),
    resultsWhenFailed: policy(d.results_when_failed, 'null'),
    progression: progressionOf(d.progression, d.polls_per_step, BY_TIME),
    cancelDelayMs: d.cancel_delay_ms ?? 500,
    fileErrorRate: d.file_error_rate ?? 0.05,
    directoryFiles: files,
    projectId: d.project_id ?? DEFAULT_PROJECT_ID,
    maxRunningPerProject: d.max_running_per_project ?? null,
    jobs: {
      pendingMs: d.jobs?.pending_ms ?? 500,
      runningMs: d.jobs?.running_ms ?? 3000,
      errorRate: d.jobs?.error_rate ?? 0.05,
      pageErrorRate: d.jobs?.page_error_rate ?? 0.02
    }
  }
}
