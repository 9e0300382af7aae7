import t from 'tap'
import type { Test } from 'tap'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { tmpdir } from 'node:os'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { uiFolder } from '../../src/http/ui-routes.js'
import { redactBody } from '../../src/traffic/journal.js'
import { cpuTimed } from '../cpu-time.js'
import { advance, build, get, post, scenario, START, START_MS } from '../helper.js'

// What a user sees of the mock: the journal whole (headers, body), every project's batches with
// their timelines, and the per-request debug line.

const A = 'prj-11111111-1111-4111-8111-111111111111'
const B = 'prj-22222222-2222-4222-8222-222222222222'
const KEY_A = 'llx-secret-alpha-7f3e'
const KEY_B = 'llx-secret-bravo-91c2'
const TIMELINE = { pending_ms: 1000, throttled_ms: 2000, running_ms: 3000 }
const world = scenario(
  [
    { id: 'bat-a1', project_id: A, files: 2, created_at: START, timeline: TIMELINE },
    { id: 'bat-a2', project_id: A, files: 1, created_at: new Date(START_MS - 60_000).toISOString(), timeline: { pending_ms: 3_600_000 } },
    { id: 'bat-b1', project_id: B, files: 1, created_at: new Date(START_MS - 120_000).toISOString(), progression: 'polls', polls_per_step: 1 }
  ],
  { api_keys: [{ key: KEY_A, project_id: A }, { key: KEY_B, project_id: B }] }
)
const asA = { authorization: `Bearer ${KEY_A}` }
const asB = { authorization: `Bearer ${KEY_B}` }
const iso = (ms: number): string => new Date(ms).toISOString()

t.test('the journal keeps headers (authorization redacted) and the body, cut at 16 KiB', async (t) => {
  const app = await build(t, { scenario: world, journalSize: 5 })
  const body = JSON.stringify({ source_directory_id: 'dir-x', config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } } })
  const created = await app.inject({ method: 'POST', url: '/api/v2/batches?x=1', headers: { ...asA, 'content-type': 'application/json', 'x-trace': 'one' }, payload: body })
  t.equal(created.statusCode, 200)
  const last = await get(app, '/_mock/requests?last=1', {})
  t.equal(last.body.requests.length, 1)
  t.notOk('headers' in last.body.requests[0], 'the list stays a summary')
  const id = last.body.requests[0].id as string
  const whole = await get(app, `/_mock/requests/${id}`, {})
  t.equal(whole.status, 200)
  t.equal(whole.body.path, '/api/v2/batches')
  t.equal(whole.body.query, 'x=1')
  t.equal(whole.body.headers.authorization, `Bearer …${KEY_A.slice(-4)}`, 'scheme and last 4 characters')
  t.notOk(whole.res.body.includes(KEY_A.slice(0, -4)), 'the key itself appears nowhere')
  t.equal(whole.body.headers['x-trace'], 'one')
  t.equal(whole.body.body, body, 'the body as the client sent it')
  t.equal(whole.body.body_bytes, Buffer.byteLength(body))
  t.equal(whole.body.body_truncated, false)

  // A body over 16 KiB (refused by validation, still journaled as sent): cut and marked.
  const big = JSON.stringify({ source_directory_id: 'dir-x', padding: 'é'.repeat(10_000) })
  const refused = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: { ...asA, 'content-type': 'application/json' }, payload: big })
  t.equal(refused.statusCode, 422)
  const cutId = (await get(app, '/_mock/requests?last=1', {})).body.requests[0].id
  const cut = (await get(app, `/_mock/requests/${cutId}`, {})).body
  t.equal(cut.body_truncated, true)
  t.equal(cut.body_bytes, Buffer.byteLength(big))
  t.equal(Buffer.byteLength(cut.body.replace(/\uFFFD$/, '')) <= 16 * 1024, true, 'at most 16 KiB kept')
  t.ok(big.startsWith(cut.body.replace(/\uFFFD$/, '')), 'the first 16 KiB of what was sent')

  // A GET has no body; a scheme-less or short key shows no tail.
  await app.inject({ method: 'GET', url: '/api/v2/batches/bat-zz', headers: { authorization: 'short' } })
  const bare = (await get(app, `/_mock/requests/${(await get(app, '/_mock/requests?last=1', {})).body.requests[0].id}`, {})).body
  t.equal(bare.body, null)
  t.equal(bare.body_bytes, 0)
  t.equal(bare.headers.authorization, '…')

  t.equal((await get(app, '/_mock/requests/req-999', {})).status, 404)
  t.match((await get(app, '/_mock/requests/nonsense', {})).body, { detail: /Request not found/ })
  // The ring (5) drops the oldest: the first request can no longer be shown.
  for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: '/api/v2/batches', headers: asA })
  t.equal((await get(app, `/_mock/requests/${id}`, {})).status, 404, 'dropped by the ring')
  await app.inject({ method: 'DELETE', url: '/_mock/requests' })
  t.equal((await get(app, '/_mock/requests/req-1', {})).status, 404, 'cleared')
})

