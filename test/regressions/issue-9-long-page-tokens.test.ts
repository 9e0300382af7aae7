import t from 'tap'
import { build, get, pendingBatches, scenario, START_MS, walk } from '../helper.js'

t.test('a walk with every filter set, a 128-character directory id included, reaches the end', async (t) => {
  const dir = `dir-${'x'.repeat(124)}`
  const project = 'prj-aaaaaaaa-0000-4000-8000-000000000001'
  const batches = pendingBatches(7, project, dir)
  const app = await build(t, { scenario: scenario(batches, { api_keys: [{ key: 'kp', project_id: project }] }) })
  const base =
    `/api/v2/batches?page_size=2&status=PENDING&source_directory_id=${dir}` +
    `&created_at_on_or_after=2025-12-01T00:00:00.000000%2B00:00&created_at_on_or_before=2026-01-01T00:00:00.000000%2B00:00` +
    `&project_id=${project}&organization_id=org-bbbbbbbb-0000-4000-8000-000000000002`
  // Every page must answer 200 (walk throws otherwise), within 10 pages.
  const { items, tokens } = await walk<{ id: string }>(app, base, { authorization: 'Bearer kp' }, 10)
  for (const token of tokens) t.ok(token.length <= 512, `token of ${token.length} characters`)
  t.same(items.map((b) => b.id), batches.map((b) => b.id))
  const other = await get(app, `${base}&page_token=${encodeURIComponent('x.y')}`, { authorization: 'Bearer kp' })
  t.equal(other.status, 422)
})

t.test('a token still binds its query', async (t) => {
  const batches = Array.from({ length: 3 }, (_, i) => ({ id: `bat-${i}`, source_directory_id: 'dir-a', created_at: new Date(START_MS - (i + 1) * 60_000).toISOString(), files: 1 }))
  const app = await build(t, { scenario: scenario(batches) })
  const first = await get(app, '/api/v2/batches?page_size=1&source_directory_id=dir-a')
  const token = encodeURIComponent(first.body.next_page_token)
  t.equal((await get(app, `/api/v2/batches?page_size=1&source_directory_id=dir-a&page_token=${token}`)).status, 200)
  t.equal((await get(app, `/api/v2/batches?page_size=1&source_directory_id=dir-b&page_token=${token}`)).status, 422)
  t.equal((await get(app, `/api/v2/batches?page_size=1&page_token=${token}`)).status, 422)
})
