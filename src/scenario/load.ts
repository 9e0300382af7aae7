import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, isAbsolute, join, normalize, resolve, sep } from 'node:path'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { BatchSchema, type Batch } from '../schemas/batch.js'
import { ScenarioSchema, type Scenario } from '../schemas/scenario.js'
import { materialize, ScenarioFault } from './materialize.js'
import { firstSchemaFault } from './validate.js'
import { DEFAULT_START_TIME, type World } from '../store/world.js'

// The nearest folder up with a package.json: src/scenario/ runs from source, dist/ when bundled.
const PACKAGE_ROOT = packageRoot(import.meta.dirname)
export const BUNDLED_SCENARIOS = join(PACKAGE_ROOT, 'scenarios')
export const BUNDLED_FIXTURES = join(PACKAGE_ROOT, 'fixtures')
const MAX_SCENARIO_BYTES = 16 * 1024 * 1024

/** A scenario that cannot be loaded: where it is, where in it, and what was expected. */
export class ScenarioLoadError extends Error {
  constructor(
    readonly source: string,
    readonly pointer: string,
    readonly expected: string
  ) {
    super(`error loading scenario ${source}: at ${pointer || '/'}: expected ${expected}`)
    this.name = 'ScenarioLoadError'
  }
}

/** A validated scenario with its fixtures read: ready to be laid out at any epoch. */
export interface LoadedScenario {
  readonly name: string
  /** The file it came from, or "inline". */
  readonly source: string
  readonly scenario: Scenario
  readonly fixtures: ReadonlyMap<string, Batch>
}

/** `default` → the bundled scenarios/default.yaml; anything with a slash or extension is a path. */
export function resolveScenarioPath(ref: string, cwd = process.cwd()): string {
  if (/^[\w.-]+$/.test(ref) && !extname(ref)) {
    for (const ext of ['.yaml', '.yml', '.json']) {
      const candidate = join(BUNDLED_SCENARIOS, ref + ext)
      if (existsSync(candidate)) return candidate
    }
  }
  return resolve(cwd, ref)
}

function parseDocument(path: string, text: string): unknown {
  if (extname(path) === '.json') {
    try {
      return JSON.parse(text)
    } catch (e) {
      throw new ScenarioLoadError(path, '', `valid JSON (${(e as Error).message})`)
    }
  }
  try {
    // maxAliasCount bounds alias expansion, so a "billion laughs" document fails fast.
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: true })
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : ''
    throw new ScenarioLoadError(path, '', `valid YAML${where} (${(e as Error).message.split('\n')[0]})`)
  }
}

/**
 * Where a fixture reference may point: a plain relative name inside the scenario's own
 * folder or the bundled fixtures/ — never an absolute path or one that climbs out.
 */
function fixturePath(ref: string, baseDir: string | null): string | null {
  const clean = normalize(ref)
  if (isAbsolute(ref) || clean.split(sep).includes('..') || clean.includes('\0')) return null
  const roots = [...(baseDir ? [baseDir, join(baseDir, 'fixtures')] : []), BUNDLED_FIXTURES]
  return roots.map((root) => join(root, clean)).find((p) => existsSync(p)) ?? ''
}

function loadFixtures(scenario: Scenario, source: string, baseDir: string | null): Map<string, Batch> {
  const fixtures = new Map<string, Batch>()
  scenario.batches?.forEach((entry, i) => {
    if (!('fixture' in entry) || fixtures.has(entry.fixture)) return
    const pointer = `/batches/${i}/fixture`
    const path = fixturePath(entry.fixture, baseDir)
    if (path === null) throw new ScenarioLoadError(source, pointer, `a fixture name inside the scenario's folder or fixtures/, got ${JSON.stringify(entry.fixture)}`)
    if (path === '') throw new ScenarioLoadError(source, pointer, `an existing fixture file, but ${JSON.stringify(entry.fixture)} was not found`)
    let body: unknown
    try {
      body = JSON.parse(readFileSync(path, 'utf8'))
    } catch (e) {
      throw new ScenarioLoadError(source, pointer, `${path} to hold valid JSON (${(e as Error).message})`)
    }
    const fault = firstSchemaFault(BatchSchema, body)
    if (fault) throw new ScenarioLoadError(source, pointer, `${path} to hold a batch body, but at ${fault.pointer || '/'} it needs ${fault.expected}`)
    fixtures.set(entry.fixture, body as Batch)
  })
  return fixtures
}

/** Validates a scenario object against its schema and reads its fixtures. */
export function prepareScenario(document: unknown, source: string, baseDir: string | null): LoadedScenario {
  const fault = firstSchemaFault(ScenarioSchema, document)
  if (fault) throw new ScenarioLoadError(source, fault.pointer, fault.expected)
  const scenario = document as Scenario
  const fixtures = loadFixtures(scenario, source, baseDir)
  return { name: scenario.name ?? basename(source, extname(source)), source, scenario, fixtures }
}

/**
 * Lays a loaded scenario out at clock time `epoch`. The faults only laying out reveals
 * (duplicate ids, unknown directories) come back as ScenarioLoadError naming the source;
 * the caller swaps the world in only on success, so nothing is ever half-loaded.
 */
export function instantiate(loaded: LoadedScenario, epoch: number, seed?: number): World {
  try {
    return materialize(loaded.scenario, loaded.fixtures, epoch, seed)
  } catch (e) {
    if (e instanceof ScenarioFault) throw new ScenarioLoadError(loaded.source, e.pointer, e.expected)
    throw e
  }
}

/** Where a manual clock starts for this scenario. */
export function startTimeOf(loaded: LoadedScenario): number {
  return Date.parse(loaded.scenario.start_time ?? DEFAULT_START_TIME)
}

/** Loads a bundled scenario by name, or a JSON/YAML scenario file by path. */
export function loadScenario(ref: string, cwd?: string): LoadedScenario {
  const path = resolveScenarioPath(ref, cwd)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new ScenarioLoadError(path, '', `a readable scenario file (a bundled name: default, empty; or a path to .yaml/.json)`)
  }
  if (text.length > MAX_SCENARIO_BYTES) throw new ScenarioLoadError(path, '', `a file of at most ${MAX_SCENARIO_BYTES} bytes`)
  return prepareScenario(parseDocument(path, text), path, dirname(path))
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) if (existsSync(join(dir, 'package.json')) || dirname(dir) === dir) return dir
}
