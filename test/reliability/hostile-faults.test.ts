import t from 'tap'
import { buildApp } from '../../src/app.js'
import { ScenarioLoadError } from '../../src/scenario/load.js'
import { AUTH, build, get, post, scenario } from '../helper.js'
import { cpuTimed } from '../cpu-time.js'

// The hostile fault inputs of issues 9 and 10, replayed in one run: each is answered with a
// 4xx (or a load error) or served normally, never a 5xx or a frozen loop, in bounded time.
async function bounded<T>(t: { ok(v: unknown, m: string): void }, what: string, limitMs: number, fn: () => Promise<T>): Promise<T> {
  const { value, ms } = await cpuTimed(fn)
  t.ok(ms < limitMs, `${what}: ${Math.round(ms)} ms of CPU (bound ${limitMs})`)
  return value
}

t.test('a catastrophic glob at the length cap, against a long path', async (t) => {
  const app = await build(t)
  const glob = ('/' + '**a'.repeat(90)).slice(0, 255) + '!'
  t.equal(glob.length, 256)
  // How many a's the glob needs; `/api` brings one.
  const letters = glob.split('a').length - 1
  t.equal((await post(app, '/_mock/faults', { path: glob, status: 500 })).status, 200)
  await bounded(t, '12,000-character paths against it', 2000, async () => {
    // Ends like the glob and is full of its letter, one `a` short: the worst case for a backtracking matcher.
    const res = await app.inject({ method: 'GET', url: `/api/v2/${'b'.repeat(12_000)}${'a'.repeat(letters - 2)}!`, headers: AUTH })
    t.equal(res.statusCode, 404, 'no match: the usual answer')
    const hit = await app.inject({ method: 'GET', url: `/api/v2/${'b'.repeat(12_000)}${'a'.repeat(letters - 1)}!`, headers: AUTH })
    t.equal(hit.statusCode, 500, 'a match fires')
  })
  t.equal((await post(app, '/_mock/faults', { path: glob + 'a', status: 500 })).status, 422, 'one character more is refused')
})

t.test('a 10,000-rule scenario is refused quickly, at load and over HTTP', async (t) => {
  const faults = Array.from({ length: 10_000 }, (_, i) => ({ path: `/api/v2/batches/bat-${i}/**`, status: 503 }))
  const error = await bounded(t, 'start-up', 3000, () => buildApp({ scenario: scenario([], { faults }) }).catch((e: unknown) => e))
  t.type(error, ScenarioLoadError)
  t.match(error, { pointer: '/faults', expected: /at most 1000 fault rules/ })
  const app = await build(t)
  const r = await bounded(t, 'POST /_mock/scenario', 3000, () => post(app, '/_mock/scenario', { scenario: scenario([], { faults }) }))
  t.equal(r.status, 422)
})

t.test('over the rule cap over HTTP, and the cap reached by a scenario', async (t) => {
  const faults = Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, path: `/api/v2/batches/bat-${i}`, status: 503 }))
  const app = await bounded(t, 'a 1,000-rule scenario', 3000, () => build(t, { scenario: scenario([], { faults }) }))
  const over = await post(app, '/_mock/faults', { path: '/api/**', status: 500 })
  t.equal(over.status, 422)
  await bounded(t, '10 resets', 3000, async () => {
    for (let i = 0; i < 10; i++) t.equal((await post(app, '/_mock/reset')).status, 200)
  })
  t.equal((await app.inject({ method: 'DELETE', url: '/_mock/faults/r0' })).statusCode, 204)
  t.equal((await post(app, '/_mock/faults', { path: '/api/**', status: 500 })).status, 200, 'room again after a delete')
})

t.test('clashing ids: never a 5xx', async (t) => {
  const app = await build(t)
  const answers: number[] = []
  const inputs: object[] = [
    { scenario: scenario([], { faults: [{ path: '/api/**', status: 503 }, { id: 'fault-1', path: '/api/**', status: 503 }] }) },
    { scenario: scenario([], { faults: [{ id: 'fault-1', path: '/api/**', status: 503 }, { path: '/api/**', status: 503 }] }) },
    { scenario: scenario([], { faults: [{ id: 'x', path: '/api/**', status: 503 }, { id: 'x', path: '/api/**', status: 503 }] }) }
  ]
  for (const body of inputs) answers.push((await post(app, '/_mock/scenario', body)).status)
  t.same(answers, [200, 200, 422])
  for (const rule of [{ id: 'fault-9' }, {}, { id: 'fault-1' }, { id: 'fault-9' }, {}]) answers.push((await post(app, '/_mock/faults', { path: '/api/**', status: 500, ...rule })).status)
  t.same(answers.slice(3), [200, 200, 422, 422, 200], 'explicit clashes are 422, automatic ids skip taken ones')
  t.ok(answers.every((s) => s < 500))
  t.equal(new Set((await get(app, '/_mock/faults')).body.faults.map((f: { id: string }) => f.id)).size, (await get(app, '/_mock/faults')).body.faults.length)
})