t.test('the journal redacts every form of a secret a client may send: schemes, no scheme, short keys, repeats, cookies, API-key headers', async (t) => {
  const app = await build(t, { scenario: world, journalSize: 20, auth: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  // Raw bytes on a socket: a repeated header reaches the server as sent (fetch would merge it).
  const send = (headerLines: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(['GET /api/v2/batches HTTP/1.1', 'Host: 127.0.0.1', 'Connection: close', ...headerLines, '', ''].join('\r\n')))
      socket.on('data', () => {}).on('end', () => resolve()).on('error', reject)
    })
  const lastHeaders = async (): Promise<Record<string, string>> => {
    const id = (await get(app, '/_mock/requests?last=1', {})).body.requests[0].id
    return (await get(app, `/_mock/requests/${id}`, {})).body.headers
  }
  const LONG = 'llx-0123456789abcdefWXYZ'
  const cases: [string[], Record<string, string>][] = [
    [[`authorization: bearer ${LONG}`], { authorization: 'bearer …WXYZ' }],
    [['Authorization: Basic dXNlcjpwYXNzd29yZA=='], { authorization: 'Basic …ZA==' }],
    [[`Authorization: ${LONG}`], { authorization: '…WXYZ' }],
    // A first word that is no scheme may be the key itself: never shown.
    [[`Authorization: ${LONG} extra-words`], { authorization: '…ords' }],
    // 8 to 15 characters: a 4-character tail would be a third or half of the key.
    [['Authorization: Bearer abcd1234efgh'], { authorization: 'Bearer …' }],
    [['Authorization: Bearer one-key-0000000001', 'Authorization: Bearer two-key-0000000002'], { authorization: 'Bearer …0001, Bearer …0002' }],
    [[`Proxy-Authorization: Basic ${LONG}`], { 'proxy-authorization': 'Basic …WXYZ' }],
    [['Cookie: session=SECRETSESSION0000001; theme=dark'], { cookie: 'session=…; theme=…' }],
    [[`X-Api-Key: ${LONG}`, 'X-Auth-Token: tok-0123456789abcdef9999', 'X-Trace: visible'], { 'x-api-key': '…WXYZ', 'x-auth-token': '…9999', 'x-trace': 'visible' }]
  ]
  for (const [lines, expected] of cases) {
    await send(lines)
    const headers = await lastHeaders()
    t.same(Object.fromEntries(Object.keys(expected).map((k) => [k, headers[k]])), expected, lines.join(' | '))
    const shown = JSON.stringify(headers)
    for (const secret of [LONG.slice(0, -4), 'SECRETSESSION', 'dXNlcjpwYXNz', 'abcd1234', 'one-key', 'tok-0123']) t.notOk(shown.includes(secret), `${secret} appears nowhere`)
  }

  // A webhook's signing secret is write-only in the API: the journal's copy of the body does not show it either.
  const config = { webhook_url: 'http://127.0.0.1:9/hooks', webhook_signing_secret: 'whsec-do-not-show-0001' }
  const saved = await app.inject({ method: 'POST', url: '/api/v1/beta/webhook-configs', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, payload: config })
  t.equal(saved.statusCode, 200)
  const id = (await get(app, '/_mock/requests?last=1', {})).body.requests[0].id
  const whole = (await get(app, `/_mock/requests/${id}`, {})).body
  t.same(JSON.parse(whole.body), { ...config, webhook_signing_secret: '…' })
  t.equal(whole.body_bytes, Buffer.byteLength(JSON.stringify(config)), 'the size is what was sent')
  // Nested, any case, a cut body, an escaped quote; a secret-like word inside another value is text.
  t.equal(redactBody('{"a":"x","n":{"api_key":"k\\"q"},"desc":"say \\"password\\": \\"x\\"","PASSWORD" : "p'), '{"a":"x","n":{"api_key":"…"},"desc":"say \\"password\\": \\"x\\"","PASSWORD" : "…"')
  // A hostile body (16 KiB of `"secretsecret…`) is read in linear time: it cost ~65 ms of CPU a read.
  const { ms } = await cpuTimed(async () => {
    for (let i = 0; i < 10; i++) redactBody(`"${'secret'.repeat(2730)}`)
  })
  t.ok(ms < 200, `10 reads of a hostile 16 KiB body: ${ms.toFixed(1)} ms of CPU`)
})

