import t from 'tap'
import fc from 'fast-check'
import { buildApp } from '../../src/app.js'
import { ScenarioLoadError } from '../../src/scenario/load.js'
import { pathPattern } from '../../src/traffic/fault-book.js'
import { AUTH, build, get, post, scenario } from '../helper.js'
import { cpuTimed } from '../cpu-time.js'

// A path pattern like `/**a**a**a…!` once froze the server (a backtracking regex, before
// auth); 10k scenario rules took 9 s to build, on every reset. Rules are bounded in number
// and length, and matched in linear-ish time.
const elapsed = async (fn: () => Promise<unknown>): Promise<number> => (await cpuTimed(fn)).ms

t.test('a catastrophic glob answers at once', async (t) => {
  const app = await build(t)
  const glob = '/' + '**a'.repeat(6) + '**!'
  t.equal((await post(app, '/_mock/faults', { path: glob, status: 500 })).status, 200)
  const ms = await elapsed(async () => {
    const missed = (await get(app, `/api/v2/batches/${'a'.repeat(180)}`)).status
    t.ok(missed >= 400 && missed < 500, `no fault, the usual 4xx (${missed})`)
    t.equal((await get(app, `/api/v2/batches/${'a'.repeat(180)}!`)).status, 500, 'and the rule still fires where it matches')
  })
  t.ok(ms < 1000, `answered in ${Math.round(ms)} ms`)
})

t.test('globs match as documented: * one segment, ** anything', async (t) => {
  t.ok(pathPattern('/api/v2/batches/*').test('/api/v2/batches/bat-1'))
  t.notOk(pathPattern('/api/v2/batches/*').test('/api/v2/batches/bat-1/cancel'))
  t.ok(pathPattern('/api/**').test('/api/v2/batches/bat-1/cancel'))
  t.ok(pathPattern('/api/**/cancel').test('/api/v2/batches/bat-1/cancel'))
  t.ok(pathPattern('/api/v2/bat*es').test('/api/v2/batches'))
  t.notOk(pathPattern('/api/v2/batches').test('/api/v2/batches/'))
  // Against the regex reading of the same globs, on a small alphabet where they disagree most.
  const reference = (glob: string) =>
    new RegExp(`^${glob.split(/(\*\*|\*)/).map((p) => (p === '**' ? '.*' : p === '*' ? '[^/]*' : p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`)
  fc.assert(
    fc.property(fc.stringMatching(/^[ab/*]{0,10}$/), fc.stringMatching(/^[ab/]{0,12}$/), (glob, path) => pathPattern(glob).test(path) === reference(glob).test(path)),
    { numRuns: 3000 }
  )
})

t.test('pattern length and rule count are capped', async (t) => {
  const app = await build(t)
  const long = await post(app, '/_mock/faults', { path: '/' + 'a'.repeat(256), status: 500 })
  t.equal(long.status, 422, 'a pattern over 256 characters')
  t.same(long.body.detail[0].loc, ['body', 'path'])
  for (let i = 0; i < 1000; i++) {
    const r = await app.inject({ method: 'POST', url: '/_mock/faults', payload: { path: `/api/other-${i}`, status: 500 } })
    if (r.statusCode !== 200) t.fail(`rule ${i}: ${r.statusCode}`)
  }
  const over = await post(app, '/_mock/faults', { path: '/api/**', status: 500 })
  t.equal(over.status, 422, 'the 1,001st rule')
  t.match(over.body.detail[0].msg, /1000 fault rules/)
  t.equal((await get(app, '/api/v2/batches', AUTH)).status, 200, 'the 1,000 rules in force do not match')
})

t.test('a scenario with more rules than the cap is a load error, quickly; 1,000 load and reset in linear time', async (t) => {
  const rules = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/api/v2/batches/bat-${i}`, status: 503 }))
  const app = await build(t, { scenario: scenario([{ id: 'bat-old', files: 1 }]) })
  let r: Awaited<ReturnType<typeof post>> | undefined
  const ms = await elapsed(async () => (r = await post(app, '/_mock/scenario', { scenario: scenario([{ id: 'bat-new', files: 1 }], { faults: rules(10_000) }) })))
  t.equal(r!.status, 422)
  t.same(r!.body.detail[0].loc, ['body', 'scenario', 'faults'])
  t.match(r!.body.detail[0].msg, /at most 1000/)
  t.ok(ms < 3000, `refused in ${Math.round(ms)} ms`)
  t.equal((await get(app, '/api/v2/batches/bat-old')).status, 200, 'the old scenario stays')
  t.type(await buildApp({ scenario: scenario([], { faults: rules(1001) }) }).catch((e: unknown) => e), ScenarioLoadError)
  const full = await post(app, '/_mock/scenario', { scenario: scenario([{ id: 'bat-new', files: 1 }], { faults: rules(1000) }) })
  t.equal(full.status, 200)
  const resets = await elapsed(async () => {
    for (let i = 0; i < 10; i++) await post(app, '/_mock/reset')
  })
  t.ok(resets < 3000, `10 resets with 1,000 rules in ${Math.round(resets)} ms`)
  t.equal((await get(app, '/api/v2/batches/bat-999')).status, 503)
})

t.test('indexed rules still answer in book order', async (t) => {
  const app = await build(t)
  for (const rule of [
    { path: '/api/v2/batches/x', times: 1, status: 501 },
    { path: '/api/**', times: 1, status: 502 },
    { path: '/api/v2/batches/x', times: 1, status: 503 },
    { path: '/api/v2/bat*/*', times: 1, status: 504 },
    { path: '/api/v2/batches/*', times: 1, status: 505 },
    { path: '/**', times: 1, status: 506 }
  ]) {
    t.equal((await post(app, '/_mock/faults', rule)).status, 200)
  }
  const seen: number[] = []
  for (let i = 0; i < 7; i++) seen.push((await get(app, '/api/v2/batches/x')).status)
  t.same(seen, [501, 502, 503, 504, 505, 506, 404])
  t.same((await get(app, '/_mock/faults')).body.faults.map((f: { matched: number }) => f.matched), [7, 6, 5, 4, 3, 2], 'each counts the matches it saw')
})
