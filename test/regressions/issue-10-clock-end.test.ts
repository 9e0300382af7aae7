import t from 'tap'
import { buildApp } from '../../src/app.js'
import { manualClock } from '../../src/clock.js'
import { resolveConfig } from '../../src/config.js'
import { AUTH, build, get, post } from '../helper.js'

// Issue 10, item 9: moving the clock past the last representable date made the clock,
// create, list and the journal answer 500 until a reset.

const LAST = '9999-12-31T23:59:59.999Z'

t.test('the clock stops at 9999-12-31T23:59:59.999Z: moves beyond are a 422', async (t) => {
  const app = await build(t)
  t.equal((await post(app, '/_mock/clock/set', { now: LAST })).status, 200, 'the last instant itself is fine')
  const past = await post(app, '/_mock/clock/advance', { ms: 1 })
  t.equal(past.status, 422)
  t.same(past.body.detail[0].loc, ['body', 'ms'])
  t.match(past.body.detail[0].msg, /9999-12-31T23:59:59\.999Z/)
  t.equal((await get(app, '/_mock/clock')).body.now, LAST)
  t.equal((await post(app, '/api/v2/batches', { source_directory_id: 'dir-1', config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_FAST' } } })).status, 200)
  t.equal((await get(app, '/api/v2/batches')).status, 200)
  t.equal((await get(app, '/_mock/requests')).status, 200)
})

t.test('a huge advance is a 422 and leaves the clock where it was', async (t) => {
  const app = await build(t)
  await post(app, '/_mock/clock/set', { now: '9995-01-01T00:00:00.000Z' })
  const res = await post(app, '/_mock/clock/advance', { ms: 10 * 365 * 24 * 3600 * 1000 })
  t.equal(res.status, 422)
  t.equal((await get(app, '/_mock/clock')).body.now, '9995-01-01T00:00:00.000Z')
  t.equal((await get(app, '/api/v2/batches', AUTH)).status, 200)
})

t.test('start times beyond the end are refused: library and CLI', async (t) => {
  await t.rejects(buildApp({ scenario: 'empty', clock: 'manual', startTime: '+275760-09-13T00:00:00.000Z' }), /9999-12-31T23:59:59\.999Z/)
  t.throws(() => manualClock(Date.parse('+275760-09-13T00:00:00.000Z')), /9999-12-31T23:59:59\.999Z/)
  t.throws(() => manualClock(0).advance(8.64e15), /9999-12-31T23:59:59\.999Z/)
  const late = await post(await build(t), '/_mock/scenario', { scenario: { start_time: '9999-12-31T23:59:59.999-01:00' } })
  t.equal(late.status, 422, 'a scenario start_time past the end')
  t.same(late.body.detail[0].loc, ['body', 'scenario', 'start_time'])
  t.throws(() => resolveConfig(['--clock', 'manual', '--start-time', '+275760-09-13T00:00:00.000Z'], {}), /--start-time .*9999-12-31T23:59:59\.999Z/)
})