t.test('a body the mock does not keep (a binary upload, one too big or of another type) shows its size, never its bytes', async (t) => {
  const app = await build(t, { scenario: world, maxUploadBytes: 4096 })
  const lastWhole = async (): Promise<any> => {
    const id = (await get(app, '/_mock/requests?last=1', {})).body.requests[0].id
    return (await get(app, `/_mock/requests/${id}`, {})).body
  }
  const dir = (await post(app, '/api/v1/beta/directories', { name: 'inputs' }, asA)).body.id as string
  const boundary = '----mockboundary'
  const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256))
  const upload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upload_file"; filename="scan.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    binary,
    Buffer.from(`\r\n--${boundary}--\r\n`)
  ])
  const uploaded = await app.inject({ method: 'POST', url: `/api/v1/beta/directories/${dir}/files/upload`, headers: { ...asA, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: upload })
  t.equal(uploaded.statusCode, 200)
  t.match(await lastWhole(), { status: 200, body: null, body_bytes: upload.length, body_truncated: false }, 'an upload: streamed and hashed, its size shown')
  const tooBig = JSON.stringify({ padding: 'x'.repeat(1024 * 1024) })
  t.equal((await app.inject({ method: 'POST', url: '/api/v2/batches', headers: { ...asA, 'content-type': 'application/json' }, payload: tooBig })).statusCode, 413)
  t.match(await lastWhole(), { status: 413, body: null, body_bytes: Buffer.byteLength(tooBig) })
  // A Content-Type the mock does not read: refused as FastAPI would, the body left unread.
  t.equal((await app.inject({ method: 'POST', url: '/api/v2/batches', headers: { ...asA, 'content-type': 'text/plain' }, payload: 'hello' })).statusCode, 422)
  const plain = await lastWhole()
  t.same([plain.status, plain.body, plain.body_bytes], [422, null, 5])
})

