import t from 'tap'
import { advance, build, get, post, scenario, START } from '../helper.js'

const create = async (app: Awaited<ReturnType<typeof build>>) =>
  (await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' })).body.id as string

t.test('max_running_per_project: batches over the cap read THROTTLED until a slot frees', async (t) => {
  const app = await build(t, { scenario: scenario([], { defaults: { max_running_per_project: 1, timeline: { pending_ms: 1000, running_ms: 4000 }, cancel_delay_ms: 100 } }) })
  const a = await create(app)
  await advance(app, 500)
  const b = await create(app)
  await advance(app, 1)
  const c = await create(app)
  const status = async (id: string) => (await get(app, `/api/v2/batches/${id}`)).body.status
  await advance(app, 1000) // t=1.501 s: a RUNNING; b and c would run from 1.5 s
  t.same([await status(a), await status(b), await status(c)], ['RUNNING', 'THROTTLED', 'THROTTLED'])
  t.same((await get(app, '/api/v2/batches?status=THROTTLED')).body.items.map((x: { id: string }) => x.id).sort(), [b, c].sort(), 'the list filter sees it too')
  await advance(app, 3500) // t=5 s: a completes, b takes the slot
  t.same([await status(a), await status(b), await status(c)], ['COMPLETED', 'RUNNING', 'THROTTLED'])
  await post(app, `/api/v2/batches/${b}/cancel`) // takes effect at 5.1 s and frees the slot then
  await advance(app, 99)
  t.equal(await status(c), 'THROTTLED')
  await advance(app, 1)
  t.same([await status(b), await status(c)], ['CANCELLED', 'RUNNING'])
  await advance(app, 4000)
  t.equal(await status(c), 'COMPLETED')
})

t.test('projects have separate caps', async (t) => {
  const app = await build(t, {
    scenario: scenario([
      { id: 'bat-a', project_id: 'prj-a', files: 1, timeline: { pending_ms: 0, running_ms: 1000 } },
      { id: 'bat-b', project_id: 'prj-b', files: 1, timeline: { pending_ms: 0, running_ms: 1000 } },
      { id: 'bat-a2', project_id: 'prj-a', files: 1, timeline: { pending_ms: 0, running_ms: 1000 } }
    ], { defaults: { max_running_per_project: 1 } })
  })
  await advance(app, 1)
  const s = async (id: string) => (await get(app, `/api/v2/batches/${id}`)).body.status
  t.same([await s('bat-a'), await s('bat-b'), await s('bat-a2')], ['RUNNING', 'RUNNING', 'THROTTLED'])
})

t.test('cancelling a THROTTLED batch frees nothing but takes it out of the queue', async (t) => {
  const app = await build(t, { scenario: scenario([], { defaults: { max_running_per_project: 1, timeline: { pending_ms: 1000, running_ms: 4000 }, cancel_delay_ms: 100 } }) })
  const [a, b, c] = [await create(app), await create(app), await create(app)]
  const status = async (id: string) => (await get(app, `/api/v2/batches/${id}`)).body.status
  await advance(app, 2000)
  t.same([await status(a), await status(b), await status(c)], ['RUNNING', 'THROTTLED', 'THROTTLED'])
  await post(app, `/api/v2/batches/${b}/cancel`)
  t.same([await status(a), await status(c)], ['RUNNING', 'THROTTLED'], 'a keeps its slot')
  await advance(app, 2999) // t=4.999 s
  t.equal(await status(c), 'THROTTLED')
  await advance(app, 1) // a completes at 5 s: c, next in line, takes the slot
  t.same([await status(a), await status(b), await status(c)], ['COMPLETED', 'CANCELLED', 'RUNNING'])
})

t.test('a THROTTLED batch cancelled with a delay past its planned start never runs: it leaves the queue at once', async (t) => {
  const app = await build(t, { scenario: scenario([], { defaults: { max_running_per_project: 1, timeline: { pending_ms: 0, running_ms: 1000 }, cancel_delay_ms: 500 } }) })
  const [a, b, c] = [await create(app), await create(app), await create(app)]
  await advance(app, 900)
  const cancelled = await post(app, `/api/v2/batches/${b}/cancel`)
  t.same([cancelled.status, cancelled.body.status], [200, 'THROTTLED'])
  const timeline = async (id: string) => (await get(app, `/_mock/batches/${id}`)).body.timeline.map((tr: { status: string; at: string }) => `${tr.status}@${Date.parse(tr.at) - Date.parse(START)}`)
  t.same(await timeline(b), ['PENDING@0', 'THROTTLED@0', 'CANCELLED@1400'], 'THROTTLED until its cancel takes effect, never RUNNING (its planned start was 1 s)')
  t.same(await timeline(c), ['PENDING@0', 'THROTTLED@0', 'RUNNING@1000', 'COMPLETED@2000'], 'the next in line takes the slot when a frees it')
  await advance(app, 100)
  t.same([(await get(app, `/api/v2/batches/${a}`)).body.status, (await get(app, `/api/v2/batches/${b}`)).body.status, (await get(app, `/api/v2/batches/${c}`)).body.status], ['COMPLETED', 'THROTTLED', 'RUNNING'])
})
