// fast-json-stringify picks an `anyOf` branch by validating the value against each branch
// with ajv, compiled on the first answer (~20–35 ms of the mock's first response). For
// serializing, the branches BatchSchema has are told apart by JSON type alone: a nullable
// value (`T | null`) or a union of string literals. This rewrites those into `type` lists,
// which fast-json-stringify tells apart with `typeof`, so no validator is built at all.
// Declared properties (and `additionalProperties`) are kept as they are: an answer still
// cannot carry a key the schema does not declare.

type Schema = Record<string, unknown>

const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean'])
// Keywords that only describe or constrain values: serializing the value does not read them.
const VALUE_ONLY = new Set(['const', 'enum', 'description', 'title', 'examples', 'default', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum'])

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The branches as one schema with a `type` list, or null when they are not told apart by type alone. */
function byType(branches: readonly Schema[]): Schema | null {
  const types = branches.map((b) => b.type)
  if (!types.every((t): t is string => typeof t === 'string')) return null
  // Literals of one primitive type (an enum): any branch serializes the value the same way.
  if (new Set(types).size === 1) {
    const type = types[0] as string
    if (!PRIMITIVES.has(type) || !branches.every((b) => Object.keys(b).every((k) => k === 'type' || VALUE_ONLY.has(k)))) return null
    return { type }
  }
  // Distinct types (`T | null`): one branch a type, its keywords kept.
  if (new Set(types).size !== types.length) return null
  const merged: Schema = { type: types }
  for (const branch of branches) {
    for (const [key, value] of Object.entries(branch)) {
      if (key === 'type' || VALUE_ONLY.has(key)) continue
      if (key in merged) return null
      merged[key] = value
    }
  }
  return merged
}

/** `schema` as fast-json-stringify serializes it without a validator, where that is the same answer. */
export function serializingSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(serializingSchema)
  if (!isObject(schema)) return schema
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) out[key] = serializingSchema(value)
  const branches = out.anyOf
  if (Array.isArray(branches) && branches.every(isObject) && out.type === undefined) {
    const merged = byType(branches)
    if (merged && Object.keys(merged).every((k) => !(k in out))) {
      delete out.anyOf
      Object.assign(out, merged)
    }
  }
  return out
}