t.test("GET /_mock/batches lists every project's batches with their timelines", async (t) => {
  const app = await build(t, { scenario: world })
  const all = await get(app, '/_mock/batches', {})
  t.equal(all.status, 200)
  t.equal(all.body.now, START)
  t.same(all.body.items.map((i: any) => i.batch.id), ['bat-a1', 'bat-a2', 'bat-b1'], 'both projects, newest first')
  t.equal(all.body.next_page_token, null)
  const a1 = all.body.items[0]
  t.same(
    a1.timeline,
    [
      { status: 'PENDING', at: START, reached: true },
      { status: 'THROTTLED', at: iso(START_MS + 1000), reached: false },
      { status: 'RUNNING', at: iso(START_MS + 3000), reached: false },
      { status: 'COMPLETED', at: iso(START_MS + 6000), reached: false }
    ],
    'when it entered or will enter each status'
  )
  t.same(a1.next_transition, { status: 'THROTTLED', at: iso(START_MS + 1000) })
  t.equal(a1.batch.results, null, 'lists do not expand results')
  t.equal(a1.cancel_requested_at, null)

  t.same((await get(app, `/_mock/batches?project_id=${B}`, {})).body.items.map((i: any) => i.batch.id), ['bat-b1'])
  t.same((await get(app, '/_mock/batches?status=THROTTLED', {})).body.items, [], 'nothing is THROTTLED yet')
  await advance(app, 1500)
  const throttled = (await get(app, '/_mock/batches?status=THROTTLED', {})).body.items
  t.same(throttled.map((i: any) => [i.batch.id, i.batch.status, i.next_transition]), [['bat-a1', 'THROTTLED', { status: 'RUNNING', at: iso(START_MS + 3000) }]])

  // Pages: one batch a page, walked by token; a forged token is a 422.
  const first = (await get(app, '/_mock/batches?page_size=2', {})).body
  t.equal(first.items.length, 2)
  const second = (await get(app, `/_mock/batches?page_size=2&page_token=${encodeURIComponent(first.next_page_token)}`, {})).body
  t.same(second.items.map((i: any) => i.batch.id), ['bat-b1'])
  t.equal(second.next_page_token, null)
  t.equal((await get(app, '/_mock/batches?page_token=forged', {})).status, 422)
  t.equal((await get(app, '/_mock/batches?page_size=0', {})).status, 422)
  t.equal((await get(app, '/_mock/batches?project_id=nope', {})).status, 422)
  t.equal((await get(app, '/_mock/batches?page_size=501', {})).status, 422)

  // A cancel through the API shows as the cancel request and a new next transition.
  t.equal((await post(app, '/api/v2/batches/bat-a1/cancel', undefined, asA)).status, 200)
  const cancelled = (await get(app, '/_mock/batches/bat-a1', {})).body
  t.equal(cancelled.cancel_requested_at, iso(START_MS + 1500))
  t.same(cancelled.next_transition, { status: 'CANCELLED', at: iso(START_MS + 2000) }, "the scenario's default cancel delay (500 ms)")

  // Polls: counted on GETs through the API only; inspecting is not a GET of the batch.
  for (let i = 0; i < 2; i++) t.equal((await get(app, '/api/v2/batches/bat-b1', asB)).status, 200)
  const b1 = (await get(app, '/_mock/batches/bat-b1', {})).body
  t.equal(b1.polls, 2)
  t.equal(b1.progression, 'polls')
  t.equal((await get(app, '/_mock/batches/bat-b1', {})).body.polls, 2, 'inspecting does not count')
  // A batch that moves with the clock counts its GETs too ("is my client polling it?"); lists do not.
  for (let i = 0; i < 3; i++) t.equal((await get(app, '/api/v2/batches/bat-a2', asA)).status, 200)
  await get(app, '/api/v2/batches', asA)
  const a2 = (await get(app, '/_mock/batches/bat-a2', {})).body
  t.same([a2.progression, a2.polls, a2.batch.status], ['time', 3, 'PENDING'], 'counted, and the batch still moves with the clock only')
  t.same(b1.timeline.map((s: any) => s.reached), [true, true, false], 'two GETs, one step each: its second status is reached, not the third')
  t.equal(b1.batch.status, b1.timeline[1].status)
  t.same(b1.next_transition, { status: b1.timeline[2].status, at: b1.timeline[2].at })

  // One whole: results expanded once COMPLETED.
  await advance(app, 10_000)
  const done = (await get(app, '/_mock/batches/bat-a2', {})).body
  t.equal(done.batch.status, 'PENDING')
  t.equal((await get(app, '/_mock/batches/bat-zz', {})).status, 404)
  await post(app, '/_mock/batches', { id: 'bat-now', project_id: A, files: 3, progression: 'immediate' }, {})
  const now = (await get(app, '/_mock/batches/bat-now', {})).body
  t.equal(now.batch.status, 'COMPLETED')
  t.equal(now.batch.results.length, 3, 'results expanded')
  t.equal(now.next_transition, null)
})

