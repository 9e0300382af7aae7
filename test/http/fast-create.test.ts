// The fast path for `POST /api/v2/batches` (src/http/fast-create.ts) answers exactly what Fastify's
// pipeline answers: the same creates, sent byte for byte over real sockets to a mock with it and one
// without (`fastPath: false`), get the same status line, headers (but Date) and body — the same
// minted ids — and leave the same journal and the same batches. Over valid bodies and every way a
// body, its head or the service refuses one (each replayed to Fastify after its body was read),
// bodies sent in pieces, pipelined creates, a client gone mid-body, a full store, and close().
import t, { type Test } from 'tap'
import { connect } from 'node:net'
import diagnostics from 'node:diagnostics_channel'
import type { FastifyInstance } from 'fastify'
import type { MockOptions } from '../../src/app.js'
import { comparable, listening, rawAnswer as send, rawExchange, scenario, START } from '../helper.js'

const A = 'prj-aaaaaaaa-0000-4000-8000-000000000000'
const B = 'prj-bbbbbbbb-0000-4000-8000-000000000000'

function world() {
  return scenario(
    [
      { id: 'bat-a1', project_id: A, source_directory_id: 'dir-of-a', files: 3 },
      { id: 'bat-b1', project_id: B, source_directory_id: 'dir-of-b', files: 1 }
    ],
    { api_keys: [{ key: 'key-a', project_id: A }, { key: 'key-b', project_id: B }] }
  )
}

/** A mock of this world on port 0 (manual clock), closed with the test. */
const listen = (t: Test, opts: MockOptions) => listening(t, { clock: 'manual', startTime: START, scenario: world(), journalSize: 5000, ...opts })

const config = { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }
const good = (dir = 'dir-new') => JSON.stringify({ config, source_directory_id: dir })

/** A POST with this head and body; `length` false sends no Content-Length (a chunked body then). */
function post(path: string, headers: string, body: Buffer | string, length: number | false = Buffer.byteLength(body)): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  if (length === false) {
    const chunked = bytes.length > 0 ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n0\r\n\r\n')]) : Buffer.from('0\r\n\r\n')
    return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nhost: mock\r\n${headers}transfer-encoding: chunked\r\n\r\n`), chunked])
  }
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nhost: mock\r\n${headers}content-length: ${length}\r\n\r\n`), bytes])
}

/** The journal as the control plane shows it, every entry whole but its wall times. */
async function journal(app: FastifyInstance): Promise<Record<string, unknown>[]> {
  const entries = ((await app.inject({ url: '/_mock/requests' })).json() as { requests: { id: string }[] }).requests
  const whole = []
  for (const e of entries) {
    const { time: _t, duration_ms: _d, ...rest } = (await app.inject({ url: `/_mock/requests/${e.id}` })).json() as Record<string, unknown>
    whole.push(rest)
  }
  return whole
}

const state = async (app: FastifyInstance) => (await app.inject({ url: '/_mock/batches?page_size=500' })).body

/**
 * Two mocks of this world, with and without the fast path: `pipelined` sends both the same bytes
 * on one connection and compares what came back; `same` compares their journals and batches.
 */
async function withAndWithout(t: Test) {
  const fast = await listen(t, {})
  const slow = await listen(t, { fastPath: false })
  return {
    async pipelined(raw: Buffer, what: string): Promise<string> {
      const [f, s] = await Promise.all([rawExchange(fast.port, raw.toString('latin1')), rawExchange(slow.port, raw.toString('latin1'))])
      t.equal(comparable(f), comparable(s), what)
      return f
    },
    async same(): Promise<void> {
      t.same(await journal(fast.app), await journal(slow.app), 'the same journal, in order')
      t.equal(await state(fast.app), await state(slow.app), 'the same batches')
    }
  }
}

