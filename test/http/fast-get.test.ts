// The fast path for `GET /api/v2/batches/{id}` and list pages (src/http/fast-get.ts) answers exactly what
// Fastify's pipeline answers: the same traffic, sent byte for byte over real sockets to a mock with
// it and one without (`fastPath: false`), gets the same status line, headers (but Date) and body,
// and leaves the same journal and the same poll counts — over known, unknown and another tenant's
// ids, polls batches, list pages and tokens, queries, odd paths and methods, missing and wrong keys, Prefer, httpx's
// empty JSON body, HTTP/1.0, fault rules on and off, and the clock moving.
import t, { type Test } from 'tap'
import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp, type MockOptions } from '../../src/app.js'
import { AUTH, comparable, EXAMPLE_ID, listening, exampleScenario, rawAnswer as send, rawExchange, scenario, START, START_MS } from '../helper.js'
import { startMock } from '../../src/index.js'
import { listenAlso } from '../../src/http/bindings.js'

const A = 'prj-aaaaaaaa-0000-4000-8000-000000000000'
const B = 'prj-bbbbbbbb-0000-4000-8000-000000000000'

function world() {
  return scenario(
    [
      { id: 'bat-a1', project_id: A, files: 3, timeline: { pending_ms: 1000, running_ms: 6000 } },
      { id: 'bat-a2', project_id: A, files: 2, outcome: 'FAILED' as const, created_at: new Date(START_MS - 5000).toISOString(), timeline: { pending_ms: 0, running_ms: 4000 } },
      { id: 'bat-b1', project_id: B, files: 1, timeline: { pending_ms: 2000, running_ms: 2000 } },
      { id: 'bat-p1', project_id: A, files: 2, progression: 'polls' as const, polls_per_step: 2 },
      { id: 'bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', project_id: B, files: 4 }
    ],
    { api_keys: [{ key: 'key-a', project_id: A }, { key: 'key-b', project_id: B }] }
  )
}

/** A mock of this world on port 0 (manual clock), closed with the test. */
const listen = (t: Test, opts: MockOptions) => listening(t, { clock: 'manual', startTime: START, scenario: world(), journalSize: 5000, ...opts })

const LONG = `bat-${'x'.repeat(124)}`

