import t, { type Test } from 'tap'
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { build, rawExchange } from '../helper.js'
import type { Journal, JournalFilter } from '../../src/traffic/journal.js'

// A journal of 20,000 entries, filled through the library API (journal.record) rather than
// 20,000 requests. Each URL is ~1 KiB, so the whole answer (~25 MB) is far more than a
// socket's buffers hold: a client that stops reading stops the walk. The answer's bytes are
// compared on 25,000 entries with short URLs (~6 MB): past one turn's walk of 20,000, for less.
const SIZE = 20_000
const METHODS = ['GET', 'POST', 'DELETE', 'PATCH']
const STATUSES = [200, 404, 422, 401]
const PAD = 'x'.repeat(960)

function fill(journal: Journal, from: number, count: number, pad = PAD): void {
  for (let n = from; n < from + count; n++) {
    journal.record({
      time: 1_767_225_600_000 + n,
      mockTime: 1_767_225_600_000 + 2 * n,
      method: METHODS[n % 4] as string,
      url: `/api/v2/${n % 3 === 0 ? 'parse' : 'batches'}/bat-${n}?n=${n}&pad=${pad}`,
      status: STATUSES[n % 4] as number,
      durationMs: n / 8,
      matched: n % 5 !== 0,
      fault: n % 7 === 0 ? `rule-${n}` : null,
      delayMs: n % 11 === 0 ? 25 : null,
      connection: n % 13 === 0 ? 'reset' : null
    })
  }
}

async function filled(t: Test, size = SIZE, pad = PAD): Promise<FastifyInstance> {
  const app = await build(t, { journalSize: size })
  fill(app.journal, 1, size, pad)
  return app
}

/** Counts the journal's forward walk steps (each builds at most one piece of the answer). */
function countScans(journal: Journal): { calls: number } {
  const counter = { calls: 0 }
  const scan = journal.scan.bind(journal)
  journal.scan = (...args) => {
    counter.calls++
    return scan(...args)
  }
  return counter
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

async function listen(t: Test, app: FastifyInstance): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = []
  app.server.on('connection', (socket: Socket) => sockets.push(socket))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as AddressInfo).port, sockets }
}

function open(port: number, path = '/_mock/requests'): Promise<{ res: IncomingMessage; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => resolve({ res, destroy: () => req.destroy() }))
    req.on('error', reject)
    req.end()
  })
}

const ids = (body: { requests: { id: string }[] }): number[] => body.requests.map((r) => Number(r.id.slice(4)))
const KEYS = ['id', 'time', 'mock_time', 'method', 'path', 'query', 'status', 'duration_ms', 'matched', 'fault', 'delay_ms', 'connection']

