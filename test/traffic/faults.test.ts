import t from 'tap'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { FaultBook, sampleDelay } from '../../src/traffic/fault-book.js'
import { cpuTimed } from '../cpu-time.js'
import { buildApp } from '../../src/app.js'
import { ScenarioLoadError } from '../../src/scenario/load.js'
import { AUTH, build, exampleScenario, get, post, rawExchange, scenario } from '../helper.js'

const EXAMPLE = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const statuses = async (app: FastifyInstance, n: number, url = EXAMPLE) => {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await get(app, url)).status)
  return out
}

t.test('a status fault: first N matches, FastAPI body, Retry-After', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  const rule = await post(app, '/_mock/faults', { method: 'GET', path: '/api/v2/batches/*', times: 2, status: 429, retry_after: 3 })
  t.equal(rule.status, 200)
  t.match(rule.body, { id: 'fault-1', matched: 0, fired: 0 })
  const hit = await get(app, EXAMPLE)
  t.same([hit.status, hit.body, hit.res.headers['retry-after']], [429, { detail: 'Rate limit exceeded, retry later' }, '3'])
  t.same(await statuses(app, 3), [429, 200, 200], 'fires for the first two matches only')
  t.equal((await get(app, '/api/v2/batches')).status, 200, 'the list path does not match /api/v2/batches/*')
  t.equal((await get(app, '/_mock/health')).status, 200, 'never the control plane')
  const listed = (await get(app, '/_mock/faults')).body.faults[0]
  t.match(listed, { id: 'fault-1', matched: 4, fired: 2 })
  const journal = (await get(app, '/_mock/requests?status=429')).body.requests
  t.same(journal.map((r: { fault: string }) => r.fault), ['fault-1', 'fault-1'])
})

t.test('method, header and glob matching', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await post(app, '/_mock/faults', { method: 'POST', path: '/api/**', status: 500, detail: 'boom' })
  await post(app, '/_mock/faults', { path: '/api/v2/batches/*', header: { name: 'X-Chaos', value: 'on' }, status: 502 })
  t.same(await statuses(app, 1), [200], 'GET without the header: no fault')
  t.equal((await get(app, EXAMPLE, { ...AUTH, 'x-chaos': 'on' })).status, 502)
  t.equal((await get(app, EXAMPLE, { ...AUTH, 'x-chaos': 'off' })).status, 200, 'the header value must match')
  const create = await post(app, '/api/v2/batches/bat-x/cancel', undefined)
  t.same([create.status, create.body], [500, { detail: 'boom' }])
})

t.test('probability faults are reproducible for a seed', async (t) => {
  const run = async (seed: number) => {
    const app = await build(t, { scenario: exampleScenario(), seed })
    await post(app, '/_mock/faults', { path: '/api/**', probability: 0.3, status: 503 })
    return (await statuses(app, 60)).map((s) => (s === 503 ? 'x' : '.')).join('')
  }
  const a = await run(5)
  t.equal(await run(5), a, 'same seed, same requests fail')
  t.not(await run(6), a, 'another seed, another pattern')
  const fired = a.split('x').length - 1
  t.ok(fired > 5 && fired < 35, `about 30% fired (${fired}/60)`)
})

t.test('delays', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await post(app, '/_mock/faults', { path: '/api/**', times: 1, delay_ms: 60 })
  t.equal((await get(app, EXAMPLE)).status, 200, 'a delay alone still answers')
  const [entry] = (await get(app, '/_mock/requests')).body.requests
  t.ok(entry.duration_ms >= 60, `took at least the delay (${entry.duration_ms} ms)`)
  t.equal(sampleDelay(25, 1, 'k'), 25)
  const uniform = Array.from({ length: 200 }, (_, i) => sampleDelay({ min: 10, max: 20 }, 1, `k${i}`))
  t.ok(uniform.every((d) => d >= 10 && d <= 20))
  t.same(uniform, Array.from({ length: 200 }, (_, i) => sampleDelay({ min: 10, max: 20 }, 1, `k${i}`)), 'seeded')
  const lognormal = Array.from({ length: 999 }, (_, i) => sampleDelay({ median: 100, sigma: 0.5 }, 1, `k${i}`)).sort((x, y) => x - y)
  t.ok(lognormal[499]! > 80 && lognormal[499]! < 125, `median near 100 (${lognormal[499]})`)
  t.ok(lognormal[990]! > 200, 'with a long tail')
})

