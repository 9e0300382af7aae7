import type { ValidationIssue } from '../schemas/errors.js'
import { UUID_PATTERNS } from '../schemas/batch-requests.js'
import { DATETIME_KEYWORD } from '../schemas/datetime-query.js'
import { MAX_QUOTED_CHARS, quoteText } from '../quote.js'

export { MAX_QUOTED_CHARS, quoteText }

/** How many issues a 422 lists; a last entry counts the rest. */
export const MAX_ISSUES = 100
const MAX_QUOTED_ITEMS = 10
const MAX_QUOTED_DEPTH = 3

/**
 * User input as an error may quote it: strings cut to MAX_QUOTED_CHARS, arrays and objects
 * to their first ten entries and three levels, each cut noted. The one place errors quote input.
 */
export function quoteInput(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_QUOTED_CHARS ? `${value.slice(0, MAX_QUOTED_CHARS)}… (${value.length} characters)` : value
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    if (depth >= MAX_QUOTED_DEPTH) return `[array of ${value.length} items]`
    const head = value.slice(0, MAX_QUOTED_ITEMS).map((v) => quoteInput(v, depth + 1))
    return value.length > MAX_QUOTED_ITEMS ? [...head, `… ${value.length - MAX_QUOTED_ITEMS} more items`] : head
  }
  const keys = Object.keys(value)
  if (depth >= MAX_QUOTED_DEPTH) return `{object with ${keys.length} keys}`
  const out: Record<string, unknown> = {}
  // defineProperty, not assignment: a `__proto__` key stays a plain key.
  for (const key of keys.slice(0, MAX_QUOTED_ITEMS)) {
    Object.defineProperty(out, quoteText(key), { value: quoteInput((value as Record<string, unknown>)[key], depth + 1), enumerable: true, writable: true, configurable: true })
  }
  if (keys.length > MAX_QUOTED_ITEMS) out['…'] = `${keys.length - MAX_QUOTED_ITEMS} more keys`
  return out
}


/** Issues as a 422 lists them: at most MAX_ISSUES, each input and message bounded. */
export function boundIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const shown = issues.slice(0, MAX_ISSUES).map((i) => ({ ...i, loc: i.loc.map((l) => (typeof l === 'string' ? quoteText(l, MAX_QUOTED_CHARS) : l)), msg: quoteText(i.msg), input: quoteInput(i.input) }))
  if (issues.length > MAX_ISSUES) {
    const rest = issues.length - MAX_ISSUES
    shown.push({ type: 'too_many_errors', loc: [issues[MAX_ISSUES]?.loc[0] ?? 'body'], msg: `${rest} more error${rest === 1 ? '' : 's'} not listed (at most ${MAX_ISSUES} are)`, input: null })
  }
  return shown
}

/** The subset of an ajv error this module reads. */
export interface AjvIssue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

const CONTEXT_LOC: Record<string, string> = { querystring: 'query', body: 'body', params: 'path', headers: 'header' }

function decodePointer(pointer: string): (string | number)[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg))
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let current = root
  for (const seg of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, seg)) return null
    current = (current as Record<string | number, unknown>)[seg]
  }
  return current ?? null
}

const TYPE_NAMES: Record<string, [string, string]> = {
  integer: ['int_parsing', 'Input should be a valid integer, unable to parse string as an integer'],
  number: ['float_parsing', 'Input should be a valid number, unable to parse string as a number'],
  string: ['string_type', 'Input should be a valid string'],
  boolean: ['bool_parsing', 'Input should be a valid boolean, unable to interpret input'],
  object: ['dict_type', 'Input should be a valid dictionary'],
  array: ['list_type', 'Input should be a valid list'],
  null: ['none_required', 'Input should be None']
}

