import t from 'tap'
import { AUTH, build, exampleScenario, get, rawExchange } from '../helper.js'
import { JOURNAL_BODY_BYTES, Journal } from '../../src/traffic/journal.js'

t.test('the journal records /api requests, matched or not', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await get(app, '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee?expand=results')
  await get(app, '/api/v2/batches?page_size=2&status=FAILED')
  await get(app, '/api/v2/nope')
  await app.inject({ method: 'PUT', url: '/api/v2/batches', headers: AUTH })
  await get(app, '/api/v2/batches/bat-x', {})
  await get(app, '/_mock/health')
  const { body } = await get(app, '/_mock/requests')
  t.same(body.requests.map((r: { method: string; path: string; status: number; matched: boolean }) => [r.method, r.path, r.status, r.matched]), [
    ['GET', '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 200, true],
    ['GET', '/api/v2/batches', 200, true],
    ['GET', '/api/v2/nope', 404, false],
    ['PUT', '/api/v2/batches', 405, false],
    ['GET', '/api/v2/batches/bat-x', 401, true]
  ], 'the control plane is not journaled')
  const first = body.requests[0]
  t.equal(first.query, 'expand=results')
  t.match(first, { id: String, time: String, mock_time: '2026-01-01T00:00:00.000Z', duration_ms: Number, fault: null })
  t.same([body.count, body.capacity, body.total], [5, 1000, 5])
})

t.test('filters, count, clear', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await get(app, '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')
  await get(app, '/api/v2/nope')
  await app.inject({ method: 'POST', url: '/api/v2/batches', headers: AUTH, payload: {} })
  const q = async (query: string) => (await get(app, `/_mock/requests?${query}`)).body
  t.equal((await q('method=post')).requests.length, 1)
  t.equal((await q('path_prefix=/api/v2/batches')).requests.length, 2)
  t.equal((await q('status=404')).requests[0].path, '/api/v2/nope')
  t.equal((await q('matched=false')).requests.length, 1)
  t.equal((await q('since=2999-01-01T00:00:00Z')).requests.length, 0)
  t.same(await q('count=true&status=422'), { count: 1, capacity: 1000, total: 3 })
  t.equal((await get(app, '/_mock/requests?status=abc')).status, 422)
  t.equal((await app.inject({ method: 'DELETE', url: '/_mock/requests' })).statusCode, 204)
  t.same(await q('count=true'), { count: 0, capacity: 1000, total: 0 })
  // A path as httpx (or any WHATWG URL) sends `café x`: percent-encoded. The journal shows it as
  // sent, and path_prefix compares with that: its `%` is itself encoded in the query.
  await get(app, '/api/v2/batches/caf%C3%A9%20x')
  const path = (await q('')).requests[0].path
  t.equal(path, '/api/v2/batches/caf%C3%A9%20x')
  t.same([(await q(`count=true&path_prefix=${encodeURIComponent(path)}`)).count, (await q(`path_prefix=${encodeURIComponent('/api/v2/batches/caf%C3')}`)).requests.length], [1, 1], 'the path as shown matches')
  t.equal((await q('count=true&path_prefix=/api/v2/batches/caf%C3%A9')).count, 0, 'the decoded path does not')
})

// The bound is proved with a small ring wrapped many times over, not with a long soak.
t.test('a ring wrapped many times over stays at its bound', async (t) => {
  const app = await build(t, { journalSize: 7 })
  for (let i = 0; i < 1_000; i++) await app.inject({ method: 'GET', url: `/api/v2/batches/bat-${i}`, headers: AUTH })
  const { body } = await get(app, '/_mock/requests')
  t.same([body.count, body.capacity, body.total], [7, 7, 1_000])
  t.equal(body.requests[0].path, '/api/v2/batches/bat-993', 'the oldest kept is the 7th from last')
  t.equal(body.requests.at(-1).path, '/api/v2/batches/bat-999')
  // `last` walks back from the newest, across the ring's seam, filters first; `count` counts the same.
  await app.inject({ method: 'DELETE', url: '/api/v2/batches/bat-x', headers: AUTH })
  const paths = async (query: string) => (await get(app, `/_mock/requests?${query}`)).body.requests.map((r: { path: string }) => r.path)
  t.same(await paths('last=3'), ['/api/v2/batches/bat-998', '/api/v2/batches/bat-999', '/api/v2/batches/bat-x'])
  t.same(await paths('last=2&method=GET'), ['/api/v2/batches/bat-998', '/api/v2/batches/bat-999'])
  t.same(await paths('last=2&path_prefix=/api/v2/batches/bat-99'), ['/api/v2/batches/bat-998', '/api/v2/batches/bat-999'])
  t.same(await paths('last=1000000'), (await paths('')), 'a last beyond the ring answers the whole ring')
  t.same((await get(app, '/_mock/requests?count=true&last=2&method=GET')).body.count, 2)
  t.same((await get(app, '/_mock/requests?count=true&method=GET')).body.count, 6)
  t.same((await get(app, '/_mock/requests?count=true&path_prefix=/api/v2/batches/bat-99')).body.count, 6)
})