t.test('the same traffic gets the same answers, journal and poll counts with and without the fast path', async (t) => {
  const fast = await listen(t, {})
  const slow = await listen(t, { fastPath: false })
  const both = async (raw: string, head = false) => {
    const [f, s] = await Promise.all([send(fast.port, raw, head), send(slow.port, raw, head)])
    return { f, s }
  }
  const control = async (method: string, url: string, payload?: object) => {
    for (const { app } of [fast, slow]) {
      const res = await app.inject({ method: method as 'POST', url, ...(payload && { payload }) })
      t.ok(res.statusCode < 300, `${method} ${url}`)
    }
  }

  const ids = ['bat-a1', 'bat-a2', 'bat-b1', 'bat-p1', 'bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 'bat-unknown', LONG, `${LONG}y`, 'bat-a1.json', 'BAT-A1']
  const paths = (id: string) => [
    `/api/v2/batches/${id}`,
    `/api/v2/batches/${id}?expand=results`,
    `/api/v2/batches/${id}?project_id=${A}`,
    `/api/v2/batches/${id}/`,
    `/api/v2/batches/${encodeURIComponent(id).replace(/^b/, '%62')}`,
    `/API/v2/batches/${id}`,
    `//api/v2/batches/${id}`
  ]
  const auths = ['authorization: Bearer key-a\r\n', 'authorization: Bearer key-b\r\n', '', 'authorization: Bearer nope\r\n', 'authorization: Basic a2V5LWE=\r\n', 'authorization: bearer   key-a  \r\n']
  const extras = [
    '',
    'content-type: application/json\r\ncontent-length: 0\r\n',
    'prefer: code=503\r\n',
    'prefer: code=200\r\n',
    'connection: close\r\n',
    'accept: */*\r\nuser-agent: python-httpx/0.28.1\r\nx-api-key: secret-value-1234567\r\n',
    'content-length: 5\r\n\r\nhello'
  ]
  let sent = 0
  const one = async (method: string, path: string, auth: string, extra: string, version = '1.1') => {
    const bodyFirst = extra.includes('\r\n\r\n')
    const raw = `${method} ${path} HTTP/${version}\r\nhost: mock\r\n${auth}${bodyFirst ? extra : `${extra}\r\n`}`
    const { f, s } = await both(raw, method === 'HEAD')
    t.equal(comparable(f), comparable(s), `${method} ${path} ${JSON.stringify(auth + extra)} HTTP/${version}`)
    sent++
  }

  for (let round = 0; round < 3; round++) {
    for (const id of ids) {
      for (const [i, path] of paths(id).entries()) {
        await one('GET', path, auths[(i + round) % auths.length] as string, extras[(i + round) % extras.length] as string)
      }
      // Every key and every odd header on the plain path.
      for (const auth of auths) await one('GET', `/api/v2/batches/${id}`, auth, '')
      for (const extra of extras) await one('GET', `/api/v2/batches/${id}`, auths[round % 2] as string, extra)
      await one('HEAD', `/api/v2/batches/${id}`, auths[0] as string, '')
      await one('POST', `/api/v2/batches/${id}`, auths[0] as string, 'content-type: application/json\r\ncontent-length: 0\r\n')
      await one('GET', `/api/v2/batches/${id}`, auths[1] as string, '', '1.0')
    }
    // List pages: plain, paged through with a token (the same on both: same seed), and the
    // queries the fast path leaves to Fastify.
    for (const [k, auth] of auths.entries()) {
      if ((k + round) % 2 === 1) continue
      const first = await both(`GET /api/v2/batches?page_size=2 HTTP/1.1\r\nhost: mock\r\n${auths[0]}\r\n`)
      t.equal(comparable(first.f), comparable(first.s), 'the first page, for its token')
      const token = (/"next_page_token":"([^"]+)"/.exec(first.f) ?? [])[1] ?? 'none'
      const lists = [
        '/api/v2/batches',
        '/api/v2/batches?page_size=2',
        `/api/v2/batches?page_size=2&page_token=${token}`,
        `/api/v2/batches?page_size=3&page_token=${token}`,
        `/api/v2/batches?page_token=${token}&page_size=2`,
        '/api/v2/batches?page_size=2&page_token=bm9wZQ.bm9wZQ',
        '/api/v2/batches?page_size=100',
        '/api/v2/batches?page_size=0',
        '/api/v2/batches?page_size=101',
        '/api/v2/batches?page_size=05',
        '/api/v2/batches?',
        '/api/v2/batches/',
        '/api/v2/batches?page_size=2&status=RUNNING',
        `/api/v2/batches?page_size=2&project_id=${A}`
      ]
      for (const [i, path] of lists.entries()) await one('GET', path, auth, extras[(i + k + round) % extras.length] as string)
      await one('GET', '/api/v2/batches?page_size=2', auth, '')
    }
    // The rules' counts agree too: every request either path saw was matched alike.
    const faults = async (app: FastifyInstance) => (await app.inject({ url: '/_mock/faults' })).body
    t.equal(await faults(fast.app), await faults(slow.app), `round ${round}: the same fault rules and counts`)
    // Fault rules on: some that match some of these requests (an exact path, a glob under a
    // header condition, a list rule by probability, one for another method), and ones whose path
    // matches none of them (1,000 such rules cost the fast path nothing); then none.
    if (round === 0) {
      await control('POST', '/_mock/faults', { method: 'GET', path: '/api/v2/batches/bat-a1', status: 503 })
      await control('POST', '/_mock/faults', { path: '/api/v2/batches/*', header: { name: 'x-api-key' }, status: 500 })
      await control('POST', '/_mock/faults', { method: 'GET', path: '/api/v2/batches', probability: 0.5, status: 429, retry_after: 1 })
      await control('POST', '/_mock/faults', { method: 'POST', path: '/api/v2/batches/bat-b1', status: 500 })
    }
    if (round === 1) {
      await control('DELETE', '/_mock/faults')
      await control('POST', '/_mock/faults', { method: 'GET', path: '/api/v2/never/**', status: 500 })
      await control('POST', '/_mock/faults', { path: '/api/v2/batches/bat-never', status: 500 })
      await control('POST', '/_mock/faults', { path: '/api/v2/batches/*/cancel', times: 1, status: 500 })
    }
    if (round === 2) await control('DELETE', '/_mock/faults')
    await control('POST', '/_mock/clock/advance', { ms: 1700 })
  }
  // A last round with no rule, every batch ended: plain and expanded answers, polled again.
  await control('POST', '/_mock/clock/advance', { ms: 60_000 })
  for (const id of ids) {
    for (let i = 0; i < 3; i++) {
      await one('GET', '/api/v2/batches?page_size=3', `authorization: Bearer key-${i === 2 ? 'b' : 'a'}\r\n`, '')
      await one('GET', `/api/v2/batches/${id}`, 'authorization: Bearer key-a\r\n', '')
      await one('GET', `/api/v2/batches/${id}?expand=results`, `authorization: Bearer key-${i === 2 ? 'b' : 'a'}\r\n`, '')
    }
  }
  t.ok(sent > 300, `${sent} requests compared`)

  // The journals: every request, the same fields (but wall times), the same headers and bodies.
  const journal = async (app: FastifyInstance) => {
    const entries = ((await app.inject({ url: '/_mock/requests' })).json() as { requests: { id: string }[] }).requests
    const whole = []
    for (const e of entries) {
      const one = (await app.inject({ url: `/_mock/requests/${e.id}` })).json() as Record<string, unknown>
      const { time: _t, duration_ms: _d, ...rest } = one
      whole.push(rest)
    }
    return whole
  }
  const [jf, js] = [await journal(fast.app), await journal(slow.app)]
  // Paths outside /api (`//api/…`, `/API/…`) are not journaled, by either.
  t.ok(jf.length > sent / 2, `the journal holds the /api requests (${jf.length} of ${sent})`)
  t.same(jf, js, 'the same journal entries, headers and bodies')
  // Poll counts and every batch's state, as the control plane shows them.
  const state = async (app: FastifyInstance) => (await app.inject({ url: '/_mock/batches?page_size=500' })).body
  t.equal(await state(fast.app), await state(slow.app), 'the same batches and poll counts')
})

