import t from 'tap'
import { readFileSync } from 'node:fs'
import { advance, AUTH, build, exampleScenario, get, scenario } from '../helper.js'

const EXAMPLE_ID = 'bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const example = JSON.parse(readFileSync(new URL('../../fixtures/example-batch.json', import.meta.url), 'utf8'))

t.test('the default scenario serves the documented example verbatim', async (t) => {
  const app = await build(t, { scenario: 'default' })
  const expanded = await get(app, `/api/v2/batches/${EXAMPLE_ID}?expand=results`)
  t.equal(expanded.status, 200)
  t.equal(expanded.res.body, JSON.stringify(example), 'byte for byte, key order included')
  const plain = await get(app, `/api/v2/batches/${EXAMPLE_ID}`)
  t.same(plain.body, { ...example, results: null }, 'without expand, results is null')
})

t.test('every key is always present', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-1', outcome: 'PENDING', files: 2 }]) })
  const { body } = await get(app, '/api/v2/batches/bat-1?expand=results')
  t.same(Object.keys(body), ['id', 'project_id', 'source_directory_id', 'config', 'status', 'created_at', 'updated_at', 'results'])
  t.equal(body.results, null)
  t.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
})

t.test('expand: repeatable, unknown values ignored', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  const both = await get(app, `/api/v2/batches/${EXAMPLE_ID}?expand=string&expand=results`)
  t.equal(both.body.results.length, 1)
  const unknown = await get(app, `/api/v2/batches/${EXAMPLE_ID}?expand=string&expand=string`)
  t.equal(unknown.status, 200)
  t.equal(unknown.body.results, null)
  const tooMany = await get(app, `/api/v2/batches/${EXAMPLE_ID}?${'expand=x&'.repeat(17)}`)
  t.equal(tooMany.status, 422)
  t.same(tooMany.body.detail[0].loc, ['query', 'expand'])
})

t.test('per-file errors and the lifecycle walked by the manual clock', async (t) => {
  const app = await build(t, {
    scenario: scenario([
      {
        id: 'bat-walk',
        outcome: 'COMPLETED',
        timeline: { pending_ms: 1000, running_ms: 2000 },
        files: [{ id: 'dfl-a', name: 'a.pdf' }, { id: 'dfl-b', name: 'b.exe', error: "Unsupported file type '.exe' for b.exe" }]
      }
    ])
  })
  const read = () => get(app, '/api/v2/batches/bat-walk?expand=results').then((r) => r.body)
  let b = await read()
  t.equal(b.status, 'PENDING')
  t.equal(b.results, null)
  await advance(app, 999)
  t.equal((await read()).status, 'PENDING', 'one ms before RUNNING')
  await advance(app, 1)
  b = await read()
  t.equal(b.status, 'RUNNING')
  t.equal(b.results, null, 'null while RUNNING by default')
  t.equal(b.updated_at, '2026-01-01T00:00:01.000Z')
  await advance(app, 1999)
  t.equal((await read()).results, null)
  await advance(app, 1)
  b = await read()
  t.equal(b.status, 'COMPLETED')
  t.equal(b.updated_at, '2026-01-01T00:00:03.000Z')
  t.same(b.results, [
    { source_directory_file_id: 'dfl-a', job_reference: { type: 'parse_v2', id: b.results[0].job_reference.id }, error_message: null },
    { source_directory_file_id: 'dfl-b', job_reference: null, error_message: "Unsupported file type '.exe' for b.exe" }
  ])
  t.match(b.results[0].job_reference.id, /^pjb-[0-9a-f-]{36}$/)
})

t.test('partial results while RUNNING and after FAILED', async (t) => {
  const app = await build(t, {
    scenario: scenario([
      { id: 'bat-p', outcome: 'COMPLETED', files: 4, file_error_rate: 0, timeline: { pending_ms: 0, running_ms: 4000 }, results_while_running: 'partial' },
      { id: 'bat-f', outcome: 'FAILED', files: 4, fail_after_files: 2, timeline: { pending_ms: 0, running_ms: 4000 }, results_when_failed: 'partial' }
    ])
  })
  await advance(app, 2000)
  const p = (await get(app, '/api/v2/batches/bat-p?expand=results')).body
  t.equal(p.status, 'RUNNING')
  t.equal(p.results.length, 2)
  t.equal(p.updated_at, '2026-01-01T00:00:02.000Z', 'the last mapping shown')
  await advance(app, 10000)
  const f = (await get(app, '/api/v2/batches/bat-f?expand=results')).body
  t.equal(f.status, 'FAILED')
  t.equal(f.results.length, 2)
})

