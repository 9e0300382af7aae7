import type { Batch } from '../schemas/batch.js'
import { MAX_SCENARIO_BATCHES, type Scenario } from '../schemas/scenario.js'
import { listedDirectory } from '../domain/directory.js'
import { hashSeed } from '../ids.js'
import { BatchStore } from '../store/batch-store.js'
import { Directories } from '../store/directories.js'
import { derivedDirectory } from '../store/derived-directory.js'
import { seededFaker } from '../store/seeded-faker.js'
import type { KeyScope, World } from '../store/world.js'
import { faultRuleProblem } from '../traffic/fault-book.js'
import { canonicalId } from '../ids.js'
import { filesFromSpec } from './generate.js'
import { recordFromLiteral } from './records.js'
import { resolveDefaults } from './defaults.js'
import { specifiedBatch } from './explicit.js'
import { generatedBatches } from './generated.js'
import { ScenarioFault } from './fault.js'
import { addNew, type Ctx } from './layout.js'

function apiKeysOf(scenario: Scenario): Map<string, KeyScope> | null {
  if (!scenario.api_keys || scenario.api_keys.length === 0) return null
  const keys = new Map<string, KeyScope>()
  scenario.api_keys.forEach((k, i) => {
    if (keys.has(k.key)) throw new ScenarioFault(`/api_keys/${i}/key`, 'each key declared once')
    keys.set(k.key, { projectId: k.project_id, organizationId: k.organization_id ?? null })
  })
  return keys
}

/** The scenario's `directories:`, declared before any batch names one. */
function declaredDirectories(ctx: Ctx, scenario: Scenario): void {
  scenario.directories?.forEach((d, i) => {
    if (ctx.directories.has(d.id)) throw new ScenarioFault(`/directories/${i}/id`, `a directory id used once, but ${d.id} is already taken`)
    const errorRate = d.file_error_rate ?? ctx.defaults.fileErrorRate
    const f = ctx.rng(`directory:${d.id}`)
    ctx.directories.declare(typeof d.files === 'number' ? derivedDirectory(ctx.seed, d.id, d.files, errorRate) : listedDirectory(d.id, filesFromSpec(f, d.files, errorRate)))
  })
}

function checkFaultRules(scenario: Scenario): void {
  const faultIds = new Set<string>()
  scenario.faults?.forEach((rule, i) => {
    const problem = faultRuleProblem(rule)
    if (problem) throw new ScenarioFault(`/faults/${i}`, problem)
    if (rule.id !== undefined && faultIds.has(rule.id)) throw new ScenarioFault(`/faults/${i}/id`, `a fault id used once, but ${rule.id} is already taken`)
    if (rule.id !== undefined) faultIds.add(rule.id)
  })
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
    directories: new Directories(seed, defaults),
    exclusive: scenario.exclusive_directories ?? false,
    store,
    // Planned under the running cap once, below, rather than after every batch.
    add: (record) => store.add(record)
  }
  declaredDirectories(ctx, scenario)
  scenario.batches?.forEach((entry, i) => {
    if ('fixture' in entry) addNew(ctx, `/batches/${i}`, recordFromLiteral(fixtures.get(entry.fixture) as Batch))
    else specifiedBatch(ctx, entry, `/batches/${i}`)
  })
  scenario.generate?.forEach((g, i) => generatedBatches(ctx, g, `/generate/${i}`))
  checkFaultRules(scenario)
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