function describe(issue: AjvIssue): { type: string; msg: string } {
  const p = issue.params
  switch (issue.keyword) {
    case 'required':
    case 'missing':
      return { type: 'missing', msg: 'Field required' }
    case DATETIME_KEYWORD:
      return { type: 'datetime_from_date_parsing', msg: `Input should be a valid datetime or date, ${String(p.reason)}` }
    case 'type': {
      const [type, msg] = TYPE_NAMES[String(p.type).split(',')[0] as string] ?? ['type_error', `Input should be of type ${String(p.type)}`]
      return { type, msg }
    }
    case 'const':
      return { type: 'literal_error', msg: `Input should be ${JSON.stringify(p.allowedValue)}` }
    case 'enum':
      return { type: 'enum', msg: `Input should be ${(p.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ').replace(/, ([^,]*)$/, ' or $1')}` }
    case 'pattern':
      return UUID_PATTERNS.has(String(p.pattern))
        ? { type: 'uuid_parsing', msg: 'Input should be a valid UUID' }
        : { type: 'string_pattern_mismatch', msg: `String should match pattern '${String(p.pattern)}'` }
    case 'format':
      return p.format === 'date-time'
        ? { type: 'datetime_from_date_parsing', msg: 'Input should be a valid datetime or date' }
        : { type: `${String(p.format)}_parsing`, msg: `Input should be a valid ${String(p.format)}` }
    case 'minimum':
      return { type: 'greater_than_equal', msg: `Input should be greater than or equal to ${String(p.limit)}` }
    case 'maximum':
      return { type: 'less_than_equal', msg: `Input should be less than or equal to ${String(p.limit)}` }
    case 'minLength':
      return { type: 'string_too_short', msg: `String should have at least ${String(p.limit)} character${p.limit === 1 ? '' : 's'}` }
    case 'maxLength':
      return { type: 'string_too_long', msg: `String should have at most ${String(p.limit)} characters` }
    case 'maxItems':
      return { type: 'too_long', msg: `List should have at most ${String(p.limit)} items` }
    case 'minItems':
      return { type: 'too_short', msg: `List should have at least ${String(p.limit)} items` }
    case 'maxProperties':
      return { type: 'too_long', msg: `Dictionary should have at most ${String(p.limit)} items` }
    case 'additionalProperties':
      return { type: 'extra_forbidden', msg: 'Extra inputs are not permitted' }
    default:
      return { type: 'value_error', msg: issue.message ?? 'Invalid value' }
  }
}

/**
 * ajv's errors as FastAPI's 422 `detail` list: one entry per faulty location, with
 * `loc` led by where the value came from ("query", "body", "path"). A value that failed
 * each branch of a union (`string | null`) reports its first branch's fault only.
 */
export function toValidationIssues(issues: readonly AjvIssue[], context: string, input: unknown): ValidationIssue[] {
  // A TypeBox enum is a union of literals: ajv reports one `const` miss per literal.
  const literals = new Map<string, unknown[]>()
  for (const issue of issues) {
    if (issue.keyword !== 'const') continue
    const list = literals.get(issue.instancePath) ?? []
    list.push(issue.params.allowedValue)
    literals.set(issue.instancePath, list)
  }
  const seen = new Set<string>()
  const out: ValidationIssue[] = []
  for (const original of issues) {
    const allowed = original.keyword === 'const' ? literals.get(original.instancePath) : undefined
    const issue: AjvIssue = allowed && allowed.length > 1 ? { ...original, keyword: 'enum', params: { allowedValues: allowed } } : original
    if (issue.keyword === 'anyOf' || issue.keyword === 'oneOf' || issue.keyword === 'if') continue
    const path = decodePointer(issue.instancePath)
    if (issue.keyword === 'required') path.push(String(issue.params.missingProperty))
    if (issue.keyword === 'additionalProperties') path.push(String(issue.params.additionalProperty))
    const key = JSON.stringify(path)
    if (seen.has(key)) continue
    seen.add(key)
    const { type, msg } = describe(issue)
    const value = issue.keyword === 'required' ? valueAt(input, path.slice(0, -1)) : valueAt(input, path)
    out.push({ type, loc: [CONTEXT_LOC[context] ?? context, ...path], msg, input: value })
  }
  return out
}
