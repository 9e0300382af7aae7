import t from 'tap'
import { advance, build, get, post, scenario } from '../helper.js'

const running = () =>
  scenario([{ id: 'bat-run', files: 4, timeline: { pending_ms: 1000, running_ms: 60_000 } }], { defaults: { cancel_delay_ms: 500, file_error_rate: 0 } })

t.test('repeated cancels keep the first cancellation plan', async (t) => {
  const app = await build(t, { scenario: running() })
  await advance(app, 2000)
  const first = await post(app, '/api/v2/batches/bat-run/cancel')
  t.equal(first.status, 200)
  for (let i = 0; i < 10; i++) {
    await advance(app, 40)
    const again = await post(app, '/api/v2/batches/bat-run/cancel')
    t.equal(again.status, 200, `repeat ${i} answers the batch`)
    t.equal(again.body.status, 'RUNNING')
    t.same(again.body, (await get(app, '/api/v2/batches/bat-run')).body, 'and changes nothing')
  }
  await advance(app, 100) // 500 ms after the first cancel
  const done = await get(app, '/api/v2/batches/bat-run')
  t.equal(done.body.status, 'CANCELLED', 'cancelled 500 ms after the first request, not the last')
  t.equal(done.body.updated_at, '2026-01-01T00:00:02.500Z')
  const late = await post(app, '/api/v2/batches/bat-run/cancel')
  t.equal(late.status, 400)
  t.match(late.body.detail, /CANCELLED/)
})

t.test('ten retries 400 ms apart still cancel after 0.5 s', async (t) => {
  const app = await build(t, { scenario: running() })
  await advance(app, 2000)
  await post(app, '/api/v2/batches/bat-run/cancel')
  await advance(app, 400)
  const retry = await post(app, '/api/v2/batches/bat-run/cancel')
  t.equal(retry.status, 200)
  await advance(app, 100)
  t.equal((await get(app, '/api/v2/batches/bat-run')).body.status, 'CANCELLED')
})
