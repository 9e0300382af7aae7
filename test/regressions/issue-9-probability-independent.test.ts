import t, { type Test } from 'tap'
import { build, post } from '../helper.js'

// A probability rule once fired in ~20 long bursts per 1000 requests (an unmixed hash of
// keys that differ in their last character): an SDK's retries never got through a burst.
const N = 1000
const P = 0.33

async function pattern(t: Test, seed: number): Promise<string> {
  const app = await build(t, { seed })
  t.equal((await post(app, '/_mock/faults', { path: '/api/v2/batches/*', probability: P, status: 503 })).status, 200)
  let out = ''
  for (let i = 0; i < N; i++) out += (await app.inject({ method: 'GET', url: '/api/v2/batches/bat-x' })).statusCode === 503 ? 'x' : '.'
  return out
}

t.test('p=0.33 fires in about as many runs as independent draws would', async (t) => {
  const a = await pattern(t, 11)
  const fired = a.split('').filter((c) => c === 'x').length
  const runs = a.match(/x+/g)?.length ?? 0
  // Independent draws: about N·p fires and N·p·(1−p) ≈ 221 runs of fires.
  t.ok(fired > 270 && fired < 390, `fired ${fired} of ${N}`)
  t.ok(runs > 170 && runs < 270, `${runs} runs of fires (independent: ~${Math.round(N * P * (1 - P))})`)
  const longest = Math.max(...(a.match(/x+/g) ?? ['']).map((r) => r.length))
  t.ok(longest < 15, `longest burst ${longest}`)
})

t.test('the same seed gives the same pattern; another seed another', async (t) => {
  const a = await pattern(t, 5)
  t.equal(await pattern(t, 5), a)
  t.not(await pattern(t, 6), a)
})