t.test('a request in flight when close() starts is answered with connection: close, by either path', async (t) => {
  for (const fastPath of [true, false]) {
    const app = await buildApp({ clock: 'manual', startTime: START, scenario: world(), fastPath })
    let closed = false
    t.teardown(() => (closed ? undefined : app.close()))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    // Held by a delay rule (the fast path leaves faulted traffic to Fastify), let go at close.
    const rule = await app.inject({ method: 'POST', url: '/_mock/faults', payload: { method: 'GET', path: '/api/v2/batches/bat-a1', delay_ms: 60_000 } })
    t.equal(rule.statusCode, 200)
    const held = send(port, 'GET /api/v2/batches/bat-a1 HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n\r\n')
    // A kept-alive request answered before the close says keep-alive.
    const before = await send(port, 'GET /api/v2/batches/bat-a2 HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n\r\n')
    t.match(before, /\r\nconnection: keep-alive\r\n/i, `fastPath ${fastPath}: keep-alive before the close`)
    while (app.journal.size === 0 || (await app.inject({ url: '/_mock/faults' })).json().faults[0].matched === 0) await new Promise((r) => setImmediate(r))
    await app.close()
    closed = true
    const answer = await held
    t.match(answer, /^HTTP\/1\.1 200 /, `fastPath ${fastPath}: the held request is answered`)
    t.match(answer, /\r\nconnection: close\r\n/i, `fastPath ${fastPath}: with connection: close`)
  }
})

