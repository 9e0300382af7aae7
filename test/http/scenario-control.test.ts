import t from 'tap'
import { advance, build, get, post, scenario } from '../helper.js'

t.test('POST /_mock/scenario by name or inline; a bad one leaves the old in force', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-old', files: 1 }]) })
  const inline = await post(app, '/_mock/scenario', { scenario: { name: 'inline-one', batches: [{ id: 'bat-new', files: 2 }] } })
  t.same(inline.body, { scenario: 'inline-one', batches: 1, clock: { now: '2026-01-01T00:00:00.000Z', mode: 'manual', speed: 0 } })
  t.equal((await get(app, '/api/v2/batches/bat-new')).status, 200)
  t.equal((await get(app, '/api/v2/batches/bat-old')).status, 404)

  const bad = await post(app, '/_mock/scenario', { scenario: { batches: [{ id: 'bat-x', timeline: { running_ms: -3 } }] } })
  t.equal(bad.status, 422)
  t.same(bad.body.detail[0].loc, ['body', 'scenario', 'batches', 0, 'timeline', 'running_ms'])
  t.match(bad.body.detail[0].msg, /greater or equal to 0/)
  const duplicate = await post(app, '/_mock/scenario', { scenario: { batches: [{ id: 'bat-d' }, { id: 'bat-d' }] } })
  t.same(duplicate.body.detail[0].loc, ['body', 'scenario', 'batches', 1, 'id'])
  t.equal((await get(app, '/api/v2/batches/bat-new')).status, 200, 'the old scenario stays in force')

  t.equal((await post(app, '/_mock/scenario', { name: 'default' })).body.scenario, 'default')
  t.equal((await get(app, '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')).status, 200)
  t.same((await post(app, '/_mock/scenario', { name: 'no-such-scenario' })).body.detail[0].loc, ['body', 'name'])
  t.equal((await post(app, '/_mock/scenario', {})).status, 422, 'name or scenario is required')
  t.equal((await post(app, '/_mock/reset')).body.scenario, 'default', 'reset returns to the last loaded scenario')
})

t.test('POST /_mock/batches injects a batch with an explicit timeline and files', async (t) => {
  const app = await build(t)
  await advance(app, 10_000)
  const injected = await post(app, '/_mock/batches', {
    id: 'bat-inj',
    job: { type: 'extract_v2', configuration_id: 'cfg-EXTRACT_FAST' },
    timeline: { pending_ms: 100, throttled_ms: 200, running_ms: 400 },
    files: [{ id: 'dfl-1' }, { id: 'dfl-2', error: 'File b.pdf is empty (0 bytes)' }],
    results_while_running: 'partial'
  })
  t.equal(injected.status, 200)
  t.same([injected.body.id, injected.body.status, injected.body.created_at, injected.body.results], ['bat-inj', 'PENDING', '2026-01-01T00:00:10.000Z', null])
  const at = async (ms: number) => {
    await advance(app, ms)
    return (await get(app, '/api/v2/batches/bat-inj?expand=results')).body
  }
  t.equal((await at(100)).status, 'THROTTLED')
  t.equal((await at(200)).status, 'RUNNING')
  t.same((await at(200)).results.map((r: { source_directory_file_id: string }) => r.source_directory_file_id), ['dfl-1'], 'partial while running')
  const done = await at(200)
  t.equal(done.status, 'COMPLETED')
  t.same(done.results[1], { source_directory_file_id: 'dfl-2', job_reference: null, error_message: 'File b.pdf is empty (0 bytes)' })
  t.equal(done.results[0].job_reference.type, 'extract_v2')

  const again = await post(app, '/_mock/batches', { id: 'bat-inj' })
  t.same([again.status, again.body.detail[0].loc], [422, ['body', 'id']])
  t.equal((await post(app, '/_mock/batches', { outcome: 'SOON' })).status, 422)
  const generated = await post(app, '/_mock/batches', { outcome: 'FAILED', files: 4, created_ago_ms: 60_000 })
  t.equal(generated.body.status, 'FAILED', 'created a minute ago, already failed')
  t.match(generated.body.id, /^bat-/)
  t.not((await post(app, '/_mock/batches', {})).body.id, generated.body.id, 'each injection gets its own id')
})
