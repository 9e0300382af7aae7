import t from 'tap'
import { build, get, post, scenario } from '../helper.js'

const statusOf = async (app: Awaited<ReturnType<typeof build>>, id: string) => (await get(app, `/api/v2/batches/${id}?expand=results`)).body

t.test('a batch that progresses by polls takes one step per GET', async (t) => {
  const app = await build(t, {
    scenario: scenario([
      { id: 'bat-p', files: 2, file_error_rate: 0, progression: 'polls', timeline: { pending_ms: 1000, throttled_ms: 1000, running_ms: 1000 } },
      { id: 'bat-p2', files: 1, progression: 'polls', polls_per_step: 2 },
      { id: 'bat-i', files: 3, progression: 'immediate', outcome: 'FAILED', results_when_failed: 'partial', fail_after_files: 1 }
    ])
  })
  const seen = []
  for (let i = 0; i < 5; i++) seen.push((await statusOf(app, 'bat-p')).status)
  t.same(seen, ['PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED', 'COMPLETED'], 'no clock needed')
  t.equal((await statusOf(app, 'bat-p')).results.length, 2)
  t.same([(await statusOf(app, 'bat-p2')).status, (await statusOf(app, 'bat-p2')).status, (await statusOf(app, 'bat-p2')).status], ['PENDING', 'PENDING', 'RUNNING'], 'every 2 GETs')
  const immediate = await statusOf(app, 'bat-i')
  t.same([immediate.status, immediate.results.length], ['FAILED', 1], 'immediate: at its outcome from the first read')
})

t.test('lists do not count as polls; reset forgets the count', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-p', files: 1, progression: 'polls' }]) })
  for (let i = 0; i < 3; i++) await get(app, '/api/v2/batches')
  t.equal((await get(app, '/api/v2/batches')).body.items[0].status, 'PENDING')
  t.equal((await get(app, '/api/v2/batches?status=PENDING')).body.items.length, 1)
  await statusOf(app, 'bat-p')
  t.equal((await get(app, '/api/v2/batches')).body.items[0].status, 'PENDING', 'the list shows what the last GET showed')
  await statusOf(app, 'bat-p')
  t.equal((await get(app, '/api/v2/batches')).body.items[0].status, 'RUNNING')
  await post(app, '/_mock/reset')
  t.equal((await statusOf(app, 'bat-p')).status, 'PENDING')
})

t.test('created batches follow defaults.progression; cancel works by steps too', async (t) => {
  const app = await build(t, { scenario: scenario([], { defaults: { progression: 'polls', file_error_rate: 0, cancel_delay_ms: 0 } }) })
  const created = (await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' })).body
  t.equal((await statusOf(app, created.id)).status, 'PENDING')
  t.equal((await statusOf(app, created.id)).status, 'RUNNING')
  t.equal((await post(app, `/api/v2/batches/${created.id}/cancel`)).body.status, 'CANCELLED', 'with cancel_delay_ms 0 it takes effect at once')
  const cancelled = await statusOf(app, created.id)
  t.equal(cancelled.status, 'CANCELLED', 'the next poll shows the cancellation')
  t.same(cancelled.results, [], 'no file had finished when it took effect, at once')
})

t.test('a bad progression is refused', async (t) => {
  const r = await post(await build(t), '/_mock/batches', { progression: 'whenever' })
  t.equal(r.status, 422)
  t.same(r.body.detail[0].loc, ['body', 'progression'])
})