// Bytes Node cannot parse after a request (data after `connection: close`, a malformed line) end the
// connection with a 400 (error-handler.ts clientErrorHandler). Fastify had answered the requests read
// before them: those answers are sent (one queued behind another too), then the 400 unless an answer
// closed the connection; a fast answer waiting for the end of the turn, or Fastify's to a create the
// fast path read, as well.
t.test('bytes that end the connection after pipelined requests: their answers are sent first, by either path', async (t) => {
  const fast = await listen(t, {})
  const slow = await listen(t, { fastPath: false })
  const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n${extra}\r\n`
  const create = (body: string, extra = '') => `POST /api/v2/batches HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\ncontent-type: application/json\r\n${extra}content-length: ${body.length}\r\n\r\n${body}`
  const cases: [string, string, string[]][] = [
    ['data after connection: close', get('/api/v2/batches/bat-a1', 'connection: close\r\n') + get('/api/v2/batches/bat-a1'), ['200']],
    ['a malformed line after two', get('/api/v2/batches/bat-a1') + get('/api/v2/batches?page_size=1') + 'NOT HTTP\r\n\r\n', ['200', '200', '400']],
    // A fast GET, a create that is not JSON (read by the fast path, answered by Fastify: 422, the
    // connection kept), a create asking to close, then more.
    ['a replayed create between', get('/api/v2/batches?page_size=1') + create('{"config":') + create(JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' }), 'connection: close\r\n') + get('/api/v2/batches/bat-a1'), ['200', '422', '200']],
    ['an HTTP/1.0 request, then more', 'GET /api/v2/batches/bat-a2 HTTP/1.0\r\nauthorization: Bearer key-a\r\n\r\n' + get('/api/v2/batches/bat-a1'), ['200']]
  ]
  for (const [what, raw, statuses] of cases) {
    const [f, s] = await Promise.all([rawExchange(fast.port, raw), rawExchange(slow.port, raw)])
    t.same([...f.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => m[1]), statuses, `${what}: the answers, then a 400 if the connection was still open`)
    t.equal(comparable(f), comparable(s), `${what}: the same bytes`)
  }
})

// The same bytes behind an answer still being made (a fault rule delays it): that answer is the
// client's to its own request, and the 400 (or the close a later request asked for) comes after it.
// The 400 was written at once, where the client reads the delayed request's answer, and the answers
// to the requests between (a create made, unanswered) were lost.
t.test('bytes that end the connection behind an answer still being made: it is sent first, by either path', async (t) => {
  const fast = await listen(t, {})
  const slow = await listen(t, { fastPath: false })
  for (const { app } of [fast, slow]) t.equal((await app.inject({ method: 'POST', url: '/_mock/faults', payload: { method: 'GET', path: '/api/v2/batches/bat-a2', delay_ms: 50 } })).statusCode, 200)
  const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n${extra}\r\n`
  const body = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-late' })
  const create = (extra = '') => `POST /api/v2/batches HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\ncontent-type: application/json\r\n${extra}content-length: ${body.length}\r\n\r\n${body}`
  const cases: [string, string, string[]][] = [
    ['a malformed line', get('/api/v2/batches/bat-a2') + 'NOT HTTP\r\n\r\n', ['200', '400']],
    ['a fast GET, then a malformed line', get('/api/v2/batches/bat-a2') + get('/api/v2/batches/bat-a1') + 'NOT HTTP\r\n\r\n', ['200', '200', '400']],
    ['a create asking to close, then more', get('/api/v2/batches/bat-a2') + create('connection: close\r\n') + get('/api/v2/batches/bat-a1'), ['200', '200']]
  ]
  for (const [what, raw, statuses] of cases) {
    const [f, s] = await Promise.all([rawExchange(fast.port, raw), rawExchange(slow.port, raw)])
    t.same([...f.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => m[1]), statuses, `${what}: the delayed answer first`)
    t.equal(comparable(f), comparable(s), `${what}: the same bytes`)
  }
})

