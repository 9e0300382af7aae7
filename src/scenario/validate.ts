import { FormatRegistry, Kind, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { MAX_SCENARIO_BATCHES, MAX_SCENARIO_FILES } from '../schemas/scenario.js'
import { quoteText } from '../quote.js'

// TypeBox ships no string formats; these match what the HTTP layer (ajv-formats) accepts.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v) && !Number.isNaN(Date.parse(v)))
}

export interface SchemaFault {
  /** JSON pointer of the faulty value ("" is the document itself). */
  pointer: string
  /** What was expected there. */
  expected: string
}

const compiled = new WeakMap<TSchema, ReturnType<typeof TypeCompiler.Compile>>()

function isLiteralUnion(schema: TSchema): boolean {
  return Array.isArray(schema.anyOf) && schema.anyOf.every((s: TSchema) => s[Kind] === 'Literal' || s[Kind] === 'Null')
}

function* take<T>(items: Iterable<T>, max: number): Generator<T> {
  let n = 0
  for (const item of items) {
    if (n++ >= max) return
    yield item
  }
}


/** A value as a fault quotes it: short scalars as JSON, anything else by its kind alone. */
function quoted(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'string') return JSON.stringify(quoteText(value, 40))
  return Array.isArray(value) ? 'an array' : 'an object'
}

function describe(error: ValueError): SchemaFault {
  if (error.type === ValueErrorType.Union) {
    if (isLiteralUnion(error.schema)) {
      const options = (error.schema.anyOf as TSchema[]).map((s) => (s.const === undefined ? 'null' : JSON.stringify(s.const)))
      return { pointer: error.path, expected: `one of ${options.join(', ')}, got ${quoted(error.value)}` }
    }
    // Report the variant the value came closest to (fewest faults): its fault is the real one.
    const variants = error.errors.map((it) => [...take(it, 50)]).filter((errs) => errs.length > 0)
    const fewest = Math.min(...variants.map((errs) => errs.length))
    const closest = variants.filter((errs) => errs.length === fewest).map((errs) => errs[0] as ValueError)
    if (closest.length === 1 || closest.some((e) => e.path !== error.path)) return describe(closest[0] as ValueError)
    return { pointer: error.path, expected: closest.map((e) => describe(e).expected).join(', or ') }
  }
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const allowed = Object.keys(error.schema.properties ?? {}).join(', ')
    const name = error.path.slice(error.path.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~')
    return { pointer: error.path, expected: `no property ${JSON.stringify(quoteText(name, 40))} here (allowed: ${allowed})` }
  }
  // The document itself: a file that is not a scenario at all (its text may be anything) is named by its kind.
  if (error.path === '' && typeof error.value !== 'object') return { pointer: '', expected: `a mapping of scenario fields, got ${error.value === null ? 'null' : `a ${typeof error.value}`}` }
  return { pointer: error.path, expected: `${error.message.replace(/^Expected /, '')}, got ${quoted(error.value)}` }
}

/** The first fault of `value` against `schema`, with its JSON pointer, or null when valid. */
export function firstSchemaFault(schema: TSchema, value: unknown): SchemaFault | null {
  let check = compiled.get(schema)
  if (!check) {
    check = TypeCompiler.Compile(schema)
    compiled.set(schema, check)
  }
  if (check.Check(value)) return null
  const first = check.Errors(value).First()
  return first ? describe(first) : { pointer: '', expected: 'a valid document' }
}

interface BudgetInput {
  defaults?: { directory_files?: { max: number } }
  directories?: readonly { files: number | readonly unknown[] }[]
  batches?: readonly ({ fixture: string } | { files?: number | readonly unknown[]; source_directory_id?: string })[]
  generate?: readonly { count: number; files?: { max: number } }[]
}

/**
 * Whether a schema-valid scenario stays within the batch and file budget, from its numbers
 * alone — before anything is laid out. Files are counted at their most: a generated batch
 * counts `files.max`, a batch over a made-up directory the default directory's `max`.
 */
export function scenarioBudgetFault(scenario: BudgetInput): SchemaFault | null {
  let batches = 0
  let files = 0
  const filesOf = (f: number | readonly unknown[]): number => (typeof f === 'number' ? f : f.length)
  // Every batch keeps a per-file array, so a batch counts its directory's files.
  const known = new Map<string, number>()
  const over = (pointer: string): SchemaFault | null =>
    batches > MAX_SCENARIO_BATCHES
      ? { pointer, expected: `at most ${MAX_SCENARIO_BATCHES} batches per scenario, but it lays out ${batches} by here` }
      : files > MAX_SCENARIO_FILES
        ? { pointer, expected: `at most ${MAX_SCENARIO_FILES} files per scenario, but it has up to ${files} by here` }
        : null
  const directoryMax = scenario.defaults?.directory_files?.max ?? 12
  for (const [i, d] of (scenario.directories ?? []).entries()) {
    files += filesOf(d.files)
    known.set((d as { id?: string }).id ?? '', filesOf(d.files))
    const fault = over(`/directories/${i}/files`)
    if (fault) return fault
  }
  for (const [i, b] of (scenario.batches ?? []).entries()) {
    batches += 1
    if (!('fixture' in b)) {
      const id = b.source_directory_id
      const count = b.files !== undefined ? filesOf(b.files) : ((id !== undefined ? known.get(id) : undefined) ?? directoryMax)
      if (id !== undefined) known.set(id, count)
      files += count
    }
    const fault = over(`/batches/${i}`)
    if (fault) return fault
  }
  for (const [i, g] of (scenario.generate ?? []).entries()) {
    batches += g.count
    const batchFault = over(`/generate/${i}/count`)
    if (batchFault) return batchFault
    files += g.count * (g.files?.max ?? 40)
    const fileFault = over(`/generate/${i}/files`)
    if (fileFault) return fileFault
  }
  return null
}
