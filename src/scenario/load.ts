import { existsSync } from 'node:fs'
import { basename, dirname, extname, isAbsolute, join, normalize, resolve, sep } from 'node:path'
import { isInside, readRegularFile, realpathOrNull } from './files.js'
import { parseJson, parseYamlText } from './parse.js'
import { BatchSchema, type Batch } from '../schemas/batch.js'
import { ScenarioSchema, type Scenario } from '../schemas/scenario.js'
import { materialize } from './materialize.js'
import { ScenarioFault } from './fault.js'
import { firstSchemaFault, scenarioBudgetFault } from './validate.js'
import { quoteShort } from '../quote.js'
import { MAX_TIME, timeProblem } from '../clock.js'
import { DEFAULT_START_TIME, type World } from '../store/world.js'

// The nearest folder up with a package.json: src/scenario/ runs from source, dist/ when bundled.
const PACKAGE_ROOT = packageRoot(import.meta.dirname)
export const BUNDLED_SCENARIOS = join(PACKAGE_ROOT, 'scenarios')
export const BUNDLED_FIXTURES = join(PACKAGE_ROOT, 'fixtures')
/** The largest scenario file (and fixture file) read, checked on the open file before reading. */
export const MAX_SCENARIO_BYTES = 16 * 1024 * 1024
export const SCENARIO_EXTENSIONS = ['.yaml', '.yml', '.json'] as const