// Node answers pipelined requests in order: an answer the fast path writes behind one Fastify is
// still working on waits, and is journaled when it is sent (as Fastify's onResponse journals), not
// before the one ahead of it.
t.test('pipelined requests are journaled in the order they are answered, by either path', async (t) => {
  const fast = await listen(t, {})
  const slow = await listen(t, { fastPath: false })
  const get = (path: string, key: string, last = false) => `GET ${path} HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer ${key}\r\n${last ? 'connection: close\r\n' : ''}\r\n`
  // Fast, Fastify's (another tenant's batch: 404; an unknown id), fast, and a list page last.
  const raw = [get('/api/v2/batches/bat-a1', 'key-a'), get('/api/v2/batches/bat-b1', 'key-a'), get('/api/v2/batches/bat-a2', 'key-a'), get('/api/v2/batches/bat-nope', 'key-a'), get('/api/v2/batches?page_size=2', 'key-a', true)].join('')
  const pipelined = (port: number) => rawExchange(port, raw)
  const [f, s] = await Promise.all([pipelined(fast.port), pipelined(slow.port)])
  t.equal(comparable(f), comparable(s), 'the same five answers, in order')
  t.same(
    [...f.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]),
    ['200', '404', '200', '404', '200']
  )
  const journal = async (app: FastifyInstance) => ((await app.inject({ url: '/_mock/requests' })).json() as { requests: { path: string; query: string; status: number }[] }).requests.map((r) => `${r.status} ${r.path}?${r.query}`)
  const [jf, js] = [await journal(fast.app), await journal(slow.app)]
  t.equal(jf.length, 5, 'five entries')
  t.same(jf, js, 'the same journal order')
})

// The list page cache and the GET answers follow every change of state, in every mode: a cancel,
// a create, an injected batch, a clock move, a reset and a scenario swap between polls, with keys
// (two tenants and a stranger), in compat mode, and with auth off.
t.test('list pages and GETs stay the same as Fastify through cancels, creates, resets and scenario swaps, in every mode', async (t) => {
  for (const variant of [{ mode: 'compat' as const }, { auth: false }]) {
    const fast = await listen(t, variant)
    const slow = await listen(t, { ...variant, fastPath: false })
    const name = JSON.stringify(variant)
    const both = async (path: string, key: string) => {
      const raw = `GET ${path} HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer ${key}\r\n\r\n`
      const [f, s] = await Promise.all([send(fast.port, raw), send(slow.port, raw)])
      t.equal(comparable(f), comparable(s), `${name} GET ${path} as ${key}`)
      return f
    }
    const control = async (method: 'POST', url: string, payload?: object) => {
      for (const { app } of [fast, slow]) {
        const res = await app.inject({ method, url, headers: { authorization: 'Bearer key-a' }, ...(payload && { payload }) })
        t.ok(res.statusCode < 300, `${name} ${method} ${url}: ${res.statusCode}`)
      }
    }
    const round = async () => {
      for (const key of ['key-a', 'key-b']) {
        const first = await both('/api/v2/batches?page_size=1', key)
        const token = /"next_page_token":"([^"]+)"/.exec(first)?.[1]
        await both('/api/v2/batches', key)
        if (token !== undefined) {
          await both(`/api/v2/batches?page_size=1&page_token=${token}`, key)
          await both(`/api/v2/batches?page_size=2&page_token=${token}`, key)
          // Another tenant's token: not one issued for its query.
          await both(`/api/v2/batches?page_size=1&page_token=${token}`, key === 'key-a' ? 'key-b' : 'key-a')
        }
        for (const id of ['bat-a1', 'bat-p1', 'bat-b1']) await both(`/api/v2/batches/${id}`, key)
        await both('/api/v2/batches?page_size=3', key)
      }
    }
    await round()
    await control('POST', '/api/v2/batches/bat-a1/cancel')
    await round()
    await control('POST', '/api/v2/batches', { source_directory_id: 'dir-1', config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } } })
    await round()
    await control('POST', '/_mock/clock/advance', { ms: 1500 })
    await control('POST', '/_mock/batches', { id: 'bat-new', project_id: A, files: 1 })
    await round()
    await control('POST', '/_mock/reset')
    await round()
    await control('POST', '/_mock/scenario', { scenario: { ...world(), seed: 9, batches: [{ id: 'bat-a1', project_id: B, files: 1 }, { id: 'bat-p1', project_id: A, files: 5 }] } })
    await round()
    const state = async (app: FastifyInstance) => (await app.inject({ url: '/_mock/batches?page_size=500' })).body
    t.equal(await state(fast.app), await state(slow.app), `${name}: the same batches and poll counts`)
    t.match(await state(fast.app), /"id":"bat-a1","project_id":"prj-bbbbbbbb/, `${name}: the swapped scenario is in force`)
  }
})

