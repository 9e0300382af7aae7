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
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema as object) as ReturnType<FastifySchemaCompiler<FastifySchema>>
}