/** A scenario that cannot be loaded: where it is, where in it, and what was expected. */
export class ScenarioLoadError extends Error {
  constructor(
    readonly source: string,
    readonly pointer: string,
    readonly expected: string
  ) {
    super(`error loading scenario ${source.length > 200 ? `…${source.slice(-199)}` : source}: at ${pointer || '/'}: expected ${expected}`)
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

function bundled(ref: string): string | null {
  if (!/^[\w.-]+$/.test(ref) || extname(ref)) return null
  for (const ext of SCENARIO_EXTENSIONS) {
    const candidate = join(BUNDLED_SCENARIOS, ref + ext)
    if (existsSync(candidate)) return candidate
  }
  return null
}

/**
 * `default` → the bundled scenarios/default.yaml; anything else is a path, relative to `cwd`
 * (or, when it is not there, to the first of `alsoIn` that has it).
 */
export function resolveScenarioPath(ref: string, cwd = process.cwd(), alsoIn: readonly string[] = []): string {
  const named = bundled(ref)
  if (named) return named
  const first = resolve(cwd, ref)
  if (isAbsolute(ref) || existsSync(first)) return first
  return alsoIn.map((dir) => resolve(dir, ref)).find((p) => existsSync(p)) ?? first
}

function parseDocument(path: string, text: string, asJson: boolean): unknown {
  const parsed = asJson ? parseJson(text) : parseYamlText(text)
  if ('fault' in parsed) throw new ScenarioLoadError(path, '', parsed.fault)
  return parsed.value
}

/**
 * Where a fixture reference may point: a plain relative name inside the scenario's own
 * folder or the bundled fixtures/ — never an absolute path or one that climbs out — and
 * its real path (links followed) must stay inside one of them too.
 */
function fixturePath(ref: string, baseDir: string | null): string | null {
  const clean = normalize(ref)
  if (isAbsolute(ref) || clean.split(sep).includes('..') || clean.includes('\0')) return null
  const roots = [...(baseDir ? [baseDir, join(baseDir, 'fixtures')] : []), BUNDLED_FIXTURES]
  const found = roots.map((root) => join(root, clean)).find((p) => existsSync(p))
  if (found === undefined) return ''
  const real = realpathOrNull(found)
  const allowed = [...(baseDir ? [baseDir] : []), BUNDLED_FIXTURES].map(realpathOrNull).filter((r): r is string => r !== null)
  return real !== null && allowed.some((root) => isInside(real, root)) ? real : null
}

function loadFixtures(scenario: Scenario, source: string, baseDir: string | null): Map<string, Batch> {
  const fixtures = new Map<string, Batch>()
  scenario.batches?.forEach((entry, i) => {
    if (!('fixture' in entry) || fixtures.has(entry.fixture)) return
    const pointer = `/batches/${i}/fixture`
    const path = fixturePath(entry.fixture, baseDir)
    if (path === null) throw new ScenarioLoadError(source, pointer, `a fixture inside the scenario's folder or fixtures/ (links followed), got ${JSON.stringify(quoteShort(entry.fixture))}`)
    if (path === '') throw new ScenarioLoadError(source, pointer, `an existing fixture file, but ${JSON.stringify(quoteShort(entry.fixture))} was not found`)
    const name = `fixture ${quoteShort(entry.fixture)}`
    let text: string
    try {
      text = readRegularFile(path, MAX_SCENARIO_BYTES)
    } catch (e) {
      throw new ScenarioLoadError(source, pointer, `${name} to be ${(e as Error).message}`)
    }
    const parsed = parseJson(text)
    if ('fault' in parsed) throw new ScenarioLoadError(source, pointer, `${name} to hold ${parsed.fault}`)
    const body = parsed.value
    const fault = firstSchemaFault(BatchSchema, body)
    if (fault) throw new ScenarioLoadError(source, pointer, `${name} to hold a batch body, but at ${fault.pointer || '/'} it needs ${fault.expected}`)
    fixtures.set(entry.fixture, body as Batch)
  })
  return fixtures
}

/** Validates a scenario object against its schema and reads its fixtures. */
export function prepareScenario(document: unknown, source: string, baseDir: string | null): LoadedScenario {
  const fault = firstSchemaFault(ScenarioSchema, document)
  if (fault) throw new ScenarioLoadError(source, fault.pointer, fault.expected)
  const scenario = document as Scenario
  // Before any work: a scenario beyond the budget is refused from its numbers alone.
  const over = scenarioBudgetFault(scenario)
  if (over) throw new ScenarioLoadError(source, over.pointer, over.expected)
  if (scenario.start_time !== undefined && timeProblem(Date.parse(scenario.start_time))) {
    throw new ScenarioLoadError(source, '/start_time', `a time from 0000-01-01T00:00:00.000Z to ${new Date(MAX_TIME).toISOString()}, got ${JSON.stringify(quoteShort(scenario.start_time))}`)
  }
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

export interface LoadOptions {
  /**
   * Confine what may be read (the control plane): a bundled name, or a .yaml/.yml/.json
   * regular file whose real path is inside one of these folders. Unset: any regular file
   * (a path the user gave at start-up).
   */
  confineTo?: readonly string[]
}

function refuse(ref: string, expected: string): never {
  throw new ScenarioLoadError(ref, '', expected)
}

/** The scenario file `ref` names (as resolved, and its real path), after every check that needs no opening. */
function locate(ref: string, cwd: string | undefined, confineTo: readonly string[] | undefined): { path: string; real: string } {
  const path = resolveScenarioPath(ref, cwd, confineTo ?? [])
  if (path.startsWith(BUNDLED_SCENARIOS + sep) && bundled(ref)) return { path, real: path }
  const kinds = 'a bundled scenario name (default, empty) or a .yaml, .yml or .json scenario file'
  if (confineTo && !(SCENARIO_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase())) refuse(ref, `${kinds}, got ${JSON.stringify(quoteShort(ref))}`)
  const real = realpathOrNull(path) ?? refuse(ref, `${kinds}, but ${JSON.stringify(quoteShort(ref))} was not found`)
  if (confineTo) {
    const roots = confineTo.map(realpathOrNull).filter((r): r is string => r !== null)
    if (!roots.some((root) => isInside(real, root))) refuse(ref, `a scenario file inside the folder the mock started in or --scenario-dir; ${JSON.stringify(quoteShort(ref))} is outside them (links followed)`)
    if (!(SCENARIO_EXTENSIONS as readonly string[]).includes(extname(real).toLowerCase())) refuse(ref, `${kinds}, but ${JSON.stringify(quoteShort(ref))} links to another kind of file`)
  }
  return { path, real }
}

/** Loads a bundled scenario by name, or a JSON/YAML scenario file by path. */
export function loadScenario(ref: string, cwd?: string, options: LoadOptions = {}): LoadedScenario {
  const { path, real } = locate(ref, cwd, options.confineTo)
  let text: string
  try {
    text = readRegularFile(real, MAX_SCENARIO_BYTES)
  } catch (e) {
    throw new ScenarioLoadError(path, '', `${(e as Error).message} holding a scenario (a bundled name: default, empty; or a .yaml/.json file)`)
  }
  return prepareScenario(parseDocument(path, text, extname(real).toLowerCase() === '.json'), path, dirname(real))
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) if (existsSync(join(dir, 'package.json')) || dirname(dir) === dir) return dir
}