t.test('a large answer is the same JSON, byte for byte, as the whole answer built at once', async (t) => {
  const BIG = 25_000
  const app = await filled(t, BIG, '')
  const whole = await app.inject({ method: 'GET', url: '/_mock/requests' })
  const body = whole.json()
  t.same([body.count, body.requests.length, body.capacity, body.total], [BIG, BIG, BIG, BIG])
  t.same(ids(body).slice(0, 3), [1, 2, 3], 'oldest first')
  t.match(body.requests[BIG - 1], { id: `req-${BIG}`, method: 'GET', path: `/api/v2/batches/bat-${BIG}`, status: 200, matched: false, fault: null, delay_ms: null, connection: null })
  t.match(body.requests[12], { id: 'req-13', method: 'POST', path: '/api/v2/batches/bat-13', query: 'n=13&pad=', status: 404, duration_ms: 13 / 8, connection: 'reset', mock_time: new Date(1_767_225_600_026).toISOString() })
  t.equal(whole.headers['content-type'], 'application/json; charset=utf-8')
  // The journal's own `entries` (the library API, what the route answered in one piece before).
  const since = new Date(1_767_225_600_000 + 20_000).toISOString()
  t.equal(whole.body, JSON.stringify({ requests: app.journal.entries(), count: BIG, capacity: BIG, total: BIG }), 'the whole journal')
  const cases: [string, JournalFilter, number | undefined][] = [
    ['last=5', {}, 5],
    ['last=1500', {}, 1500],
    ['last=24999&method=get', { method: 'get' }, 24_999],
    // 6,000 of the 6,250 POSTs: the walk back finds 5,000 in its first turn's 20,000 entries (the
    // last it looks at, req-5001, one of them), the rest in the next.
    ['last=6000&method=POST', { method: 'POST' }, 6000],
    ['method=POST', { method: 'POST' }, undefined],
    ['path_prefix=/api/v2/parse/bat-1', { path_prefix: '/api/v2/parse/bat-1' }, undefined],
    ['status=422&matched=false&last=700', { status: 422, matched: false }, 700],
    [`since=${since}`, { since: Date.parse(since) }, undefined],
    // None match: turns that find nothing write nothing, then the end.
    ['method=PUT', { method: 'PUT' }, undefined],
    ['last=3&method=PUT', { method: 'PUT' }, 3]
  ]
  for (const [query, filter, last] of cases) {
    const res = await app.inject({ method: 'GET', url: `/_mock/requests?${query}` })
    const entries = app.journal.entries(filter, last)
    t.equal(res.body, JSON.stringify({ requests: entries, count: entries.length, capacity: BIG, total: BIG }), `?${query}: ${entries.length} entries`)
  }
  // 990 entries, one in 20: the walk back looks at ~19,800 to find where they start, so they
  // are not also gathered in that turn (another ~20,000 looked at): the answer is streamed.
  const sparse = await app.inject({ method: 'GET', url: '/_mock/requests?last=990&status=422&matched=false' })
  t.same([sparse.json().count, sparse.headers['content-length']], [990, undefined], 'a turn looks at 20,000 entries at most, walking back and forth')
  t.ok((await app.inject({ method: 'GET', url: '/_mock/requests?last=25' })).headers['content-length'], 'a short walk is one write')
  t.same((await app.inject({ method: 'GET', url: '/_mock/requests?count=true&method=POST' })).json(), { count: BIG / 4, capacity: BIG, total: BIG })
  // Node drops a HEAD's body whatever is written, so the walk is what tells: one step (the first piece), no more.
  const scans = countScans(app.journal)
  const head = await app.inject({ method: 'HEAD', url: '/_mock/requests' })
  await turns(30)
  t.same([head.statusCode, head.body, head.headers['content-type']], [200, '', 'application/json; charset=utf-8'])
  t.equal(scans.calls, 1, 'a HEAD walks no further than the first piece')
})

t.test('on a socket the answer comes in pieces; a client like httpx (Content-Type: application/json, no body) reads it', async (t) => {
  const app = await filled(t, SIZE, '')
  const { port } = await listen(t, app)
  const { res } = await open(port, '/_mock/requests?path_prefix=/api/v2/batches')
  let pieces = 0
  let text = ''
  res.setEncoding('utf8')
  for await (const chunk of res) {
    pieces++
    text += chunk
  }
  t.equal(res.headers['transfer-encoding'], 'chunked')
  t.ok(pieces > 2, `${pieces} data events`)
  const body = JSON.parse(text)
  t.equal(body.count, body.requests.length)
  t.equal(body.count, app.journal.entries({ path_prefix: '/api/v2/batches' }).length)
  const raw = await rawExchange(port, 'GET /_mock/requests?last=3000 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n')
  const split = raw.indexOf('\r\n\r\n')
  t.match(raw.slice(0, split), /^HTTP\/1\.1 200 OK\r\n[^]*transfer-encoding: chunked/i)
  const rawBody = JSON.parse(dechunk(raw.slice(split + 4)))
  t.equal(rawBody.count, 3000)
  t.same([ids(rawBody)[0], ids(rawBody).at(-1)], [SIZE - 2999, SIZE])
})

