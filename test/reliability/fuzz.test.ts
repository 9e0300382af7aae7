import t from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { build, scenario, AUTH } from '../helper.js'

// Seeded and bounded: FUZZ_SEED and FUZZ_RUNS reproduce or lengthen a run. fast-check
// prints the seed and the shrunk counterexample of any failure.
const SEED = Number(process.env.FUZZ_SEED ?? 20261128)
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)

const ROUTES = ['/api/v2/batches', '/api/v2/batches/bat-1', '/api/v2/batches/bat-1/cancel', '/api/v2/batches/bat-2', '/api/v2/parse', '/api/v2/parse/pjb-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', '/api/v2/parse/pjb-1/cancel', '/api/v2/extract', '/api/v2/extract/ejb-1', '/api/v2/extract/ejb-1/cancel', '/_mock/health', '/_mock/clock', '/_mock/clock/advance', '/_mock/clock/set', '/_mock/reset', '/_mock/requests', '/_mock/faults', '/_mock/faults/x', '/_mock/scenario', '/_mock/batches', '/openapi.json']
const NASTY = ['__proto__', 'constructor', 'prototype', '%00', '\u0000', '..', '%2e%2e', '\u202e', '😀', 'x'.repeat(300), '%E0%A4%A', '%', '?', '#', ' ', 'bat-1%2Fcancel']
const QUERY_KEYS = ['expand', 'page_size', 'page_token', 'status', 'project_id', 'organization_id', 'source_directory_id', 'created_at_on_or_after', 'created_at_on_or_before', 'job_ids', 'file_input', 'count', 'since', 'method', '__proto__', 'constructor', 'toString', 'hasOwnProperty']

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom(...NASTY), fc.integer().map(String), fc.constant('y'.repeat(4000)))
const segment = fc.oneof(text.map((s) => encodeURIComponent(s)), fc.constantFrom(...NASTY))
const path = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ROUTES) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('/api/v2/batches', '/_mock', '/api', ''), fc.array(segment, { maxLength: 4 })).map(([base, segs]) => `${base}/${segs.join('/')}`) }
)
const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), text), text), { maxLength: 8 }).map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'))
const deep = fc.integer({ min: 100, max: 3000 }).map((n) => '['.repeat(n) + ']'.repeat(n))
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ config: fc.anything({ maxDepth: 2 }), source_directory_id: fc.anything({ maxDepth: 1 }), ms: fc.anything({ maxDepth: 1 }), now: fc.anything({ maxDepth: 1 }), path: fc.anything({ maxDepth: 1 }) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.constant('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
  deep,
  fc.integer({ min: 1000, max: 20000 }).map((n) => JSON.stringify({ webhook_configuration_ids: Array(n).fill('x') })),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from([0x7b, 0x22, 0xc3, 0x28, ...bytes])),
  fc.string({ maxLength: 50 })
)
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', undefined)
const authorization = fc.constantFrom(AUTH.authorization, undefined, 'Bearer', 'Basic Zm9vOmJhcg==', 'Bearer \u0000', `Bearer ${'k'.repeat(2000)}`)
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') as fc.Arbitrary<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'HEAD'>

const request = fc.record({ method, path, query, body, contentType, authorization })

/** What a rejected request must not have touched: each batch and its current version. */
function fingerprint(app: FastifyInstance): Map<string, unknown> {
  return new Map([...app.mock.world.store.values()].map((b) => [b.id, b]))
}

t.test('no input, however malformed, gives a 5xx, a non-JSON 4xx, or a change', async (t) => {
  const app = await build(t, {
    scenario: scenario([
      { id: 'bat-1', files: 3, timeline: { pending_ms: 0, running_ms: 60_000 } },
      { id: 'bat-2', files: 1, outcome: 'FAILED', created_ago_ms: 60_000 }
    ])
  })
  let cases = 0
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      cases++
      const hadFaults = app.mock.faults.list().length > 0
      const before = fingerprint(app)
      const scenarioBefore = app.mock.loaded
      const headers: Record<string, string> = {}
      if (r.contentType && r.body !== undefined) headers['content-type'] = r.contentType
      if (r.authorization !== undefined) headers.authorization = r.authorization
      const res = await app.inject({ method: r.method, url: r.query ? `${r.path}?${r.query}` : r.path, headers, ...(r.body !== undefined && { payload: r.body }) })
      if (!hadFaults && res.statusCode >= 500) throw new Error(`${res.statusCode} for ${r.method} ${r.path}: ${res.body.slice(0, 300)}`)
      if (res.statusCode >= 400 && r.method !== 'HEAD') {
        const parsed = JSON.parse(res.body) as { detail?: unknown }
        if (parsed.detail === undefined) throw new Error(`a ${res.statusCode} without detail: ${res.body.slice(0, 200)}`)
        const after = fingerprint(app)
        if (app.mock.loaded === scenarioBefore && (after.size !== before.size || [...after].some(([id, b]) => before.get(id) !== b))) {
          throw new Error(`a rejected ${r.method} ${r.path} changed the batches`)
        }
      }
      if ((Object.prototype as Record<string, unknown>).polluted !== undefined) throw new Error('prototype polluted')
      // Keep the world usable for the next case: no lingering fault rules or swapped scenario.
      if (app.mock.faults.list().length > 0) app.mock.faults.clear()
      if (app.mock.loaded !== scenarioBefore) app.mock.reset()
    }),
    { seed: SEED, numRuns: RUNS }
  )
  const followUp = await app.inject({ method: 'GET', url: '/api/v2/batches/bat-2?expand=results', headers: AUTH })
  t.equal(followUp.statusCode, 200, 'a valid request still answers correctly afterwards')
  t.equal(followUp.json().status, 'FAILED')
  t.comment(`${cases} fuzz cases, seed ${SEED}`)
})