t.test('the inspect routes sit behind --admin-token and answer clients we did not write', async (t) => {
  const app = await build(t, { scenario: world, adminToken: 'admin-secret' })
  t.equal((await get(app, '/_mock/batches', {})).status, 401)
  t.equal((await get(app, '/_mock/batches/bat-a1', {})).status, 401)
  t.equal((await get(app, '/_mock/requests/req-1', {})).status, 401)
  t.equal((await get(app, '/_mock/batches', { authorization: 'Bearer admin-secret' })).status, 200)
  // httpx sends Content-Type: application/json with an empty body, even on a GET; curl and Go do not.
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const raw = (path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers: { 'content-length': '0', ...headers } }, (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      req.on('error', reject).end()
    })
  const admin = { authorization: 'Bearer admin-secret', 'content-type': 'application/json' }
  const list = await raw('/_mock/batches?status=PENDING', admin)
  t.equal(list.status, 200)
  t.same(JSON.parse(list.body).items.map((i: any) => i.batch.id), ['bat-a1', 'bat-a2', 'bat-b1'])
  t.equal((await raw('/_mock/batches/bat-a1', admin)).status, 200)
  t.equal((await raw('/_mock/batches/bat-a1', { authorization: 'Bearer admin-secret' })).status, 200, 'no Content-Type either')
  t.equal((await raw('/api/v2/batches', { ...asA, 'content-type': 'application/json' })).status, 200)
  const journaled = JSON.parse((await raw('/_mock/requests?last=1', admin)).body).requests[0]
  const whole = JSON.parse((await raw(`/_mock/requests/${journaled.id}`, admin)).body)
  t.equal(whole.body, null, 'an empty body is no body')
  t.equal(whole.headers['content-type'], 'application/json')
})

/** The app's log lines, parsed, at a level. */
async function logged(t: Pick<Test, 'teardown'>, level: string) {
  const lines: any[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line))
      done()
    }
  })
  const app = await build(t, { scenario: world, logger: { level, stream } })
  return { app, lines }
}

t.test('--log-level debug: one line per /api request; info stays quiet; /_mock only at trace', async (t) => {
  const debug = await logged(t, 'debug')
  t.equal((await post(debug.app, '/_mock/faults', { id: 'slow-list', method: 'GET', path: '/api/v2/batches', status: 503 }, {})).status, 200)
  t.equal((await get(debug.app, '/api/v2/batches', asA)).status, 503)
  t.equal((await get(debug.app, '/api/v2/batches/bat-a1', asA)).status, 200)
  t.equal((await post(debug.app, '/_mock/faults', { id: 'drop', method: 'POST', path: '/api/v2/batches/*/cancel', connection: 'reset' }, {})).status, 200)
  // A reset needs a real socket (inject has none to break).
  await debug.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = debug.app.server.address() as { port: number }
  await fetch(`http://127.0.0.1:${port}/api/v2/batches/bat-a1/cancel`, { method: 'POST', headers: asA }).then(
    () => t.fail('the connection was reset'),
    () => t.pass('the client saw the reset')
  )
  const perRequest = debug.lines.filter((l) => l.url !== undefined && l.statusCode !== undefined)
  t.equal(perRequest.length, 3, 'one line per /api request (a dropped one too), none for /_mock at debug')
  t.match(perRequest[2], { statusCode: 0, fault: 'drop', msg: /^POST \/api\/v2\/batches\/bat-a1\/cancel 0 [\d.]+ ms fault drop/ }, 'status 0: nothing was answered')
  t.match(perRequest[0], { level: 20, method: 'GET', url: '/api/v2/batches', statusCode: 503, fault: 'slow-list', msg: /^GET \/api\/v2\/batches 503 [\d.]+ ms fault slow-list/ })
  t.type(perRequest[0].responseTime, 'number')
  t.match(perRequest[1], { statusCode: 200, fault: null, project: A, msg: new RegExp(`^GET /api/v2/batches/bat-a1 200 [\\d.]+ ms project ${A}$`) })

  const info = await logged(t, 'info')
  await get(info.app, '/api/v2/batches/bat-a1', asA)
  t.same(info.lines.filter((l) => l.url !== undefined), [], 'info: no per-request line')

  const trace = await logged(t, 'trace')
  await get(trace.app, '/_mock/clock', {})
  t.match(trace.lines.filter((l) => l.url === '/_mock/clock'), [{ level: 10, statusCode: 200 }], 'trace: the control plane too')
  // The dashboard's `?token=` (the admin token) and a key in a query never reach the log.
  await trace.app.inject({ url: '/_mock/ui?token=admin-secret-0001&x=1' })
  await trace.app.inject({ url: '/api/v2/batches?page_size=1&api_key=llx-query-secret-0002', headers: asA })
  const written = JSON.stringify(trace.lines)
  t.notOk(written.includes('admin-secret-0001') || written.includes('llx-query-secret-0002'), 'no secret in the log')
  t.same(trace.lines.filter((l) => l.url?.startsWith('/_mock/ui')).map((l) => [l.url, l.msg.split(' ').slice(0, 3).join(' ')]), [['/_mock/ui?token=…&x=1', 'GET /_mock/ui?token=…&x=1 200']])
  t.same(trace.lines.filter((l) => l.url?.startsWith('/api/v2/batches?')).map((l) => l.url), ['/api/v2/batches?page_size=1&api_key=…'])
})