t.test('entries recorded or cleared during the stream: the answer stays whole JSON of the entries held when it came', async (t) => {
  const app = await filled(t)
  const { port } = await listen(t, app)
  const scans = countScans(app.journal)

  // A reader that stops: the walk stops with it (backpressure), well short of the 20 pieces.
  const { res } = await open(port)
  const chunks: Buffer[] = []
  res.on('data', (chunk: Buffer) => chunks.push(chunk))
  await new Promise((resolve) => res.once('data', resolve))
  res.pause()
  await turns(50)
  const paused = scans.calls
  await turns(50)
  t.equal(scans.calls, paused, 'a paused reader: no more walking')
  t.ok(paused < SIZE / 1000, `${paused} pieces walked of ${SIZE / 1000}`)
  // 19,999 more requests overwrite req-1..req-19999 (the walk was at most at req-19000): what was
  // sent stays, the rest of those is skipped, and the new ones are newer than the answer's snapshot.
  fill(app.journal, SIZE + 1, SIZE - 1)
  res.resume()
  await new Promise((resolve) => res.on('end', resolve))
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const got = ids(body)
  t.equal(body.count, got.length)
  t.equal(body.total, SIZE, 'total as the request found it')
  t.ok(body.requests.every((r: object) => Object.keys(r).join() === KEYS.join()), 'each entry whole')
  const sent = got.length - 1
  t.ok(sent >= 1000 && sent <= SIZE - 1000, `${sent} were sent before the overwrite`)
  t.same(got, [...Array.from({ length: sent }, (_, k) => k + 1), SIZE], 'then the one entry of the snapshot still held, nothing newer')

  // A clear mid-stream ends the answer where it was: still whole JSON.
  const second = await open(port)
  const parts: Buffer[] = []
  second.res.on('data', (chunk: Buffer) => parts.push(chunk))
  await new Promise((resolve) => second.res.once('data', resolve))
  second.res.pause()
  t.equal((await app.inject({ method: 'DELETE', url: '/_mock/requests' })).statusCode, 204)
  fill(app.journal, 1, 10)
  second.res.resume()
  await new Promise((resolve) => second.res.on('end', resolve))
  const cleared = JSON.parse(Buffer.concat(parts).toString('utf8'))
  t.equal(cleared.count, cleared.requests.length)
  t.ok(cleared.count >= 1000 && cleared.count < SIZE, `${cleared.count} entries sent before the clear`)
  t.same(ids(cleared), Array.from({ length: cleared.count }, (_, k) => SIZE + k), 'the oldest held then, in order, none recorded after')
})

// A walk whose turns find nothing goes on by itself, no reader asking (journal-stream.ts): only
// the client's leaving stops it, the answer's stream or the count's. 300,000 short entries, one
// match, the oldest: 15 turns of 20,000 entries each, most of them after the client has left.
t.test('a client that goes away mid-walk stops it: a stream, a count', async (t) => {
  const SPARSE = 300_000
  const TURNS = SPARSE / 20_000
  const app = await build(t, { journalSize: SPARSE })
  app.journal.record({ time: 0, mockTime: 0, method: 'PUT', url: '/only', status: 200, durationMs: 1, matched: true, fault: null })
  const entry = { time: 0, mockTime: 0, method: 'GET', url: '/x', status: 200, durationMs: 1, matched: true, fault: null }
  for (let n = 2; n <= SPARSE; n++) app.journal.record(entry)
  const { port, sockets } = await listen(t, app)
  /** Resolves once the server's end of its `n`th connection has closed. */
  const closedAtServer = async (n: number): Promise<void> => {
    const server = sockets[n] as Socket
    if (!server.destroyed) await new Promise((resolve) => server.once('close', resolve))
  }

  const scans = countScans(app.journal)
  const { res, destroy } = await open(port, '/_mock/requests?method=PUT')
  await new Promise((resolve) => res.once('data', resolve))
  destroy()
  await closedAtServer(0)
  await turns(5)
  const stopped = scans.calls
  await turns(50)
  t.equal(scans.calls, stopped, 'no walking after the client left')
  t.ok(stopped < TURNS - 3, `${stopped} turns walked of ${TURNS}`)

  let tallies = 0
  let first: () => void = () => {}
  const started = new Promise<void>((resolve) => (first = resolve))
  const tally = app.journal.tally.bind(app.journal)
  app.journal.tally = (...args) => {
    tallies++
    first()
    return tally(...args)
  }
  const counting = request({ host: '127.0.0.1', port, path: '/_mock/requests?count=true&method=PUT', agent: false })
  counting.on('error', () => {})
  counting.end()
  t.teardown(() => counting.destroy())
  await started
  counting.destroy()
  await closedAtServer(1)
  await turns(5)
  const counted = tallies
  await turns(50)
  t.equal(tallies, counted, 'no counting after the client left')
  t.ok(counted < TURNS - 3, `${counted} turns counted of ${TURNS}`)
})

