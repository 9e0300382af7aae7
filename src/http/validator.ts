import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'

// Fastify's defaults, with every fault reported (FastAPI lists them all). Bodies are
// bounded by bodyLimit and arrays by maxItems, which keeps allErrors cheap.
const base: Options = { useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: true }

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