t.test('faults from the scenario; reset restores them; delete', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-1', files: 1 }], { faults: [{ id: 'flaky', path: '/api/v2/batches/bat-1', times: 1, status: 503 }] }) })
  t.same(await statuses(app, 2, '/api/v2/batches/bat-1'), [503, 200])
  await post(app, '/_mock/reset')
  t.same(await statuses(app, 2, '/api/v2/batches/bat-1'), [503, 200], 'reset re-arms the scenario faults')
  await post(app, '/_mock/faults', { id: 'mine', path: '/api/**', status: 500 })
  t.equal((await app.inject({ method: 'DELETE', url: '/_mock/faults/mine' })).statusCode, 204)
  t.equal((await app.inject({ method: 'DELETE', url: '/_mock/faults/mine' })).statusCode, 404)
  await post(app, '/_mock/faults', { path: '/api/**', status: 500 })
  t.equal((await app.inject({ method: 'DELETE', url: '/_mock/faults' })).statusCode, 204)
  t.same((await get(app, '/_mock/faults')).body, { faults: [] })
  t.same(await statuses(app, 1, '/api/v2/batches/bat-1'), [200])
})

t.test('bad rules are 422', async (t) => {
  const app = await build(t)
  for (const rule of [{ path: '/api/**' }, { path: 'api', status: 500 }, { path: '/api/**', status: 200 }, { path: '/api/**', status: 500, connection: 'reset' }, { path: '/api/**', connection: 'melt' }, { path: '/api/**', delay_ms: -1 }]) {
    const r = await post(app, '/_mock/faults', rule)
    t.equal(r.status, 422, JSON.stringify(rule))
  }
  await post(app, '/_mock/faults', { id: 'a', path: '/api/**', status: 500 })
  t.equal((await post(app, '/_mock/faults', { id: 'a', path: '/api/**', status: 500 })).status, 422, 'ids are unique')
  const error = await buildApp({ scenario: scenario([], { faults: [{ path: '/api/**' }] }) }).catch((e: unknown) => e)
  t.type(error, ScenarioLoadError)
  t.match(error, { pointer: '/faults/0', expected: /status, delay_ms or connection/ }, 'a scenario fault that does nothing stops loading')
})

t.test('Prefer: code=<status>', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  const ask = (prefer: string) => get(app, EXAMPLE, { ...AUTH, prefer })
  t.equal((await ask('code=200')).body.id, 'bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', '2xx passes through')
  for (const code of [400, 401, 403, 404, 409, 429, 500, 502, 503, 504]) {
    const r = await ask(`code=${code}`)
    t.equal(r.status, code)
    t.type(r.body.detail, 'string')
  }
  t.equal((await ask('code=401')).res.headers['www-authenticate'], 'Bearer')
  t.equal((await ask('code=429')).res.headers['retry-after'], '1')
  const v = await ask('code=422')
  t.same(v.body.detail[0].loc, ['body', 'source_directory_id'])
  const unsupported = await ask('code=418')
  t.equal(unsupported.status, 422)
  t.match(unsupported.body.detail[0].msg, /supported: .*429/)
  t.equal((await ask('return=minimal')).status, 200, 'other preferences are ignored')
})

t.test("every fault example in the README's Staging failures is a valid rule", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Staging failures'), readme.indexOf('### Progression by polls'))
  const bodies = [...section.matchAll(/-d '(\{.*\})'/g)].map((m) => JSON.parse(m[1]!))
  t.ok(bodies.length >= 10, `${bodies.length} examples`)
  const kinds = new Set(bodies.map((b) => b.connection ?? (b.status ? 'status' : typeof b.delay_ms === 'object' ? Object.keys(b.delay_ms).join('/') : 'delay')))
  t.same([...kinds].sort(), ['delay', 'empty', 'malformed', 'median/sigma', 'min/max', 'reset', 'status', 'truncated'], 'one per fault kind')
  const app = await build(t)
  for (const body of bodies) t.equal((await post(app, '/_mock/faults', body)).status, 200, JSON.stringify(body))
})

