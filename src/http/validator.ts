import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'

// Fastify's defaults but two: every fault is reported (FastAPI lists them all; bodies are
// bounded by bodyLimit and arrays by maxItems, which keeps allErrors cheap), and nothing is
// silently removed — ajv's removeAdditional strips keys while trying each branch of a union,
// so {"median", "sigma"} would reach the handler as {}. Strict control-plane schemas reject
// unknown keys instead; API schemas allow them, as FastAPI does.
const base: Options = { useDefaults: true, removeAdditional: false, addUsedSchema: false, allErrors: true }

function ajv(options: Options): Ajv {
  const instance = new Ajv({ ...base, ...options })
  addFormats.default(instance)
  return instance
}

/**
 * Query strings and paths arrive as text, so they are coerced (`page_size=5` is a number,
 * a lone `expand=x` an array); JSON bodies are not — as pydantic, `42` is not a string.
 */
export function validatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const lenient = ajv({ coerceTypes: 'array' })
  const strict = ajv({ coerceTypes: false })
  // Compiled on first use: compiling every route's schemas up front costs start-up time
  // that most runs (a test suite touching three routes) never get back.
  return ({ schema, httpPart }) => {
    let validate: ((data: unknown) => unknown) | undefined
    const lazy = (data: unknown): unknown => {
      validate ??= (httpPart === 'body' ? strict : lenient).compile(schema as object)
      const valid = validate(data)
      ;(lazy as { errors?: unknown }).errors = (validate as { errors?: unknown }).errors
      return valid
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