t.test('the same creates get the same answers, ids, journal and batches with and without the fast path', async (t) => {
  const fast = await listen(t, {})
  const slow = await listen(t, { fastPath: false })
  let sent = 0
  let made = 0
  const both = async (raw: (string | Buffer)[], what: string, pauseMs = 0) => {
    const [f, s] = await Promise.all([send(fast.port, raw, false, pauseMs), send(slow.port, raw, false, pauseMs)])
    t.equal(comparable(f), comparable(s), what)
    sent++
    if (f.startsWith('HTTP/1.1 200 ')) made++
    return f
  }
  const json = 'content-type: application/json\r\n'
  const auths = ['authorization: Bearer key-a\r\n', 'authorization: Bearer key-b\r\n', '', 'authorization: Bearer nope\r\n', 'authorization: bearer   key-a  \r\n']
  const types = [json, '', 'content-type: application/json; charset=utf-8\r\n', 'content-type: application/json;charset=utf-8\r\n', 'content-type: APPLICATION/JSON\r\n', 'content-type: application/vnd.api+json\r\n', 'content-type: text/plain\r\n', 'content-type: \r\n', 'content-type: application/x-www-form-urlencoded\r\n']
  const bodies: [string, Buffer | string][] = [
    ['valid', good()],
    ['over another directory', good('dir-other')],
    ['with httpx spacing', '{"config": {"job": {"type": "parse_v2", "configuration_id": "cfg-PARSE_AGENTIC"}}, "source_directory_id": "dir-spaced"}'],
    ['extract_v2', JSON.stringify({ config: { job: { type: 'extract_v2', configuration_id: 'cfg-x' } }, source_directory_id: 'dir-new' })],
    ['with extra keys', JSON.stringify({ config, source_directory_id: 'dir-new', extra: [1, 2, { deep: true }] })],
    ['unicode ids', JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-été-✓' } }, source_directory_id: 'dir-日本' })],
    // Escapes the answer's serializer must write as Fastify's does: a lone surrogate, controls, U+2028, an emoji.
    ['escaped ids', '{"config":{"job":{"type":"parse_v2","configuration_id":"cfg-\\ud800-\\u0000-\\u001f-\\"-\\\\"}},"source_directory_id":"dir-\\u2028-\\ud83d\\ude00-\\udfff"}'],
    ['a BOM first', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good())])],
    ['webhook ids null', JSON.stringify({ config, source_directory_id: 'dir-new', webhook_configuration_ids: null, webhook_configurations: null })],
    ['an unknown saved webhook', JSON.stringify({ config, source_directory_id: 'dir-new', webhook_configuration_ids: ['whc-nope'] })],
    ["another project's directory", good('dir-of-b')],
    ['an empty directory id', JSON.stringify({ config, source_directory_id: '' })],
    ['a long directory id', good(`dir-${'x'.repeat(300)}`)],
    ['no config', JSON.stringify({ source_directory_id: 'dir-new' })],
    ['a bad job type', JSON.stringify({ config: { job: { type: 'nope', configuration_id: 'c' } }, source_directory_id: 'dir-new' })],
    ['a number for the directory', JSON.stringify({ config, source_directory_id: 42 })],
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['not JSON', '{"config":'],
    ['trailing garbage', `${good()}x`],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"config":{"job":{"type":"parse_v2","configuration_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from(`"}},"source_directory_id":"dir-new"}`)])],
    ['too deep', `${'['.repeat(70)}${']'.repeat(70)}`],
    ['too deep in objects', `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`],
    ['as deep as allowed', `${'{"a":'.repeat(63)}[1]${'}'.repeat(63)}`],
    ['too deep and not JSON', '['.repeat(70)],
    ['__proto__', JSON.stringify({ config, source_directory_id: 'dir-new' }).replace('{', '{"__proto__":{"x":1},')]
  ]
  for (let round = 0; round < 2; round++) {
    for (const [i, [what, body]] of bodies.entries()) {
      // Every body with the SDK's head; then the heads and keys rotate over it.
      await both([post('/api/v2/batches', `${auths[0]}${json}`, body)], `${what}, the SDK's head`)
      await both([post('/api/v2/batches', `${auths[(i + round) % auths.length]}${types[(i + round) % types.length]}`, body)], `${what}, head ${i + round}`)
    }
    const body = good()
    for (const auth of auths) await both([post('/api/v2/batches', `${auth}${json}`, body)], `key ${JSON.stringify(auth)}`)
    for (const type of types) await both([post('/api/v2/batches', `${auths[0]}${type}`, body)], `type ${JSON.stringify(type)}`)
    const head = `${auths[0]}${json}`
    await both([post('/api/v2/batches', head, body, false)], 'a chunked body')
    await both([post('/api/v2/batches', head, '', 0)], 'an empty body')
    await both([post(`/api/v2/batches?project_id=${A}`, head, body)], 'a project query')
    await both([post(`/api/v2/batches?project_id=${B}`, head, body)], "another project's query")
    await both([post('/api/v2/batches?', head, body)], 'an empty query')
    await both([post('/api/v2/batches/', head, body)], 'a trailing slash')
    await both([post('/api/v2/batches', `${head}prefer: code=429\r\n`, body)], 'Prefer 429')
    await both([post('/api/v2/batches', `${head}prefer: code=200\r\n`, body)], 'Prefer 200')
    await both([post('/api/v2/batches', `${head}connection: close\r\n`, body)], 'connection: close')
    await both([post('/api/v2/batches', `${head}expect: 100-continue\r\n`, body)], 'Expect: 100-continue')
    const big = JSON.stringify({ config, source_directory_id: 'dir-new', pad: 'x'.repeat(70 * 1024) })
    await both([post('/api/v2/batches', head, big)], 'a body past the limit')
    const padded = JSON.stringify({ config, source_directory_id: 'dir-new', pad: 'y'.repeat(60 * 1024) })
    await both([post('/api/v2/batches', head, padded)], 'a large body within the limit (journaled in part)')
    // At the journal's 16 KiB: the fast path journals the text it parsed, Fastify the bytes' first
    // 16 KiB as text; the same for a body of exactly 16 KiB, one whose '✓' is cut at 16 KiB, a BOM.
    const prefix = `{"config":${JSON.stringify(config)},"source_directory_id":"dir-new","pad":"`
    const padTo = (at: number, tail: string) => `${prefix}${'z'.repeat(at - prefix.length)}${tail}"}`
    const bom = Buffer.from([0xef, 0xbb, 0xbf])
    for (const [what, edge] of [['16 KiB', padTo(16 * 1024 - 2, '')], ["a '✓' cut at 16 KiB", padTo(16 * 1024 - 1, '✓')], ['a BOM and 16 KiB', Buffer.concat([bom, Buffer.from(padTo(16 * 1024 - 5, ''))])]] as const) {
      await both([post('/api/v2/batches', head, edge)], `a body of ${what}`)
    }
    // A body in pieces, the head alone first: read as it comes.
    const whole = post('/api/v2/batches', head, good('dir-slow'))
    const split = whole.indexOf('\r\n\r\n') + 4
    await both([whole.subarray(0, split), whole.subarray(split, split + 10), whole.subarray(split + 10)], 'a body in three pieces', 5)
    // Fault rules on: one for this path (the fast path leaves it to Fastify), one for another; then none.
    const control = async (method: 'POST' | 'DELETE', url: string, payload?: object) => {
      for (const { app } of [fast, slow]) t.ok((await app.inject({ method, url, ...(payload && { payload }) })).statusCode < 300, `${method} ${url}`)
    }
    if (round === 0) {
      await control('POST', '/_mock/faults', { method: 'POST', path: '/api/v2/batches', probability: 0.5, status: 503 })
      await control('POST', '/_mock/faults', { method: 'GET', path: '/api/v2/batches/*', status: 500 })
      for (let k = 0; k < 6; k++) await both([post('/api/v2/batches', head, body)], `under a fault rule, ${k}`)
      await control('DELETE', '/_mock/faults')
    }
    await control('POST', '/_mock/clock/advance', { ms: 1500 })
  }
  t.ok(made > 30 && sent - made > 60, `${sent} creates compared, ${made} made`)
  const [jf, js] = [await journal(fast.app), await journal(slow.app)]
  t.equal(jf.length, sent, 'every create journaled')
  t.same(jf, js, 'the same journal entries, headers and bodies')
  t.equal(await state(fast.app), await state(slow.app), 'the same batches')
})

