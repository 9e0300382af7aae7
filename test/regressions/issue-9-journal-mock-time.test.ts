import t from 'tap'
import { AUTH, START, build, exampleScenario, get, post } from '../helper.js'

// The journal's mock_time is documented as the mock clock when the request arrived; it was
// once read when the answer left, so a clock moved during a delay showed up in it.
t.test('mock_time is the mock clock at arrival', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await post(app, '/_mock/faults', { path: '/api/**', times: 1, delay_ms: 150 })
  const pending = app.inject({ method: 'GET', url: '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', headers: AUTH })
  // The request is held by its delay; move the clock meanwhile.
  for (let i = 0; i < 100 && (await get(app, '/_mock/faults')).body.faults[0].matched === 0; i++) await new Promise((r) => setTimeout(r, 5))
  t.equal((await post(app, '/_mock/clock/advance', { ms: 3_600_000 })).status, 200)
  t.equal((await pending).statusCode, 200)
  const [entry] = (await get(app, '/_mock/requests')).body.requests
  t.equal(entry.mock_time, START, 'the clock when it arrived, not when it was answered')
})