// A client sending through a proxy setting (Go's HTTP_PROXY, curl -x) writes the absolute form,
// `GET http://host/api/…`. Fastify's router serves it as its path: the traffic hooks must see that
// path too, or such a request escapes every fault rule, Prefer and the journal.
t.test('absolute-form request targets meet the fault rules, Prefer and the journal like their path', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const send = (target: string, extra = '') => rawExchange(port, `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: ${AUTH.authorization}\r\n${extra}connection: close\r\n\r\n`)
  const origin = `http://127.0.0.1:${port}`
  t.match(await send(`${origin}${EXAMPLE}`), /^HTTP\/1\.1 200 /, 'served as its path')
  t.equal((await post(app, '/_mock/faults', { method: 'GET', path: '/api/v2/batches/*', status: 503 })).status, 200)
  t.match(await send(`${origin}${EXAMPLE}`), /^HTTP\/1\.1 503 /, 'the rule fires for the absolute form')
  t.match(await send(`HTTP://MOCK${EXAMPLE}?expand=results`), /^HTTP\/1\.1 503 /, 'any host, any case of the scheme')
  t.match(await send(EXAMPLE), /^HTTP\/1\.1 503 /, 'and for the origin form')
  t.match((await get(app, '/_mock/faults')).body.faults[0], { matched: 3, fired: 3 })
  t.equal((await app.inject({ method: 'DELETE', url: '/_mock/faults' })).statusCode, 204)
  t.match(await send(`${origin}${EXAMPLE}`, 'prefer: code=429\r\n'), /^HTTP\/1\.1 429 /, 'Prefer: code= applies')
  t.match(await send(`${origin}/api/v2/batches`), /^HTTP\/1\.1 200 /, 'a list page too')
  const journal = (await get(app, '/_mock/requests')).body.requests as { path: string; query: string; status: number; fault: string | null }[]
  t.same(
    journal.map((r) => [r.path, r.query, r.status, r.fault]),
    [
      [EXAMPLE, '', 200, null],
      [EXAMPLE, '', 503, 'fault-1'],
      [EXAMPLE, 'expand=results', 503, 'fault-1'],
      [EXAMPLE, '', 503, 'fault-1'],
      [EXAMPLE, '', 429, null],
      ['/api/v2/batches', '', 200, null]
    ],
    'every one journaled, under its path'
  )
})

// The rule lookup walks the path's slashes to find glob buckets; a hostile 16 KiB path of slashes
// hashed each prefix whole (quadratic: ~180 ms of CPU a request). It stops past the longest bucket key.
t.test('a path of thousands of slashes costs the fault rules no more than its length', async (t) => {
  const book = new FaultBook(1, [{ path: '/api/v2/*/x', status: 500 }, { path: '/api/**', method: 'POST', status: 503 }, { path: '/api/v2/batches/*', status: 502 }])
  const hostile = `/api/${'/'.repeat(16_000)}`
  const { value, ms } = await cpuTimed(async () => {
    let fired = 0
    for (let k = 0; k < 20; k++) if (book.fire('GET', hostile, () => undefined) !== null || !book.mayMatch(hostile)) fired++
    return fired
  })
  t.equal(value, 0, 'no rule fires for a GET of it; /api/** (of any method) may match it')
  t.ok(ms < 500, `40 lookups of a 16 KiB path of slashes: ${ms.toFixed(1)} ms of CPU (was ~7 s)`)
  t.equal(book.fire('POST', hostile, () => undefined)?.status, 503, '/api/** still matches it')
  t.equal(book.fire('GET', '/api/v2/batches/bat-1', () => undefined)?.status, 502, 'the deepest bucket is still reached')
})
