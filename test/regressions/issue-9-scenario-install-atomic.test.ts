import t from 'tap'
import { buildApp } from '../../src/app.js'
import { ScenarioLoadError } from '../../src/scenario/load.js'
import { build, get, post, scenario } from '../helper.js'

// Automatic fault ids (fault-N) once collided with explicit ones: the scenario answered 500
// and left its batches installed with the old faults. A scenario goes in whole or not at all.
const ids = async (app: Awaited<ReturnType<typeof build>>) => (await get(app, '/_mock/faults')).body.faults.map((f: { id: string }) => f.id)

t.test('a scenario whose automatic fault id meets an explicit one loads whole', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-old', files: 1 }], { faults: [{ id: 'old', path: '/api/v2/batches/bat-old', status: 502 }] }) })
  const next = scenario([{ id: 'bat-new', files: 1 }], {
    faults: [
      { path: '/api/v2/batches/bat-new', times: 1, status: 503 },
      { id: 'fault-1', path: '/api/v2/batches/bat-new', times: 1, status: 504 }
    ]
  })
  const loaded = await post(app, '/_mock/scenario', { scenario: next })
  t.equal(loaded.status, 200, JSON.stringify(loaded.body))
  const installed = await ids(app)
  t.equal(installed.length, 2)
  t.equal(new Set(installed).size, 2, `distinct ids: ${installed}`)
  t.ok(installed.includes('fault-1'), 'the explicit id is kept as written')
  t.same([(await get(app, '/api/v2/batches/bat-new')).status, (await get(app, '/api/v2/batches/bat-new')).status], [503, 504], 'both rules are in force, in order')
  t.equal((await post(app, '/_mock/reset')).status, 200, 'and reset lays it out again')
  t.same(await ids(app), installed, 'with the same ids')
})

t.test('explicit ids that clash: 422 at the pointer, and the old scenario (batches and faults) stays', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-old', files: 1 }], { faults: [{ id: 'old', path: '/api/v2/batches/bat-old', status: 502 }] }) })
  const next = scenario([{ id: 'bat-new', files: 1 }], {
    faults: [
      { id: 'x', path: '/api/**', status: 503 },
      { id: 'x', path: '/api/**', status: 504 }
    ]
  })
  const r = await post(app, '/_mock/scenario', { scenario: next })
  t.equal(r.status, 422)
  t.same(r.body.detail[0].loc, ['body', 'scenario', 'faults', 1, 'id'])
  t.equal((await get(app, '/api/v2/batches/bat-new')).status, 404, 'the new batches are not installed')
  t.equal((await get(app, '/api/v2/batches/bat-old')).status, 502, 'the old batches and faults stay')
  t.same(await ids(app), ['old'])
  const error = await buildApp({ scenario: next }).catch((e: unknown) => e)
  t.type(error, ScenarioLoadError, 'at start-up it is a load error (the CLI exits 2 with it)')
})

t.test('POST /_mock/faults: automatic ids skip the explicit ones already taken', async (t) => {
  const app = await build(t)
  const made: string[] = []
  for (const rule of [{ id: 'fault-2' }, {}, {}, { id: 'fault-4' }, {}, {}]) {
    const r = await post(app, '/_mock/faults', { path: '/api/**', status: 500, ...rule })
    t.equal(r.status, 200, JSON.stringify(r.body))
    made.push(r.body.id)
  }
  t.equal(new Set(made).size, made.length, `all distinct: ${made}`)
  const clash = await post(app, '/_mock/faults', { id: made[1], path: '/api/**', status: 500 })
  t.equal(clash.status, 422, 'an explicit id that an automatic one took is a 422')
  t.same(clash.body.detail[0].loc, ['body', 'id'])
})
