import { Ajv, type Options, type SchemaValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'
import { DATETIME_KEYWORD } from '../schemas/datetime-query.js'
import { parseInstant } from './query-datetime.js'
import type { AjvIssue } from './validation-errors.js'

// Fastify's defaults but two: every fault is reported (FastAPI lists them all; bodies are
// bounded by bodyLimit and arrays by maxItems, which keeps allErrors cheap), and nothing is
// silently removed — ajv's removeAdditional strips keys while trying each branch of a union,
// so {"median", "sigma"} would reach the handler as {}. Strict control-plane schemas reject
// unknown keys instead; API schemas allow them, as FastAPI does. Schemas are not checked
// against the JSON Schema meta-schema here: compiling that costs the first request ~30 ms,
// and test/http/schemas.test.ts checks every schema against it instead.
const base: Options = { useDefaults: true, removeAdditional: false, addUsedSchema: false, allErrors: true, validateSchema: false }

// Reads a datetime query value once, as pydantic does, and hands the handler ISO 8601 UTC.
const readDatetime: SchemaValidateFunction = (_schema: unknown, data: string, _parentSchema, cxt) => {
  const parsed = parseInstant(data)
  if (typeof parsed !== 'number') {
    // No instancePath: ajv fills in where the value sits.
    readDatetime.errors = [{ keyword: DATETIME_KEYWORD, params: { reason: parsed.reason } } as NonNullable<SchemaValidateFunction['errors']>[number]]
    return false
  }
  if (cxt) (cxt.parentData as Record<string | number, unknown>)[cxt.parentDataProperty] = new Date(parsed).toISOString()
  return true
}

function ajv(options: Options): Ajv {
  const instance = new Ajv({ ...base, ...options })
  addFormats.default(instance)
  instance.addKeyword({ keyword: DATETIME_KEYWORD, type: 'string', modifying: true, errors: true, validate: readDatetime })
  return instance
}

const DECIMAL = /^-?\d+$/

/** The top-level properties of an object schema that are integers. */
function integerKeys(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  return Object.keys(properties).filter((k) => properties[k]?.type === 'integer')
}

/**
 * ajv's coercion takes anything `Number()` takes (`1e2`, `0x10`, ` 5`, `Infinity`); pydantic
 * takes decimal digits. A text integer that is not plain digits is `int_parsing`.
 */
function nonDecimal(keys: readonly string[], data: unknown): AjvIssue[] {
  if (keys.length === 0 || data === null || typeof data !== 'object') return []
  const issues: AjvIssue[] = []
  for (const key of keys) {
    if (!Object.hasOwn(data, key)) continue
    const value = (data as Record<string, unknown>)[key]
    const values = Array.isArray(value) ? value : [value]
    if (values.some((v) => typeof v === 'string' && !DECIMAL.test(v))) issues.push({ keyword: 'type', instancePath: `/${key}`, params: { type: 'integer' } })
  }
  return issues
}

/** The top-level properties of an object schema that are booleans. */
function booleanKeys(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  return Object.keys(properties).filter((k) => properties[k]?.type === 'boolean')
}

// What pydantic v2 reads as a bool from text (any case); ajv alone takes only `true`/`false`.
const TRUE_TEXT = new Set(['1', 'on', 't', 'true', 'y', 'yes'])
const FALSE_TEXT = new Set(['0', 'off', 'f', 'false', 'n', 'no'])

/** `include_deleted=1` or `=yes` is true to pydantic: the text a boolean takes is made `true`/`false` for ajv. */
function pydanticBooleans(keys: readonly string[], data: unknown): void {
  if (keys.length === 0 || data === null || typeof data !== 'object') return
  for (const key of keys) {
    const value = (data as Record<string, unknown>)[key]
    if (typeof value !== 'string') continue
    const text = value.toLowerCase()
    if (TRUE_TEXT.has(text)) (data as Record<string, unknown>)[key] = 'true'
    else if (FALSE_TEXT.has(text)) (data as Record<string, unknown>)[key] = 'false'
  }
}

/** The top-level properties of a query schema that take one value (not a list, like `expand`). */
function scalarKeys(schema: unknown): string[] {
  type Prop = { type?: unknown; anyOf?: { type?: unknown }[] }
  const properties = (schema as { properties?: Record<string, Prop> }).properties ?? {}
  return Object.keys(properties).filter((k) => properties[k]?.type !== 'array' && !(properties[k]?.anyOf ?? []).some((s) => s.type === 'array'))
}

/** Starlette keeps the last value of a repeated query key, and FastAPI reads a scalar from it. */
function lastValues(keys: readonly string[], data: unknown): void {
  if (keys.length === 0 || data === null || typeof data !== 'object') return
  for (const key of keys) {
    const value = (data as Record<string, unknown>)[key]
    if (Array.isArray(value)) (data as Record<string, unknown>)[key] = value[value.length - 1]
  }
}

const MISSING_BODY: AjvIssue[] = [{ keyword: 'missing', instancePath: '', params: {} }]

/**
 * Query strings and paths arrive as text, so they are coerced (`page_size=5` is a number,
 * a lone `expand=x` an array); JSON bodies are not — as pydantic, `42` is not a string.
 * A route with a body schema and no body (or JSON `null`) answers FastAPI's `missing`.
 */
export function validatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const lenient = ajv({ coerceTypes: 'array' })
  const strict = ajv({ coerceTypes: false })
  // Compiled on first use: compiling every route's schemas up front costs start-up time
  // that most runs (a test suite touching three routes) never get back.
  return ({ schema, httpPart }) => {
    const isBody = httpPart === 'body'
    const integers = isBody ? [] : integerKeys(schema)
    const booleans = isBody ? [] : booleanKeys(schema)
    const scalars = httpPart === 'querystring' ? scalarKeys(schema) : []
    let validate: ((data: unknown) => unknown) | undefined
    // The integers' text as sent, reused for every request (validation is synchronous).
    const sent = new Array<unknown>(integers.length)
    const lazy = (data: unknown): unknown => {
      const result = lazy as { errors?: unknown }
      if (isBody && (data === null || data === undefined)) {
        result.errors = MISSING_BODY
        return false
      }
      validate ??= (isBody ? strict : lenient).compile(schema as object)
      lastValues(scalars, data)
      pydanticBooleans(booleans, data)
      const early = nonDecimal(integers, data)
      const fields = integers.length > 0 && data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : null
      if (fields !== null) for (let i = 0; i < integers.length; i++) sent[i] = fields[integers[i] as string]
      const valid = validate(data)
      // ajv coerced them regardless (`Infinity`, `-5`); a 422 quotes what was sent, as pydantic's
      // does (`"input": "-5"`, the text of the query), not the number ajv made of it.
      if (fields !== null && (!valid || early.length > 0)) {
        for (let i = 0; i < integers.length; i++) if (sent[i] !== undefined) fields[integers[i] as string] = sent[i]
      }
      if (fields !== null) sent.fill(undefined)
      const errors = (validate as { errors?: AjvIssue[] | null }).errors ?? []
      result.errors = early.length > 0 ? [...early, ...errors] : errors
      return valid && early.length === 0
    }
    return lazy as ReturnType<FastifySchemaCompiler<FastifySchema>>
  }
}

/**
 * Answers are serialized with JSON.stringify: batch answers are cached as bytes already,
 * and compiling a fast-json-stringify serializer for every route and status at start-up
 * cost more than it ever saved on small control-plane bodies. The response schemas still
 * document every answer in the OpenAPI document.
 */
export const serializerCompiler = () => (data: unknown): string => JSON.stringify(data)
