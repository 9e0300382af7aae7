import t from 'tap'
import { advance, build, get, post, scenario } from '../helper.js'

// Issue 9 item 5: under the running cap, batches that would start in the same millisecond
// take slots in the order they arrived, not by their (hashed) ids.
const body = { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' }

t.test('four creates in the same millisecond run in arrival order under a cap of 1', async (t) => {
  const app = await build(t, { scenario: scenario([], { defaults: { max_running_per_project: 1, timeline: { pending_ms: 1000, running_ms: 4000 } } }) })
  const ids: string[] = []
  for (let i = 0; i < 4; i++) ids.push((await post(app, '/api/v2/batches', body)).body.id)
  t.equal(new Set(ids).size, 4)
  const statuses = async () => Promise.all(ids.map(async (id) => (await get(app, `/api/v2/batches/${id}`)).body.status as string))
  await advance(app, 1000)
  t.same(await statuses(), ['RUNNING', 'THROTTLED', 'THROTTLED', 'THROTTLED'], 'the first to arrive runs first')
  await advance(app, 4000)
  t.same(await statuses(), ['COMPLETED', 'RUNNING', 'THROTTLED', 'THROTTLED'])
  await advance(app, 4000)
  t.same(await statuses(), ['COMPLETED', 'COMPLETED', 'RUNNING', 'THROTTLED'])
  await advance(app, 4000)
  t.same(await statuses(), ['COMPLETED', 'COMPLETED', 'COMPLETED', 'RUNNING'])
})

t.test('scenario batches that would start together take slots in scenario order', async (t) => {
  // Ids chosen so that id order is the reverse of scenario order.
  const batches = ['bat-z', 'bat-y', 'bat-x'].map((id) => ({ id, files: 1, timeline: { pending_ms: 0, running_ms: 1000 } }))
  const app = await build(t, { scenario: scenario(batches, { defaults: { max_running_per_project: 1 } }) })
  const s = async (id: string) => (await get(app, `/api/v2/batches/${id}`)).body.status
  t.same([await s('bat-z'), await s('bat-y'), await s('bat-x')], ['RUNNING', 'THROTTLED', 'THROTTLED'])
  await advance(app, 1000)
  t.same([await s('bat-z'), await s('bat-y'), await s('bat-x')], ['COMPLETED', 'RUNNING', 'THROTTLED'])
})
