import t from 'tap'
import { build, exampleScenario, get, post } from '../helper.js'

// `{min: 50, max: 400}` once gave ~350 ms on every request: the draw hardly moved from one
// request to the next. The journal shows the delay each request drew, as `delay_ms`.
const EXAMPLE = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'

for (const [name, delay] of [
  ['uniform', { min: 0, max: 20 }],
  ['lognormal', { median: 4, sigma: 0.8 }]
] as const) {
  t.test(`${name} delays vary per request`, async (t) => {
    const app = await build(t, { scenario: exampleScenario() })
    await post(app, '/_mock/faults', { path: '/api/**', delay_ms: delay })
    for (let i = 0; i < 30; i++) t.equal((await get(app, EXAMPLE)).status, 200)
    const drawn = (await get(app, '/_mock/requests')).body.requests.map((r: { delay_ms: number }) => r.delay_ms)
    t.equal(drawn.length, 30)
    t.ok(drawn.every((d: unknown) => typeof d === 'number' && d >= 0), `${drawn}`)
    if ('min' in delay) t.ok(drawn.every((d: number) => d >= delay.min && d <= delay.max), 'within bounds')
    t.ok(new Set(drawn).size >= 8, `many different delays: ${drawn}`)
    const sorted = [...drawn].sort((a: number, b: number) => a - b)
    t.ok(sorted[25] - sorted[4] >= 4, `spread out: ${sorted}`)
  })
}

t.test('a request without a delay has delay_ms null', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  await get(app, EXAMPLE)
  t.equal((await get(app, '/_mock/requests')).body.requests[0].delay_ms, null)
})