t.test('unknown ids, bad input, unknown routes and methods', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  const missing = await get(app, '/api/v2/batches/bat-00000000-0000-0000-0000-000000000000')
  t.equal(missing.status, 404)
  t.same(missing.body, { detail: 'Batch not found' })

  const badUuid = await get(app, `/api/v2/batches/${EXAMPLE_ID}?project_id=not-a-uuid`)
  t.equal(badUuid.status, 422)
  t.same(badUuid.body, { detail: [{ type: 'uuid_parsing', loc: ['query', 'project_id'], msg: 'Input should be a valid UUID', input: 'not-a-uuid' }] })
  const badOrg = await get(app, `/api/v2/batches/${EXAMPLE_ID}?organization_id=%00`)
  t.equal(badOrg.status, 422)
  t.same(badOrg.body.detail[0].loc, ['query', 'organization_id'])

  const longId = await get(app, `/api/v2/batches/${'x'.repeat(300)}`)
  t.equal(longId.status, 414, 'an over-long id is refused, not searched for')
  t.same(longId.body, { detail: 'Path parameter too long' })
  const badEncoding = await get(app, '/api/v2/batches/%E0%A4%A')
  t.same([badEncoding.status, badEncoding.body], [400, { detail: 'Malformed URL: invalid percent-encoding' }])

  const route = await get(app, '/api/v2/nothing-here')
  t.same([route.status, route.body], [404, { detail: 'Not Found' }])
  const method = await app.inject({ method: 'DELETE', url: `/api/v2/batches/${EXAMPLE_ID}`, headers: AUTH })
  t.equal(method.statusCode, 405)
  t.same(method.json(), { detail: 'Method Not Allowed' })
  t.equal(method.headers.allow, 'GET')
})

t.test('project_id and organization_id narrow', async (t) => {
  const app = await build(t, {
    scenario: scenario([{ id: 'bat-x', project_id: 'prj-11111111-1111-4111-8111-111111111111', files: 1 }], {
      projects: [{ id: 'prj-11111111-1111-4111-8111-111111111111', organization_id: 'org-22222222-2222-4222-8222-222222222222' }]
    })
  })
  const url = '/api/v2/batches/bat-x'
  t.equal((await get(app, `${url}?project_id=11111111-1111-4111-8111-111111111111`)).status, 200, 'bare uuid matches prj-<uuid>')
  t.equal((await get(app, `${url}?project_id=prj-11111111-1111-4111-8111-111111111111`)).status, 200, 'so does the prefixed id')
  t.equal((await get(app, `${url}?project_id=33333333-3333-4333-8333-333333333333`)).status, 404)
  t.equal((await get(app, `${url}?organization_id=22222222-2222-4222-8222-222222222222`)).status, 200)
  t.equal((await get(app, `${url}?organization_id=44444444-4444-4444-8444-444444444444`)).status, 404)
})

// FastAPI's routes answer the methods they declare: a HEAD of a GET route is a 405 there (APIRoute
// adds no HEAD), not a GET without its body. A HEAD must not read as a poll either: it would step
// a batch that progresses by polls (and publish its events) without the client seeing the step.
t.test('HEAD of an API route is 405 with Allow, as FastAPI answers it, and is no poll', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-p1', files: 2, progression: 'polls', polls_per_step: 1 }]) })
  for (const [url, allow] of [
    ['/api/v2/batches/bat-p1', 'GET'],
    ['/api/v2/batches/bat-p1?expand=results', 'GET'],
    ['/api/v2/batches', 'GET, POST'],
    ['/api/v2/batches/bat-p1/cancel', 'POST'],
    ['/api/v1/beta/directories', 'GET, POST'],
    ['/api/v2/parse', 'GET'],
    ['/api/v1/beta/webhook-configs', 'GET, POST']
  ] as const) {
    for (let i = 0; i < 2; i++) {
      const head = await app.inject({ method: 'HEAD', url, headers: AUTH })
      t.equal(head.statusCode, 405, `HEAD ${url}: 405`)
      t.equal(head.headers.allow, allow, `HEAD ${url}: Allow ${allow}`)
      t.equal(head.body, '', 'no body')
    }
  }
  const inspected = (await get(app, '/_mock/batches/bat-p1')).body
  t.equal(inspected.polls, 0, 'the HEADs were not polls')
  const first = await get(app, '/api/v2/batches/bat-p1')
  t.equal(first.body.status, 'PENDING', 'the first GET shows the first step')
  const journal = (await get(app, '/_mock/requests?method=HEAD')).body.requests as { status: number; matched: boolean }[]
  t.equal(journal.length, 14, 'each HEAD journaled')
  t.ok(journal.every((r) => r.status === 405 && r.matched === false), 'as a 405 no route served')
})
