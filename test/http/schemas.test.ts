import t from 'tap'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import build from 'fast-json-stringify'
import { Kind } from '@sinclair/typebox'
import { BatchSchema } from '../../src/schemas/batch.js'
import { serializingSchema } from '../../src/http/serializing-schema.js'
import { advance, build as buildApp, get, scenario } from '../helper.js'
import * as batchRequests from '../../src/schemas/batch-requests.js'
import * as batch from '../../src/schemas/batch.js'
import * as control from '../../src/schemas/control.js'
import * as directories from '../../src/schemas/directories.js'
import * as errors from '../../src/schemas/errors.js'
import * as faults from '../../src/schemas/faults.js'
import * as inspect from '../../src/schemas/inspect.js'
import * as jobs from '../../src/schemas/jobs.js'
import * as webhooks from '../../src/schemas/webhooks.js'

// The HTTP validator and the answer serializer skip ajv's meta-schema check (its compile is
// most of the first request's cost): every schema the routes use is checked here instead.
t.test('every exported schema is a valid JSON Schema', async (t) => {
  const ajv = new Ajv({ strict: false })
  addFormats.default(ajv)
  const modules = { batchRequests, batch, control, directories, errors, faults, inspect, jobs, webhooks }
  let checked = 0
  for (const [name, exports] of Object.entries(modules)) {
    for (const [key, value] of Object.entries(exports)) {
      if (typeof value !== 'object' || value === null || !(Kind in value)) continue
      const valid = ajv.validateSchema(value)
      t.ok(valid, `${name}.${key}: ${ajv.errorsText(ajv.errors)}`)
      checked++
    }
  }
  t.ok(checked > 30, `${checked} schemas checked`)
})

t.test('the serializing schema answers exactly what BatchSchema does, without a validator', async (t) => {
  const strict = build(BatchSchema)
  const plain = build(serializingSchema(BatchSchema) as typeof BatchSchema)
  t.notMatch(JSON.stringify(serializingSchema(BatchSchema)), /"anyOf"/, 'no branch left to validate')

  // Every status, with and without results, files that failed and files still running.
  const app = await buildApp(t, {
    scenario: scenario([], {
      generate: [{ count: 40, files: { min: 0, max: 4 }, file_error_rate: 0.4, statuses: { PENDING: 1, THROTTLED: 1, RUNNING: 1, COMPLETED: 1, FAILED: 1, CANCELLED: 1 } }]
    })
  })
  const answers: unknown[] = []
  for (const ms of [0, 30_000, 600_000]) {
    if (ms) await advance(app, ms)
    const list = (await get(app, '/api/v2/batches?page_size=100')).body.items as { id: string }[]
    for (const { id } of list) {
      answers.push((await get(app, `/api/v2/batches/${id}`)).body)
      answers.push((await get(app, `/api/v2/batches/${id}?expand=results`)).body)
    }
  }
  const statuses = new Set(answers.map((a) => (a as { status: string }).status))
  t.ok(statuses.size >= 5, `answers in ${[...statuses].join(', ')}`)
  t.ok(answers.some((a) => Array.isArray((a as { results: unknown }).results) && (a as { results: { error_message: unknown }[] }).results.some((r) => typeof r.error_message === 'string')), 'some results carry an error message')
  let same = 0
  for (const answer of answers) {
    if (plain(answer) === strict(answer)) same++
  }
  t.equal(same, answers.length, `${answers.length} answers serialized alike`)

  // Values a record could hold that no answer above showed: nulls where objects go, an
  // undeclared key, a date object.
  const first = answers.find((a) => Array.isArray((a as { results: unknown }).results) && (a as { results: unknown[] }).results.length > 0) as Record<string, any>
  const odd = [
    { ...first, results: [{ ...first.results[0], job_reference: null, error_message: null, extra: 'x' }], secret: 'y' },
    { ...first, results: null, created_at: new Date(0) },
    { ...first, status: 'CANCELLED', results: [] }
  ]
  for (const value of odd) t.equal(plain(value), strict(value))
  t.notMatch(plain(odd[0]), /"secret"|"extra"/, 'undeclared keys stay out')
})