// Node answers pipelined requests in order: creates the fast path makes, between ones Fastify
// answers, leave in order and are journaled in that order.
t.test('pipelined creates are answered and journaled in order, by either path', async (t) => {
  const mocks = await withAndWithout(t)
  const head = 'authorization: Bearer key-a\r\ncontent-type: application/json\r\n'
  const raw = Buffer.concat([
    post('/api/v2/batches', head, good('dir-p1')),
    post('/api/v2/batches', head, '{"config":1}'),
    // Bytes that are not JSON, read whole: 422, and the connection stays (as uvicorn's).
    post('/api/v2/batches', head, '{"config":'),
    post('/api/v2/batches', head, good('dir-p2')),
    Buffer.from('GET /api/v2/batches?page_size=3 HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n\r\n'),
    post('/api/v2/batches', `${head}connection: close\r\n`, good('dir-of-b'))
  ])
  const f = await mocks.pipelined(raw, 'the same six answers, in order')
  t.same([...f.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ['200', '422', '422', '200', '200', '404'])
  await mocks.same()
})

// Node writes `100 Continue` when it reads the head that asks for it; behind a pipelined answer not
// yet sent, it waits in the response's buffer. An answer made then must follow it, not go before it
// (Node puts a head it sends with a Buffer body FIRST in that buffer: the 100 then landed between
// the fast path's head and body, a corrupt stream).
t.test('pipelined requests that ask for 100 Continue get it before their answer, by either path', async (t) => {
  const mocks = await withAndWithout(t)
  const head = 'authorization: Bearer key-a\r\ncontent-type: application/json\r\n'
  const expect = 'expect: 100-continue\r\n'
  const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n${extra}\r\n`
  const raw = Buffer.concat([
    Buffer.from(get('/api/v2/batches/bat-a1')),
    post('/api/v2/batches', `${head}${expect}`, good('dir-e1')),
    post('/api/v2/batches', `${head}${expect}`, good('dir-e2')),
    Buffer.from(get('/api/v2/batches/bat-a1', expect)),
    post('/api/v2/batches', `${head}${expect}`, '{"config":1}'),
    Buffer.from(get('/api/v2/batches?page_size=1', `${expect}connection: close\r\n`))
  ])
  const f = await mocks.pipelined(raw, 'the same bytes')
  t.same([...f.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ['200', '100', '200', '100', '200', '100', '200', '100', '422', '100', '200'], 'each 100 before its answer')
  await mocks.same()
})

// An answer that closes the connection (here a 422 to bytes that are not JSON, from a client that
// asked to close) ends it before the requests pipelined behind it are answered: those are neither
// sent nor journaled, whichever path made their answers (the fast ones are made after the
// connection went).
t.test('requests pipelined behind an answer that closes the connection are not journaled, by either path', async (t) => {
  const mocks = await withAndWithout(t)
  const head = 'authorization: Bearer key-a\r\ncontent-type: application/json\r\n'
  const get = 'GET /api/v2/batches/bat-a1 HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n\r\n'
  const raws = [
    Buffer.concat([post('/api/v2/batches', `${head}connection: close\r\n`, '{"config":'), post('/api/v2/batches', 'authorization: Bearer nope\r\n', '{}'), Buffer.from(get)]),
    Buffer.concat([post('/api/v2/batches', `${head}connection: close\r\n`, '{"config":'), post('/api/v2/batches', 'authorization: Bearer nope\r\n', '{}'), post('/api/v2/batches', head, good('dir-late')), Buffer.from(get)])
  ]
  for (const raw of raws) t.same([...(await mocks.pipelined(raw, 'the same bytes')).matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ['422'], 'the first answer is the last')
  // Only what was sent is journaled.
  await mocks.same()
})

t.test('a client gone mid-body, a full store and close() are met as Fastify meets them', async (t) => {
  const head = 'authorization: Bearer key-a\r\ncontent-type: application/json\r\n'
  await t.test('gone mid-body: nothing made, the same journal', async (t) => {
    const fast = await listen(t, {})
    const slow = await listen(t, { fastPath: false })
    for (const { app, port } of [fast, slow]) {
      const whole = post('/api/v2/batches', head, good())
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(whole.subarray(0, whole.length - 8), () => setTimeout(() => socket.destroy(), 20)))
        socket.on('close', () => resolve())
        socket.on('error', reject)
      })
      // The server meets the close in its own time.
      for (let i = 0; i < 50 && (await state(app)).includes('dir-new') === false && app.journal.size === 0; i++) await new Promise((r) => setTimeout(r, 5))
      await new Promise((r) => setTimeout(r, 30))
      t.notMatch(await state(app), /dir-new/, 'no batch made')
    }
    t.same(await journal(fast.app), await journal(slow.app), 'the same journal')
    // Both still serve.
    for (const { port } of [fast, slow]) t.match(await send(port, [post('/api/v2/batches', head, good())]), /^HTTP\/1\.1 200 /)
  })

  await t.test('a full store: 429 from the service, after the body was read', async (t) => {
    const fast = await listen(t, { maxBatches: 3 })
    const slow = await listen(t, { maxBatches: 3, fastPath: false })
    const statuses: string[] = []
    for (let i = 0; i < 3; i++) {
      const raw = [post('/api/v2/batches', head, good(`dir-${i}`))]
      const [f, s] = await Promise.all([send(fast.port, raw), send(slow.port, raw)])
      t.equal(comparable(f), comparable(s), `create ${i}`)
      statuses.push(f.slice(9, 12))
    }
    t.same(statuses, ['200', '429', '429'], 'the store holds two scenario batches and one more')
    t.same(await journal(fast.app), await journal(slow.app), 'the same journal')
  })

  // Fastify's hooks look at a request when its head comes: its arrival on the mock's clock, the
  // fault rules, the key. A create the fast path reads and then leaves to Fastify is met with what
  // they found then, not with what changed while its body came.
  const changes: [string, (app: FastifyInstance) => Promise<unknown>][] = [
    ['the clock moved', (app) => app.inject({ method: 'POST', url: '/_mock/clock/advance', payload: { ms: 5000 } })],
    ['a fault rule added', (app) => app.inject({ method: 'POST', url: '/_mock/faults', payload: { method: 'POST', path: '/api/v2/batches', status: 503 } })],
    ['the keys replaced', (app) => app.inject({ method: 'POST', url: '/_mock/scenario', payload: { scenario: { api_keys: [{ key: 'key-b', project_id: B }] } } })]
  ]
  for (const [what, change] of changes) await t.test(`${what} while a body came: not seen by the replay`, async (t) => {
    const fast = await listen(t, {})
    const slow = await listen(t, { fastPath: false })
    const answers: string[] = []
    for (const { app, port } of [fast, slow]) {
      const whole = post('/api/v2/batches', `${head}connection: close\r\n`, '{"config":1}')
      const split = whole.length - 3
      answers.push(
        comparable(
          await new Promise<string>((resolve, reject) => {
            let got = ''
            const socket = connect(port, '127.0.0.1', () =>
              socket.write(whole.subarray(0, split), () =>
                setTimeout(() => void change(app).then(() => socket.write(whole.subarray(split)), reject), 20)
              )
            )
            socket.on('data', (d) => (got += d.toString('latin1')))
            socket.on('close', () => resolve(got))
            socket.on('error', reject)
          })
        )
      )
    }
    t.match(answers[0], /^HTTP\/1\.1 422 /, 'the 422 its body earns')
    t.equal(answers[0], answers[1], 'the same answer with and without the fast path')
    t.same(await journal(fast.app), await journal(slow.app), 'the same journal (its mock time, no fault)')
  })

  // Fastify answers 503 to requests that START while it closes; one whose head came before is
  // answered as usual, whatever its body (a 422, a 404, a 400 too, not only a 200).
  const bodies: [string, string][] = [
    ['a valid body', good()],
    ['a body the schema refuses', '{"config":1}'],
    ["another project's directory", good('dir-of-b')],
    ['bytes that are not JSON', '{"config":']
  ]
  for (const [what, body] of bodies) await t.test(`close() while a body comes (${what}): answered as Fastify answers it`, async (t) => {
    const answers: string[] = []
    for (const fastPath of [true, false]) {
      // Closed by the test itself; the teardown too if it fails on the way.
      const { app, port } = await listening(t, { clock: 'manual', startTime: START, scenario: world(), fastPath })
      const whole = post('/api/v2/batches', head, body)
      const split = whole.length - 5
      let rest: () => void = () => {}
      const answer = new Promise<string>((resolve, reject) => {
        let got = ''
        const socket = connect(port, '127.0.0.1', () => socket.write(whole.subarray(0, split)))
        rest = () => socket.write(whole.subarray(split))
        socket.on('data', (d) => (got += d.toString('latin1')))
        socket.on('close', () => resolve(got))
        socket.on('error', reject)
      })
      while (app.server.listening && (await new Promise<number>((r) => app.server.getConnections((_e, n) => r(n)))) === 0) await new Promise((r) => setTimeout(r, 2))
      await new Promise((r) => setTimeout(r, 20))
      const closed = app.close()
      await new Promise((r) => setTimeout(r, 20))
      rest()
      await closed
      answers.push(comparable(await answer))
    }
    t.match(answers[0], /^HTTP\/1\.1 \d{3} /, 'answered')
    t.equal(answers[0], answers[1], 'the same answer with and without the fast path')
  })

  // Several creates mid-body at close(), one of them (not the newest nor the oldest) done before:
  // each still coming is handed to Fastify once, and answered as Fastify answers it. Bodies Fastify
  // refuses show a create left out (Fastify's 503 for a request started after close) or handed
  // over twice (two answers on one response).
  await t.test('close() while three bodies come, one done before: each answered once, as Fastify answers it', async (t) => {
    const runs: string[][] = []
    for (const fastPath of [true, false]) {
      // Closed by the test itself; the teardown too if it fails on the way.
      const { app, port } = await listening(t, { clock: 'manual', startTime: START, scenario: world(), fastPath })
      const connections = ['{"config":1}', good('dir-middle'), '{"config":'].map((body) => {
        const whole = post('/api/v2/batches', head, body)
        const split = whole.length - 4
        let socket: ReturnType<typeof connect> | null = null
        const answer = new Promise<string>((resolve, reject) => {
          let got = ''
          socket = connect(port, '127.0.0.1', () => (socket as ReturnType<typeof connect>).write(whole.subarray(0, split)))
          t.teardown(() => socket?.destroy())
          socket.on('data', (d) => (got += d.toString('latin1')))
          socket.on('close', () => resolve(got))
          socket.on('error', reject)
        })
        return { answer, rest: () => socket?.write(whole.subarray(split)) }
      })
      const open = () => new Promise<number>((r) => app.server.getConnections((_e, n) => r(n)))
      while ((await open()) < 3) await new Promise((r) => setTimeout(r, 2))
      await new Promise((r) => setTimeout(r, 20))
      // The middle one ends first, and is answered before close().
      ;(connections[1] as { rest: () => void }).rest()
      let made = false
      for (let i = 0; i < 100 && !(made = (await state(app)).includes('dir-middle')); i++) await new Promise((r) => setTimeout(r, 2))
      t.ok(made, `${fastPath ? 'fast path' : 'Fastify'}: the middle create made before close()`)
      const closed = app.close()
      await new Promise((r) => setTimeout(r, 20))
      for (const c of [connections[0], connections[2]]) c?.rest()
      await closed
      runs.push((await Promise.all(connections.map((c) => c.answer))).map(comparable))
    }
    const [fast, slow] = runs as [string[], string[]]
    t.same(fast.map((a) => [...a.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])), [['422'], ['200'], ['422']], 'one answer each: 422, 200, 422')
    t.same(fast, slow, 'the same answers with and without the fast path')
  })

  // A create read whole whose answer waits behind a held one (a fault delay on the GET before it),
  // then the client goes: the batch is made once, by either path, and neither answer is journaled.
  // (Its request, read to its end, is destroyed then without an error: the listeners the fast path
  // leaves attached hear nothing more.)
  await t.test('gone after its whole body, its answer behind a held one: made once, journaled as Fastify does', async (t) => {
    const fast = await listen(t, {})
    const slow = await listen(t, { fastPath: false })
    for (const { app, port } of [fast, slow]) {
      const rule = await app.inject({ method: 'POST', url: '/_mock/faults', payload: { method: 'GET', path: '/api/v2/batches/bat-a1', delay_ms: 60_000 } })
      t.ok(rule.statusCode < 300, rule.body)
      const raw = Buffer.concat([Buffer.from('GET /api/v2/batches/bat-a1 HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n\r\n'), post('/api/v2/batches', head, good('dir-held'))])
      const socket = connect(port, '127.0.0.1', () => socket.write(raw))
      const gone = new Promise<void>((resolve) => socket.on('close', () => resolve()))
      socket.on('error', () => {})
      for (let i = 0; i < 100 && !(await state(app)).includes('dir-held'); i++) await new Promise((r) => setTimeout(r, 2))
      t.match(await state(app), /dir-held/, 'the create was made')
      socket.destroy()
      await gone
      const open = () => new Promise<number>((r) => app.server.getConnections((_e, n) => r(n)))
      while ((await open()) > 0) await new Promise((r) => setTimeout(r, 2))
      await new Promise((r) => setTimeout(r, 20))
      t.equal((await state(app)).split('dir-held').length - 1, 1, 'made once')
    }
    t.same(await journal(fast.app), await journal(slow.app), 'the same journal')
    t.equal(await state(fast.app), await state(slow.app), 'the same batches')
  })
})

t.test('a seed mints the ids it minted before: batches by either path, and directories', async (t) => {
  // Taken from 616f01f (the ids a user's recorded fixtures hold): a seed's creates must keep
  // minting them, whatever builds the id's text. They cover the uuid variants 8, 9, a and b.
  const minted: Record<number, string[]> = {
    1: ['bat-35869fd6-ffd1-44ab-ad3e-2dd816d3f185', 'bat-8370c957-36b0-41d3-a705-31801ebb4fab', 'bat-f5a588f2-6f2e-4c97-b4ed-31da3cffa046', 'dir-7b574110-2df0-44d9-b90a-40cf4d63bd0d'],
    42: ['bat-072a581e-be64-43da-8319-6b80861b8672', 'bat-82b12f2a-6490-4d8c-acee-2fa746d298e2', 'bat-04981210-0c16-4595-9553-2d71332f1581', 'dir-98459ce2-8a9e-4fbc-862e-742e02a10b38']
  }
  const create = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-1' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })
  const idOf = (answer: string): string => (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { id: string }).id
  for (const [seed, ids] of Object.entries(minted)) {
    for (const fastPath of [true, false]) {
      const { port } = await listening(t, { seed: Number(seed), clock: 'manual', startTime: START, fastPath })
      const got: string[] = []
      for (let i = 0; i < 3; i++) got.push(idOf(await send(port, post('/api/v2/batches', 'authorization: Bearer test-key\r\ncontent-type: application/json\r\n', create).toString('latin1'))))
      got.push(idOf(await send(port, post('/api/v1/beta/directories', 'authorization: Bearer test-key\r\ncontent-type: application/json\r\n', '{"name":"x"}').toString('latin1'))))
      t.same(got, ids, `seed ${seed}, ${fastPath ? 'fast path' : 'Fastify'}`)
    }
  }
})

t.test("plain creates, GETs and list pages never reach Fastify's route handler; what the fast paths decline does", async (t) => {
  // Fastify publishes each request its route handler runs on this channel: a fast path that
  // declined everything would answer the same bytes, and only this tells it apart.
  const handled: string[] = []
  const { port } = await listen(t, {})
  const onStart = (message: unknown): void => {
    const request = (message as { request?: { method: string; url: string; socket?: { localPort?: number } } }).request
    // This mock's requests only: other mocks may answer in this process meanwhile.
    if (request?.socket?.localPort === port) handled.push(`${request.method} ${request.url}`)
  }
  diagnostics.subscribe('tracing:fastify.request.handler:start', onStart)
  t.teardown(() => diagnostics.unsubscribe('tracing:fastify.request.handler:start', onStart))
  const head = 'authorization: Bearer key-a\r\ncontent-type: application/json\r\n'
  const get = (path: string) => `GET ${path} HTTP/1.1\r\nhost: mock\r\nauthorization: Bearer key-a\r\n\r\n`
  const statuses = async (raw: string): Promise<string[]> => [...(await send(port, raw)).matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1] as string)
  t.same(await statuses(post('/api/v2/batches', head, good('dir-f1')).toString('latin1')), ['200'])
  t.same(await statuses(get('/api/v2/batches/bat-a1')), ['200'])
  t.same(await statuses(get('/api/v2/batches?page_size=2')), ['200'])
  t.same(handled, [], 'none of them ran the route handler')
  t.same(await statuses(post('/api/v2/batches?x=1', head, good('dir-f2')).toString('latin1')), ['200'])
  // Refused by the service (another project's directory): replayed to Fastify, whose route refuses it.
  t.same(await statuses(post('/api/v2/batches', head, good('dir-of-b')).toString('latin1')), ['404'])
  t.same(await statuses(get('/api/v2/batches/bat-unknown')), ['404'])
  t.same(handled, ['POST /api/v2/batches?x=1', 'POST /api/v2/batches', 'GET /api/v2/batches/bat-unknown'], 'each one declined did')
})