// Fastify binds every address of a host name itself, but not with a server factory: the mock
// binds the others (listenAlso), each a server made like the first. 127.0.0.2 stands in for
// the second address of `localhost` (::1 where it resolves to both), on any Linux loopback.
t.test('a second address listens as the first: fast path, Fastify, closed with the app', async (t) => {
  const mock = await startMock({ scenario: exampleScenario() })
  let closed = false
  t.teardown(() => (closed ? undefined : mock.close()))
  await listenAlso(mock.app, mock.app.makeServer, '127.0.0.2', mock.port)
  const second = `http://127.0.0.2:${mock.port}`
  const one = await fetch(`${second}/api/v2/batches/${EXAMPLE_ID}`, { headers: AUTH })
  t.equal(one.status, 200, 'a batch, on the second address')
  t.equal(((await one.json()) as { id: string }).id, EXAMPLE_ID)
  const missing = await fetch(`${second}/api/v2/batches/bat-missing`, { headers: AUTH })
  t.equal(missing.status, 404, "an unknown one: Fastify's answer")
  const journal = (await (await fetch(`${mock.url}/_mock/requests?last=2`)).json()) as { requests: { path: string; status: number }[] }
  t.same(journal.requests.map((r) => r.status), [200, 404], 'both journaled by the one mock')
  await mock.close()
  closed = true
  await t.rejects(fetch(`${second}/api/v2/batches/${EXAMPLE_ID}`, { headers: AUTH }), 'closed with the app')
})

// Node's close() stops the check that enforces the request timeout: a client that had sent half a
// request head held close() for good (on either address). Now close() ends every connection with
// no answer in progress at once, on the first address and the second, and waits for the second's
// as for the first's.
t.test("close() ends idle and half-sent connections on both addresses, and does not hang", async (t) => {
  const mock = await startMock({ scenario: exampleScenario() })
  let closed = false
  t.teardown(() => (closed ? undefined : mock.close()))
  await listenAlso(mock.app, mock.app.makeServer, '127.0.0.2', mock.port)
  const open = (host: string, data: string) =>
    new Promise<{ ended: Promise<string> }>((resolve, reject) => {
      const socket = connect(mock.port, host, () => {
        socket.write(data)
        let got = ''
        socket.on('data', (d) => (got += d.toString('latin1')))
        resolve({ ended: new Promise((r) => socket.on('close', () => r(got))) })
      })
      socket.once('error', reject)
      t.teardown(() => socket.destroy())
    })
  const whole = `GET /api/v2/batches/${EXAMPLE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH.authorization}\r\n\r\n`
  const sockets = {
    'idle, first address': await open('127.0.0.1', whole),
    'idle, second address': await open('127.0.0.2', whole),
    'half a head, first address': await open('127.0.0.1', 'GET /api/v2/batches HTTP/1.1\r\nHost: x\r\n'),
    'half a head, second address': await open('127.0.0.2', 'POST /api/v2/batches HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n')
  }
  // The idle ones have had their answers (kept alive); the others have sent half their heads.
  t.equal((await fetch(`${mock.url}/_mock/health`)).status, 200)
  // A regression hangs here for good: a bound, so that it fails rather than times out.
  const bound = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000).unref())
  t.equal(await Promise.race([mock.close().then(() => 'closed'), bound]), 'closed', 'close() resolves')
  closed = true
  for (const [what, socket] of Object.entries(sockets)) {
    const got = await Promise.race([socket.ended, bound])
    t.not(got, 'hung', `${what}: closed`)
    if (what.startsWith('idle')) t.match(got, /^HTTP\/1\.1 200 /, `${what}: had its answer first`)
  }
  await t.rejects(fetch(`http://127.0.0.2:${mock.port}/_mock/health`), 'the second address no longer listens')
})
