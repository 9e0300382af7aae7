import type { Batch, BatchStatus, JobType } from '../schemas/batch.js'
import { MAX_SCENARIO_BATCHES, type BatchSpec, type GenerateSpec, type Scenario } from '../schemas/scenario.js'
import type { BatchRecord, Outcome, ResultsPolicy, TimelineDurations } from '../domain/timeline.js'
import { BY_TIME, type Progression } from '../domain/progression.js'
import { BatchStore } from '../store/batch-store.js'
import { DEFAULT_PROJECT_ID, type KeyScope, type ResolvedDefaults, type World } from '../store/world.js'
import {
  DEFAULT_CONFIGURATION_IDS,
  DEFAULT_STATUS_WEIGHTS,
  deriveDirectory,
  filesFromSpec,
  derivedDirectory,
  listedDirectory,
  hashSeed,
  prefixedId,
  seededFaker,
  type Directory,
  type Faker
} from './generate.js'
import { buildRecord, recordFromLiteral, type RecordInput } from './records.js'
import { faultRuleProblem } from '../traffic/fault-book.js'
import { canonicalId } from '../store/canonical-id.js'

/** A fault in a scenario that its schema cannot see (a duplicate id, an unknown directory…). */
export class ScenarioFault extends Error {
  constructor(
    readonly pointer: string,
    readonly expected: string
  ) {
    super(`at ${pointer || '/'}: expected ${expected}`)
  }
}

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
    maxRunningPerProject: d.max_running_per_project ?? null
  }
}

interface Ctx {
  /** The faker seeded for one entity of the scenario, named by `key`. */
  readonly rng: (key: string) => Faker
  readonly seed: number
  readonly epoch: number
  readonly defaults: ResolvedDefaults
  readonly directories: Map<string, Directory>
  readonly exclusive: boolean
  readonly store: BatchStore
  /** Puts a new batch in the store (a live world also plans it under its running cap). */
  readonly add: (record: BatchRecord) => void
}

function addNew(ctx: Ctx, pointer: string, record: BatchRecord): void {
  if (ctx.store.has(record.id)) throw new ScenarioFault(`${pointer}/id`, `a batch id used once, but ${record.id} is already taken`)
  ctx.add(record)
}

/** The directory a batch runs over: declared, inline, or derived from its id. */
function directoryFor(ctx: Ctx, f: Faker, spec: BatchSpec, pointer: string): Directory {
  const errorRate = spec.file_error_rate ?? ctx.defaults.fileErrorRate
  const id = spec.source_directory_id ?? prefixedId(f, 'dir')
  if (spec.files !== undefined) {
    const dir = typeof spec.files === 'number' ? derivedDirectory(ctx.seed, id, spec.files, errorRate) : listedDirectory(id, filesFromSpec(f, spec.files, errorRate))
    ctx.directories.set(id, dir)
    return dir
  }
  const known = ctx.directories.get(id)
  if (known) return known
  if (ctx.exclusive && spec.source_directory_id !== undefined) {
    throw new ScenarioFault(`${pointer}/source_directory_id`, `a directory declared under /directories (exclusive_directories is true), got ${id}`)
  }
  const dir = deriveDirectory(ctx.seed, id, ctx.defaults.directoryFiles, errorRate)
  ctx.directories.set(id, dir)
  return dir
}

function specifiedBatch(ctx: Ctx, spec: BatchSpec, pointer: string, rngKey = `batch:${pointer}`): string {
  const f = ctx.rng(rngKey)
  const id = spec.id ?? prefixedId(f, 'bat')
  const dir = directoryFor(ctx, f, spec, pointer)
  const record = buildRecord(
    {
      id,
      projectId: spec.project_id ?? ctx.defaults.projectId,
      sourceDirectoryId: dir.id,
      config: { job: spec.job ?? { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } },
      createdAt: spec.created_at !== undefined ? Date.parse(spec.created_at) : ctx.epoch - (spec.created_ago_ms ?? 0),
      outcome: spec.outcome ?? 'COMPLETED',
      durations: { ...ctx.defaults.timeline, ...spec.timeline },
      directory: dir,
      failAfterFiles: spec.fail_after_files,
      ...behaviourOf(spec, ctx.defaults)
    },
    ctx.seed
  )
  addNew(ctx, pointer, record)
  return id
}

const SECOND = 1000
const MINUTE = 60 * SECOND

/**
 * Durations and a creation time that put a batch in `status` at the epoch, then let it
 * carry on to a natural end — so under a real clock a RUNNING batch really completes.
 */
