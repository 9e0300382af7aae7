import t from 'tap'
import { connect } from 'node:net'
import { buildApp } from '../../src/app.js'
import { build, get, post, scenario, START } from '../helper.js'
import { cpuTimed } from '../cpu-time.js'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// The hostile inputs of issue 10's cost items in one run, each bounded: creates against a
// small cap, compat reads of many unknown ids, a body sent a byte at a time, a big
// expanded batch, and status-filtered lists over many batches.

const BODY = { config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }

t.test('creates past a small --max-batches answer 429 and the store stops growing', async (t) => {
  const app = await build(t, { maxBatches: 50, scenario: scenario([{ id: 'bat-0', files: 1 }]) })
  const codes = new Map<number, number>()
  for (let i = 0; i < 200; i++) {
    const { status } = await post(app, '/api/v2/batches', BODY)
    codes.set(status, (codes.get(status) ?? 0) + 1)
  }
  t.same(Object.fromEntries(codes), { 200: 49, 429: 151 }, 'the scenario batch counts too')
  t.equal(app.mock.world.store.size, 50)
  const refused = await post(app, '/api/v2/batches', BODY)
  t.same(Object.keys(refused.body), ['detail'])
  t.match(refused.body.detail, /at most 50 batches/)
  const journal = (await get(app, '/_mock/requests?status=429')).body
  t.match(JSON.stringify(journal), /limit:max-batches/)
  t.equal((await get(app, '/api/v2/batches?page_size=1')).status, 200, 'reads still work at the cap')
})

t.test('compat GETs of many unknown ids do not grow the store', async (t) => {
  const app = await build(t, { mode: 'compat', maxBatches: 10 })
  for (let i = 0; i < 2000; i++) {
    const { status } = await get(app, `/api/v2/batches/bat-${i.toString(36)}-hostile`)
    if (status !== 200) t.fail(`status ${status}`)
  }
  t.equal(app.mock.world.store.size, 0)
  t.equal((await get(app, '/api/v2/batches/bat-more')).status, 200, 'reads are not creates: the cap does not refuse them')
})

t.test('a slow body is cut off by a small request timeout', async (t) => {
  const app = await buildApp({ clock: 'manual', scenario: 'empty', startTime: START, requestTimeoutMs: 200 })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const socket = connect((app.server.address() as { port: number }).port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.on('error', () => {})
  socket.write('POST /api/v2/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{')
  const drip = setInterval(() => socket.writable && socket.write(' '), 40)
  t.teardown(() => clearInterval(drip))
  let received = ''
  socket.on('data', (d) => (received += d))
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000)
    socket.on('close', () => (clearTimeout(timer), resolve(true)))
  })
  clearInterval(drip)
  t.ok(closed, 'closed within 5 s')
  t.match(received, /^HTTP\/1\.1 408/)
})

t.test('a big expanded batch is built fast', async (t) => {
  const app = await build(t, { scenario: scenario(['bat-warm', 'bat-big'].map((id) => ({ id, files: 10_000, outcome: 'COMPLETED' as const, created_ago_ms: 60_000 }))) })
  await get(app, '/api/v2/batches/bat-warm?expand=results')
  const { value: { status, body }, ms } = await cpuTimed(() => get(app, '/api/v2/batches/bat-big?expand=results'))
  t.equal(status, 200)
  t.equal(body.results.length, 10_000)
  t.ok(ms < 1000, `10k results in ${ms.toFixed(0)} ms of CPU`)
})

t.test('status-filtered lists over many batches answer at once', async (t) => {
  const app = await build(t, { scenario: scenario([], { generate: [{ count: 50_000, files: { min: 0, max: 2 } }] }) })
  for (const status of ['RUNNING', 'PENDING', 'FAILED']) {
    const { value: { status: code, body }, ms } = await cpuTimed(() => get(app, `/api/v2/batches?status=${status}&page_size=100`))
    t.equal(code, 200)
    t.ok(body.items.every((b: { status: string }) => b.status === status), `${status}: only ${status} (${ms.toFixed(1)} ms of CPU)`)
  }
  const { ms } = await cpuTimed(async () => {
    for (let i = 0; i < 50; i++) await get(app, '/api/v2/batches?status=RUNNING&page_size=100')
  })
  t.ok(ms < 2000, `fifty more pages in well under 2 s of CPU (${ms.toFixed(0)} ms)`)
})

t.test('a journal entry of many tiny headers costs about their bytes, not ~45 KiB of strings', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const heap = async (): Promise<number> => {
    for (let i = 0; i < 3; i++) {
      gc()
      await new Promise((resolve) => setImmediate(resolve))
    }
    return process.memoryUsage().heapUsed
  }
  const n = 300
  const app = await build(t, { journalSize: n, auth: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  // ~990 headers of ~6 bytes each (Node keeps up to 1,000 a request): ~6 KiB on the wire.
  const fields = Array.from({ length: 990 }, (_, i) => `x${i}:${i % 10}`)
  const request = ['GET /api/v2/batches HTTP/1.1', 'Host: 127.0.0.1', ...fields, '', ''].join('\r\n')
  const send = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request))
      let got = ''
      socket.on('data', (d) => {
        got += d
        if (got.includes('\r\n\r\n')) {
          socket.destroy()
          resolve()
        }
      })
      socket.on('error', reject)
    })
  await send()
  const before = await heap()
  for (let i = 0; i < n; i++) await send()
  const perEntry = ((await heap()) - before) / n
  t.ok(perEntry < 16 * 1024, `${Math.round(perEntry)} bytes an entry for ~6 KiB of headers (held as Node's array of strings: ~45 KiB)`)
  const last = (await get(app, '/_mock/requests?last=1', {})).body.requests[0]
  const whole = (await get(app, `/_mock/requests/${last.id}`, {})).body
  t.equal(Object.keys(whole.headers).length, 991, 'every header kept still shows')
  t.equal(whole.headers.x987, '7')
  t.equal(whole.headers.host, '127.0.0.1')
})

// FastAPI's trailing-slash redirect (src/http/trailing-slash.ts) strips the slashes a hostile path
// ends with: a run of thousands of them before another character once cost a quadratic regex
// ~180 ms of CPU a request. Twenty such requests (~16 KiB paths, Node's header limit) are bounded.
t.test('paths ending in long runs of slashes cost linear time', async (t) => {
  const app = await build(t)
  const paths = [`/api/v2/batches/${'/'.repeat(16_000)}a/`, `/api/v2/${'/'.repeat(16_000)}`, `/api/v2/batches${'/'.repeat(16_000)}`]
  const { value: statuses, ms } = await cpuTimed(async () => {
    const seen: number[] = []
    for (let i = 0; i < 20; i++) seen.push((await app.inject({ url: paths[i % paths.length] as string, headers: { authorization: 'Bearer k' } })).statusCode)
    return seen
  })
  t.same([...new Set(statuses)].sort(), [307, 404], 'redirected where the path without them is a route, else 404')
  t.ok(ms < 1000, `20 requests in ${ms.toFixed(0)} ms of CPU`)
})