t.test("/_mock/ui serves the dashboard's three files, without the token (they hold no data), under a strict CSP", async (t) => {
  const app = await build(t, { adminToken: 'admin-secret' })
  const page = await app.inject({ url: '/_mock/ui' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.headers['content-security-policy'], /script-src 'self'/)
  t.equal(page.headers['x-content-type-options'], 'nosniff')
  const scripts = [...page.body.matchAll(/(?:src|href)="(\/_mock\/ui\/[^"]+)"/g)].map((m) => m[1] as string)
  t.same(scripts.sort(), ['/_mock/ui/dashboard.css', '/_mock/ui/dashboard.js'], 'assets from the mock itself, no CDN')
  for (const url of scripts) t.equal((await app.inject({ url })).statusCode, 200, url)
  t.equal((await app.inject({ url: '/_mock/ui/' })).body, page.body)
  const redirect = await app.inject({ url: '/_mock' })
  t.same([redirect.statusCode, redirect.headers.location], [302, '/_mock/ui/'])
  for (const url of ['/_mock?token=admin-secret', '/_mock/?token=admin-secret']) {
    const withToken = await app.inject({ url })
    t.same([withToken.statusCode, withToken.headers.location], [302, '/_mock/ui/?token=admin-secret'], `${url}: the token goes along to the page`)
  }
  t.equal(page.headers['referrer-policy'], 'no-referrer', 'the address (which may hold ?token=) is never sent as a Referer')
  t.equal((await app.inject({ url: '/_mock/ui/../health' })).statusCode, 401, 'data stays behind the token')
  t.equal((await app.inject({ url: '/_mock/ui/secret.txt' })).statusCode, 404, 'only the three files')
  for (const url of ['/_mock/ui', '/_mock/ui/', '/_mock/ui/dashboard.css', '/_mock/ui/dashboard.js']) {
    const [head, full] = await Promise.all([app.inject({ method: 'HEAD', url }), app.inject({ url })])
    t.same([head.statusCode, head.body, head.headers['content-type'], head.headers['content-security-policy']], [200, '', full.headers['content-type'], full.headers['content-security-policy']], `HEAD ${url}: the GET without its body`)
  }
  const headRedirect = await app.inject({ method: 'HEAD', url: '/_mock' })
  t.same([headRedirect.statusCode, headRedirect.headers.location], [302, '/_mock/ui/'])
  t.match(uiFolder(), /[\\/]ui$/)
  t.equal(uiFolder(tmpdir()), null, 'no ui/ folder above: null (the page then answers 404), never a crash')
  // Bundled into someone's app: their own package.json and ui/ are not the dashboard.
  const app2 = mkdtempSync(join(tmpdir(), 'mock-host-app-'))
  t.teardown(() => rmSync(app2, { recursive: true, force: true }))
  mkdirSync(join(app2, 'ui'))
  mkdirSync(join(app2, 'dist'))
  writeFileSync(join(app2, 'package.json'), JSON.stringify({ name: 'my-app' }))
  writeFileSync(join(app2, 'ui', 'index.html'), '<p>my own page</p>')
  t.equal(uiFolder(join(app2, 'dist')), null, "another package's ui/ folder is never served")
})
