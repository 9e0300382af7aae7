import t from 'tap'
import { build, get, post, scenario, START } from '../helper.js'

t.test('health and clock', async (t) => {
  const app = await build(t)
  t.same((await get(app, '/_mock/health')).body, { status: 'ok' })
  t.same((await get(app, '/_mock/clock')).body, { now: START, mode: 'manual', speed: 0 })
  t.same((await post(app, '/_mock/clock/advance', { ms: 1500 })).body.now, '2026-01-01T00:00:01.500Z')
  t.same((await post(app, '/_mock/clock/set', { now: '2026-01-02T00:00:00.000Z' })).body.now, '2026-01-02T00:00:00.000Z')
  const back = await post(app, '/_mock/clock/set', { now: START })
  t.equal(back.status, 400, 'never backwards')
  t.match(back.body.detail, /never goes backwards/)
  t.equal((await post(app, '/_mock/clock/advance', { ms: -1 })).status, 422)
  t.equal((await post(app, '/_mock/clock/advance', { ms: 'soon' })).status, 422)
  t.equal((await post(app, '/_mock/clock/set', { now: 'tomorrow' })).status, 422)
  t.equal((await get(app, '/_mock/clock')).body.now, '2026-01-02T00:00:00.000Z', 'rejected moves changed nothing')
})

t.test('a real clock reports its speed and moves on its own', async (t) => {
  const app = await build(t, { clock: 'real', speed: 1000 })
  const a = (await get(app, '/_mock/clock')).body
  t.equal(a.mode, 'real')
  t.equal(a.speed, 1000)
  await new Promise((r) => setTimeout(r, 5))
  t.ok(Date.parse((await get(app, '/_mock/clock')).body.now) > Date.parse(a.now), 'sped-up time has moved')
})

t.test('reset returns to the loaded scenario', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-r', files: 2, timeline: { pending_ms: 10, running_ms: 10 } }]) })
  await post(app, '/_mock/clock/advance', { ms: 5 })
  t.equal((await post(app, '/api/v2/batches/bat-r/cancel')).status, 200)
  t.equal((await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'cfg-x' } }, source_directory_id: 'dir-q' })).status, 200)
  await post(app, '/_mock/clock/advance', { ms: 1000 })
  t.equal((await get(app, '/api/v2/batches/bat-r')).body.status, 'CANCELLED')
  const reset = await post(app, '/_mock/reset')
  t.same(reset.body, { scenario: 'test', batches: 1, clock: { now: START, mode: 'manual', speed: 0 } })
  t.equal((await get(app, '/api/v2/batches/bat-r')).body.status, 'PENDING', 'the cancellation is forgotten')
  t.equal((await get(app, '/api/v2/batches')).body.items.length, 1, 'created batches are gone')
  t.same((await get(app, '/_mock/requests?count=true')).body.total, 2, 'the journal restarted: only the two reads since reset are in it')
})

// `curl -I` and wait-on (whose default probe is a HEAD) read the control plane: a HEAD of its
// reads answers as the GET without a body; a HEAD of an API route stays FastAPI's 405.
t.test('HEAD of a control-plane read answers as its GET, without the body', async (t) => {
  const app = await build(t, { adminToken: 'admin-secret' })
  const admin = { authorization: 'Bearer admin-secret' }
  for (const url of ['/_mock/health', '/_mock/clock', '/_mock/requests', '/_mock/webhooks']) {
    const [head, full] = await Promise.all([app.inject({ method: 'HEAD', url, headers: admin }), app.inject({ method: 'GET', url, headers: admin })])
    t.equal(head.statusCode, 200, `HEAD ${url}`)
    t.equal(head.body, '', `HEAD ${url}: no body`)
    t.equal(head.headers['content-type'], full.headers['content-type'], `HEAD ${url}: the GET's type`)
  }
  t.equal((await app.inject({ method: 'HEAD', url: '/_mock/health' })).statusCode, 401, 'the admin token still applies')
  t.equal((await app.inject({ method: 'HEAD', url: '/api/v2/batches', headers: { authorization: 'Bearer k' } })).statusCode, 405, 'an API route: 405')
})
