import t from 'tap'
import { advance, AUTH, build, get, post, scenario, START } from '../helper.js'

const body = (dir = 'dir-11111111-2222-4333-8444-555555555555', type = 'parse_v2') => ({ config: { job: { type, configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: dir })

t.test('create answers a PENDING batch that then runs on the default timeline', async (t) => {
  const app = await build(t)
  const created = await post(app, '/api/v2/batches', body())
  t.equal(created.status, 200)
  const b = created.body
  t.match(b.id, /^bat-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  t.same({ ...b, id: 'x' }, {
    id: 'x',
    project_id: 'prj-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    source_directory_id: 'dir-11111111-2222-4333-8444-555555555555',
    config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } },
    status: 'PENDING',
    created_at: START,
    updated_at: START,
    results: null
  })
  await advance(app, 1000)
  t.equal((await get(app, `/api/v2/batches/${b.id}`)).body.status, 'RUNNING', 'PENDING lasts 1 s by default')
  await advance(app, 4000)
  const done = (await get(app, `/api/v2/batches/${b.id}?expand=results`)).body
  t.equal(done.status, 'COMPLETED', 'RUNNING lasts 4 s by default')
  t.ok(done.results.length >= 1)
  for (const r of done.results) t.ok((r.job_reference === null) !== (r.error_message === null), 'each file has a job or an error')
})

t.test('an unknown directory is derived from its id: same id, same files', async (t) => {
  const app = await build(t)
  const a = (await post(app, '/api/v2/batches', body('dir-same'))).body
  const b = (await post(app, '/api/v2/batches', body('dir-same', 'extract_v2'))).body
  const c = (await post(app, '/api/v2/batches', body('dir-other'))).body
  t.not(a.id, b.id)
  await advance(app, 60_000)
  const files = async (id: string) => (await get(app, `/api/v2/batches/${id}?expand=results`)).body.results.map((r: { source_directory_file_id: string }) => r.source_directory_file_id)
  t.same(await files(a.id), await files(b.id))
  t.not(JSON.stringify(await files(c.id)), JSON.stringify(await files(a.id)))
  const other = await build(t)
  const again = (await post(other, '/api/v2/batches', body('dir-same'))).body
  await advance(other, 60_000)
  t.same(await files(a.id), (await get(other, `/api/v2/batches/${again.id}?expand=results`)).body.results.map((r: { source_directory_file_id: string }) => r.source_directory_file_id), 'across instances too')
  t.equal(again.id, a.id, 'and ids repeat for a replayed run')
})

t.test("the scenario's directories, per-file errors and exclusivity", async (t) => {
  const app = await build(t, {
    scenario: scenario([], {
      exclusive_directories: true,
      defaults: { file_error_rate: 0 },
      directories: [{ id: 'dir-known', files: [{ id: 'dfl-1' }, { id: 'dfl-2', error: 'File x.pdf is empty (0 bytes)' }] }]
    })
  })
  const b = (await post(app, '/api/v2/batches', body('dir-known'))).body
  await advance(app, 10_000)
  const results = (await get(app, `/api/v2/batches/${b.id}?expand=results`)).body.results
  t.same(results.map((r: { source_directory_file_id: string }) => r.source_directory_file_id), ['dfl-1', 'dfl-2'])
  t.same(results[1], { source_directory_file_id: 'dfl-2', job_reference: null, error_message: 'File x.pdf is empty (0 bytes)' })
  const unknown = await post(app, '/api/v2/batches', body('dir-unknown'))
  t.same([unknown.status, unknown.body], [404, { detail: 'Directory not found: dir-unknown' }])
})

t.test('the project comes from the key, or from project_id', async (t) => {
  const A = 'prj-aaaaaaaa-0000-4000-8000-000000000001'
  const app = await build(t, { scenario: scenario([], { api_keys: [{ key: 'ka', project_id: A }] }) })
  const ka = { authorization: 'Bearer ka' }
  t.equal((await post(app, '/api/v2/batches', body(), ka)).body.project_id, A)
  t.equal((await post(app, '/api/v2/batches?project_id=aaaaaaaa-0000-4000-8000-000000000001', body(), ka)).status, 200)
  const foreign = await post(app, '/api/v2/batches?project_id=bbbbbbbb-0000-4000-8000-000000000002', body(), ka)
  t.equal(foreign.status, 404, "a key cannot create in another project")
  const open = await build(t)
  t.equal((await post(open, '/api/v2/batches?project_id=bbbbbbbb-0000-4000-8000-000000000002', body())).body.project_id, 'prj-bbbbbbbb-0000-4000-8000-000000000002')
})

t.test('webhook configurations are kept as given; an unknown saved id or a non-loopback URL is a 422', async (t) => {
  const app = await build(t)
  const saved = await post(app, '/api/v1/beta/webhook-configs', { webhook_url: 'http://127.0.0.1:9/saved', webhook_events: ['batch.success'] })
  const inline = [{ webhook_url: 'http://127.0.0.1:9/hook', webhook_events: ['batch.success'], webhook_headers: { 'x-token': 't' }, webhook_signing_secret: 's' }]
  const r = await post(app, '/api/v2/batches', { ...body(), webhook_configuration_ids: [saved.body.id], webhook_configurations: inline })
  t.equal(r.status, 200)
  t.same(app.mock.world.store.get(r.body.id)?.webhooks, { webhook_configuration_ids: [saved.body.id], webhook_configurations: inline })
  const unknown = await post(app, '/api/v2/batches', { ...body(), webhook_configuration_ids: [saved.body.id, 'whc-1'] })
  t.equal(unknown.status, 422)
  t.same(unknown.body.detail[0].loc, ['body', 'webhook_configuration_ids', 1])
  const outside = await post(app, '/api/v2/batches', { ...body(), webhook_configurations: [{ webhook_url: 'https://example.test/hook' }] })
  t.same(outside.body.detail[0].loc, ['body', 'webhook_configurations', 0, 'webhook_url'])
  t.equal((await get(app, '/api/v2/batches')).body.items.length, 1, 'a refused create creates nothing')
})

t.test('bad bodies are 422s naming the field, and create nothing', async (t) => {
  const app = await build(t)
  const cases: [unknown, (string | number)[], string][] = [
    [{ source_directory_id: 'dir-1' }, ['body', 'config'], 'missing'],
    [{ ...body(), config: { job: { type: 'ocr_v9', configuration_id: 'c' } } }, ['body', 'config', 'job', 'type'], 'enum'],
    [{ ...body(), config: { job: { type: 'parse_v2', configuration_id: '' } } }, ['body', 'config', 'job', 'configuration_id'], 'string_too_short'],
    [{ ...body(), source_directory_id: 42 }, ['body', 'source_directory_id'], 'string_type'],
    [{ ...body(), webhook_configurations: 'nope' }, ['body', 'webhook_configurations'], 'list_type'],
    [[1, 2], ['body'], 'dict_type']
  ]
  for (const [payload, loc, type] of cases) {
    const r = await post(app, '/api/v2/batches', payload as object)
    t.equal(r.status, 422, JSON.stringify(payload))
    t.same(r.body.detail.find((d: { loc: unknown[] }) => JSON.stringify(d.loc) === JSON.stringify(loc))?.type, type, `${loc.join('.')} is ${type}`)
  }
  const badProject = await post(app, '/api/v2/batches?project_id=12', body())
  t.same(badProject.body.detail[0].loc, ['query', 'project_id'])
  const broken = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"config": ' })
  t.equal(broken.statusCode, 422)
  t.equal(broken.json().detail[0].type, 'json_invalid')
  const empty = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: { ...AUTH, 'content-type': 'application/json' } })
  t.equal(empty.statusCode, 422)
  const big = await post(app, '/api/v2/batches', { ...body(), webhook_configuration_ids: Array(3000).fill('x'.repeat(30)) })
  t.equal(big.status, 413, 'bodies are bounded')
  t.type(big.body.detail, 'string')
  t.equal((await get(app, '/api/v2/batches')).body.items.length, 0, 'no batch was created')
})