function placeInTime(f: Faker, status: BatchStatus, epoch: number, within: number): { createdAt: number; durations: TimelineDurations; outcome: Outcome } {
  const pending = f.number.int({ min: 500, max: 5 * SECOND })
  switch (status) {
    case 'PENDING': {
      const age = f.number.int({ min: 0, max: 20 * SECOND })
      return { createdAt: epoch - age, durations: { pending_ms: age + f.number.int({ min: 30 * SECOND, max: 5 * MINUTE }), throttled_ms: 0, running_ms: f.number.int({ min: 10 * SECOND, max: 5 * MINUTE }) }, outcome: 'COMPLETED' }
    }
    case 'THROTTLED': {
      const age = f.number.int({ min: pending + SECOND, max: pending + 2 * MINUTE })
      return { createdAt: epoch - age, durations: { pending_ms: pending, throttled_ms: age - pending + f.number.int({ min: MINUTE, max: 10 * MINUTE }), running_ms: f.number.int({ min: 10 * SECOND, max: 5 * MINUTE }) }, outcome: 'COMPLETED' }
    }
    case 'RUNNING': {
      const age = f.number.int({ min: pending + SECOND, max: pending + 10 * MINUTE })
      const outcome = f.number.int({ min: 1, max: 10 }) === 1 ? 'FAILED' : 'COMPLETED'
      return { createdAt: epoch - age, durations: { pending_ms: pending, throttled_ms: 0, running_ms: age - pending + f.number.int({ min: MINUTE, max: 30 * MINUTE }) }, outcome }
    }
    default: {
      const running = f.number.int({ min: 5 * SECOND, max: 20 * MINUTE })
      const throttled = f.number.int({ min: 1, max: 5 }) === 1 ? f.number.int({ min: 10 * SECOND, max: 10 * MINUTE }) : 0
      const total = pending + throttled + running
      const age = total + f.number.int({ min: MINUTE, max: Math.max(within - total, MINUTE + 1) })
      return { createdAt: epoch - age, durations: { pending_ms: pending, throttled_ms: throttled, running_ms: running }, outcome: status }
    }
  }
}

function generatedBatches(ctx: Ctx, spec: GenerateSpec, pointer: string): void {
  const weights = spec.statuses ?? DEFAULT_STATUS_WEIGHTS
  const choices = (Object.entries(weights) as [string, number][]).filter(([, w]) => w > 0).map(([value, weight]) => ({ value: value as BatchStatus, weight }))
  if (choices.length === 0) throw new ScenarioFault(`${pointer}/statuses`, 'at least one status with a weight above 0')
  const files = spec.files ?? { min: 1, max: 40 }
  if (files.min > files.max) throw new ScenarioFault(`${pointer}/files`, `min (${files.min}) <= max (${files.max})`)
  const jobTypes: readonly JobType[] = spec.job_types ?? ['parse_v2', 'extract_v2']
  const errorRate = spec.file_error_rate ?? ctx.defaults.fileErrorRate
  // One seeded sequence for the whole list: reseeding costs more than drawing a batch.
  const f = ctx.rng(pointer)
  for (let i = 0; i < spec.count; i++) {
    const status = f.helpers.weightedArrayElement(choices)
    const type = f.helpers.arrayElement(jobTypes)
    const configurationId = f.helpers.arrayElement(spec.configuration_ids?.[type] ?? DEFAULT_CONFIGURATION_IDS[type])
    // Most directories are small, a few run to the maximum: u³ skews toward `min`.
    const count = files.min + Math.floor((files.max - files.min + 1) * f.number.float({ min: 0, max: 1 }) ** 3)
    const dir = derivedDirectory(ctx.seed, prefixedId(f, 'dir'), Math.min(count, files.max), errorRate)
    ctx.directories.set(dir.id, dir)
    const placed = placeInTime(f, status, ctx.epoch, spec.created_within_ms ?? 7 * 24 * 60 * MINUTE)
    const id = prefixedId(f, 'bat')
    const record = buildRecord(
      {
        id,
        projectId: spec.project_id ?? ctx.defaults.projectId,
        sourceDirectoryId: dir.id,
        config: { job: { type, configuration_id: configurationId } },
        ...placed,
        directory: dir,
        ...behaviourOf(spec, ctx.defaults)
      },
      ctx.seed
    )
    addNew(ctx, pointer, record)
  }
}

