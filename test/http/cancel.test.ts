import t from 'tap'
import { advance, build, get, post, scenario } from '../helper.js'

const running = () =>
  scenario([{ id: 'bat-run', files: [{ id: 'dfl-1' }, { id: 'dfl-2' }, { id: 'dfl-3' }, { id: 'dfl-4' }], timeline: { pending_ms: 1000, running_ms: 4000 } }], {
    defaults: { cancel_delay_ms: 500, file_error_rate: 0 }
  })

t.test('cancel mid-run: answers at once, CANCELLED after the delay, finished files keep results', async (t) => {
  const app = await build(t, { scenario: running() })
  await advance(app, 3000) // RUNNING; files 1 and 2 mapped (at 2 s and 3 s)
  const answer = await post(app, '/api/v2/batches/bat-run/cancel')
  t.equal(answer.status, 200)
  t.equal(answer.body.status, 'RUNNING', 'the answer is the batch as it is now')
  t.equal(answer.body.results, null)
  await advance(app, 499)
  t.equal((await get(app, '/api/v2/batches/bat-run')).body.status, 'RUNNING')
  await advance(app, 1)
  const done = (await get(app, '/api/v2/batches/bat-run?expand=results')).body
  t.equal(done.status, 'CANCELLED')
  t.equal(done.updated_at, '2026-01-01T00:00:03.500Z')
  t.same(done.results.map((r: { source_directory_file_id: string }) => r.source_directory_file_id), ['dfl-1', 'dfl-2'])
  await advance(app, 60_000)
  t.equal((await get(app, '/api/v2/batches/bat-run')).body.status, 'CANCELLED', 'it never completes')
})

t.test('a terminal batch answers 400 naming its status', async (t) => {
  const app = await build(t, { scenario: running() })
  await advance(app, 3000)
  await post(app, '/api/v2/batches/bat-run/cancel')
  const again = await post(app, '/api/v2/batches/bat-run/cancel')
  t.equal(again.status, 200, 'a second cancel before it takes effect is still accepted')
  await advance(app, 1000)
  const late = await post(app, '/api/v2/batches/bat-run/cancel')
  t.equal(late.status, 400)
  t.match(late.body.detail, /CANCELLED/)

  const other = await build(t, { scenario: running() })
  await advance(other, 10_000)
  const completed = await post(other, '/api/v2/batches/bat-run/cancel')
  t.equal(completed.status, 400)
  t.same(completed.body, { detail: 'Batch bat-run is already COMPLETED and cannot be cancelled' })
})

t.test('unknown and foreign batches are 404; bad queries 422', async (t) => {
  const A = 'prj-aaaaaaaa-0000-4000-8000-000000000001'
  const app = await build(t, { scenario: scenario([{ id: 'bat-a', project_id: A, files: 1 }], { api_keys: [{ key: 'ka', project_id: A }, { key: 'kb', project_id: 'prj-b' }] }) })
  t.same((await post(app, '/api/v2/batches/bat-a/cancel', undefined, { authorization: 'Bearer kb' })).body, { detail: 'Batch not found' })
  t.equal((await post(app, '/api/v2/batches/bat-zzz/cancel', undefined, { authorization: 'Bearer ka' })).status, 404)
  t.equal((await post(app, '/api/v2/batches/bat-a/cancel?project_id=x', undefined, { authorization: 'Bearer ka' })).status, 422)
  t.equal((await get(app, '/api/v2/batches/bat-a', { authorization: 'Bearer ka' })).body.status, 'PENDING', 'nothing was cancelled')
  await advance(app, 60_000)
  t.equal((await get(app, '/api/v2/batches/bat-a', { authorization: 'Bearer ka' })).body.status, 'COMPLETED')
})