t.test('count=true counts a slice a turn; path_prefix answers as the decoded path compares', async (t) => {
  const app = await build(t, { journalSize: 30_000 })
  // 1,025 bytes: kept as its first 1,023 (no character is cut); a lone surrogate is kept as U+FFFD.
  const cut = `/api/v2/${'a'.repeat(1015)}é`
  const urls = (n: number): string => [`/api/v2/batches/bat-${n}`, `/api/v2/dossiers/é${n}?q=é`, `/api/v2/x?y=${n}`, cut, `/api/v2/lone/\uD800${n}`][n % 5] as string
  for (let n = 0; n < 30_000; n++) app.journal.record({ time: n, mockTime: n, method: 'GET', url: urls(n), status: 200, durationMs: 1, matched: true, fault: null })
  const count = async (query: string) => (await app.inject({ method: 'GET', url: `/_mock/requests?count=true&${query}` })).json()
  // Each slice is counted in a turn of its own: what was queued during one runs before the next.
  let tallies = 0
  const between: boolean[] = []
  let ran = false
  const tally = app.journal.tally.bind(app.journal)
  app.journal.tally = (...args) => {
    between.push(ran)
    ran = false
    setImmediate(() => (ran = true))
    tallies++
    return tally(...args)
  }
  t.same(await count(''), { count: 30_000, capacity: 30_000, total: 30_000 }, 'over two slices')
  t.same(between.slice(1), [true], 'the second slice in a later turn')
  // A count capped by `last` stops walking once it has that many: one slice of the two.
  tallies = 0
  t.same((await count('last=5')).count, 5)
  t.equal(tallies, 1, 'last=5: one slice walked')
  const paths = app.journal.entries().map((e) => e.path)
  const prefixes = ['/api/v2/batches/bat-1', '/api/v2/dossiers/é1', '/api/v2/x', '/api/v2/x?', '/api/', `/api/v2/${'a'.repeat(1015)}`, `/api/v2/${'a'.repeat(1015)}é`, '/api/v2/lone/\uFFFD1']
  for (const prefix of prefixes) {
    const expected = paths.filter((path) => path.startsWith(prefix)).length
    t.equal((await count(`path_prefix=${encodeURIComponent(prefix)}`)).count, expected, `${JSON.stringify(prefix.slice(0, 24))}…: ${expected}`)
    const listed = (await app.inject({ method: 'GET', url: `/_mock/requests?last=3&path_prefix=${encodeURIComponent(prefix)}` })).json()
    t.same(listed.requests.map((e: { path: string }) => e.path), paths.filter((path) => path.startsWith(prefix)).slice(-3))
  }
  t.ok(prefixes.filter((p) => paths.some((path) => path.startsWith(p))).length >= 6, 'most prefixes match something')
})

/** The body of a chunked answer. */
function dechunk(raw: string): string {
  let out = ''
  for (let at = 0; ; ) {
    const eol = raw.indexOf('\r\n', at)
    const size = parseInt(raw.slice(at, eol), 16)
    if (!(size > 0)) return out
    out += raw.slice(eol + 2, eol + 2 + size)
    at = eol + 2 + size + 2
  }
}
