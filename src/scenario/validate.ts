import { FormatRegistry, Kind, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'

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

function describe(error: ValueError): SchemaFault {
  if (error.type === ValueErrorType.Union) {
    if (isLiteralUnion(error.schema)) {
      const options = (error.schema.anyOf as TSchema[]).map((s) => (s.const === undefined ? 'null' : JSON.stringify(s.const)))
      return { pointer: error.path, expected: `one of ${options.join(', ')}, got ${JSON.stringify(error.value)}` }
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
    return { pointer: error.path, expected: `no such property here (allowed: ${allowed})` }
  }
  return { pointer: error.path, expected: `${error.message.replace(/^Expected /, '')}, got ${JSON.stringify(error.value) ?? 'nothing'}` }
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