// A big --journal-size (up to 1,000,000) times ~50 KiB of headers and body an entry was ~50 GB.
t.test("the journal's headers and bodies stay under a byte budget, the oldest letting theirs go first", async (t) => {
  const budget = 1024 * 1024
  const journal = new Journal(1000, budget)
  const body = 'b'.repeat(JOURNAL_BODY_BYTES)
  const record = (n: number): void => journal.record({ time: 0, mockTime: 0, method: 'POST', url: `/api/v2/batches?n=${n}`, status: 200, durationMs: 1, matched: true, fault: null, rawHeaders: ['Authorization', `Bearer key-${n}-0000000000000`, 'X-N', String(n)], body, bodyBytes: body.length })
  for (let n = 1; n <= 500; n++) record(n)
  const shown = Array.from({ length: 500 }, (_, k) => journal.entry(`req-${k + 1}`))
  const kept = shown.filter((e) => e !== null && !e.detail_dropped)
  t.equal(shown.filter((e) => e !== null).length, 500, 'every summary stays')
  t.ok(kept.length * 2 * JOURNAL_BODY_BYTES <= budget, `${kept.length} entries keep their detail, within the budget`)
  t.ok(kept.length >= 25, 'the budget is used, not dropped wholesale')
  t.same(kept.map((e) => e?.headers['x-n']), Array.from({ length: kept.length }, (_, k) => String(500 - kept.length + 1 + k)), 'the newest keep theirs')
  const dropped = journal.entry('req-1')
  t.match(dropped, { detail_dropped: true, body: null, headers: {}, body_bytes: JOURNAL_BODY_BYTES, query: 'n=1', status: 200 })
  // A clear starts over: details are kept again.
  journal.clear()
  record(1)
  t.match(journal.entry(journal.entries().at(-1)?.id ?? ''), { detail_dropped: false, body, headers: { 'x-n': '1' } })
})

t.test('ids go on after a clear: an id seen before never names another request', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await get(app, '/api/v2/batches/bat-before-clear')
  const before = (await get(app, '/_mock/requests?last=1')).body.requests[0]
  t.equal((await app.inject({ method: 'DELETE', url: '/_mock/requests' })).statusCode, 204)
  await get(app, '/api/v2/batches/bat-after-clear')
  const after = (await get(app, '/_mock/requests?last=1')).body.requests[0]
  t.not(after.id, before.id, 'a new id')
  t.equal((await get(app, `/_mock/requests/${before.id}`)).status, 404, 'the old id is gone, not another request')
  t.equal((await get(app, `/_mock/requests/${after.id}`)).body.path, '/api/v2/batches/bat-after-clear')
  t.same((await get(app, '/_mock/requests?count=true')).body, { count: 1, capacity: 1000, total: 1 }, 'total still counts from the clear')
})

t.test('a method the journal has no slot for keeps its name (PROPFIND, QUERY), not OTHER', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  for (const method of ['PROPFIND', 'QUERY']) await rawExchange(port, `${method} /api/v2/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n`)
  const { body } = await get(app, '/_mock/requests')
  t.same(body.requests.map((r: { method: string }) => r.method), ['PROPFIND', 'QUERY'])
  t.same((await get(app, '/_mock/requests?method=propfind')).body.requests.map((r: { method: string }) => r.method), ['PROPFIND'], 'and filters by it')
  t.equal((await get(app, `/_mock/requests/${body.requests[1].id}`)).body.method, 'QUERY')
})