/**
 * Adds one batch described like a scenario batch to a live world, laid out at `now`
 * (its `created_ago_ms` counts back from there). Throws ScenarioFault like a scenario would.
 */
export function injectBatch(world: World, spec: BatchSpec, now: number, add: (record: BatchRecord) => void): BatchRecord {
  const ctx: Ctx = {
    rng: (key) => seededFaker(hashSeed(world.seed, key)),
    seed: world.seed,
    epoch: now,
    defaults: world.defaults,
    directories: world.directories,
    exclusive: world.exclusiveDirectories,
    store: world.store,
    add
  }
  const id = specifiedBatch(ctx, spec, '', `inject:${world.store.size}`)
  return world.store.get(id) as BatchRecord
}

function apiKeysOf(scenario: Scenario): Map<string, KeyScope> | null {
  if (!scenario.api_keys || scenario.api_keys.length === 0) return null
  const keys = new Map<string, KeyScope>()
  scenario.api_keys.forEach((k, i) => {
    if (keys.has(k.key)) throw new ScenarioFault(`/api_keys/${i}/key`, 'each key declared once')
    keys.set(k.key, { projectId: k.project_id, organizationId: k.organization_id ?? null })
  })
  return keys
}

/**
 * Lays a validated scenario out in memory at clock time `epoch`. Everything random comes
 * from a faker seeded with the scenario's seed, so the same scenario, seed and epoch give
 * the same world. `fixtures` are the literal bodies its `fixture` entries name.
 */
export function materialize(scenario: Scenario, fixtures: ReadonlyMap<string, Batch>, epoch: number, seedOverride?: number): World {
  const seed = seedOverride ?? scenario.seed ?? 1
  const total = (scenario.batches?.length ?? 0) + (scenario.generate ?? []).reduce((sum, g) => sum + g.count, 0)
  if (total > MAX_SCENARIO_BATCHES) throw new ScenarioFault('/generate', `at most ${MAX_SCENARIO_BATCHES} batches in all, got ${total}`)
  const defaults = resolveDefaults(scenario)
  const store = new BatchStore()
  const ctx: Ctx = {
    rng: (key) => seededFaker(hashSeed(seed, key)),
    seed,
    epoch,
    defaults,
    directories: new Map(),
    exclusive: scenario.exclusive_directories ?? false,
    store,
    // Planned under the running cap once, below, rather than after every batch.
    add: (record) => store.add(record)
  }
  scenario.directories?.forEach((d, i) => {
    if (ctx.directories.has(d.id)) throw new ScenarioFault(`/directories/${i}/id`, `a directory id used once, but ${d.id} is already taken`)
    const errorRate = d.file_error_rate ?? defaults.fileErrorRate
    const f = ctx.rng(`directory:${d.id}`)
    ctx.directories.set(d.id, typeof d.files === 'number' ? derivedDirectory(seed, d.id, d.files, errorRate) : listedDirectory(d.id, filesFromSpec(f, d.files, errorRate)))
  })
  scenario.batches?.forEach((entry, i) => {
    if ('fixture' in entry) addNew(ctx, `/batches/${i}`, recordFromLiteral(fixtures.get(entry.fixture) as Batch))
    else specifiedBatch(ctx, entry, `/batches/${i}`)
  })
  scenario.generate?.forEach((g, i) => generatedBatches(ctx, g, `/generate/${i}`))
  const faultIds = new Set<string>()
  scenario.faults?.forEach((rule, i) => {
    const problem = faultRuleProblem(rule)
    if (problem) throw new ScenarioFault(`/faults/${i}`, problem)
    if (rule.id !== undefined && faultIds.has(rule.id)) throw new ScenarioFault(`/faults/${i}/id`, `a fault id used once, but ${rule.id} is already taken`)
    if (rule.id !== undefined) faultIds.add(rule.id)
  })
  const organizations = new Map<string, string>()
  scenario.projects?.forEach((p) => organizations.set(canonicalId(p.id), p.organization_id))
  scenario.api_keys?.forEach((k) => k.organization_id && !organizations.has(canonicalId(k.project_id)) && organizations.set(canonicalId(k.project_id), k.organization_id))
  const world: World = {
    name: scenario.name ?? 'unnamed',
    seed,
    epoch,
    store: ctx.store,
    directories: ctx.directories,
    exclusiveDirectories: ctx.exclusive,
    apiKeys: apiKeysOf(scenario),
    organizations,
    defaults,
    polls: new Map(),
    capQueues: new Map()
  }
  return world
}
