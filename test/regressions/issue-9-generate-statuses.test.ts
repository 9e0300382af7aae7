import t from 'tap'
import { build, get, post } from '../helper.js'

// Issue 9, item 8: generate[].statuses must take any subset of the six statuses.

t.test('statuses takes any subset; an unknown status is named with its pointer', async (t) => {
  const app = await build(t)
  const ok = await post(app, '/_mock/scenario', { scenario: { generate: [{ count: 5, statuses: { COMPLETED: 5 } }] } })
  t.equal(ok.status, 200)
  const statuses = (await get(app, '/api/v2/batches')).body.items.map((b: { status: string }) => b.status)
  t.same(statuses, Array(5).fill('COMPLETED'))

  const bad = await post(app, '/_mock/scenario', { scenario: { generate: [{ count: 5, statuses: { COMPLETED: 1, DONE: 5 } }] } })
  t.equal(bad.status, 422)
  t.same(bad.body.detail[0].loc.slice(0, 5), ['body', 'scenario', 'generate', 0, 'statuses'])
  t.match(bad.body.detail[0].msg, /DONE/)
})
