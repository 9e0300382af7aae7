import t from 'tap'
import { build, get, scenario } from '../helper.js'

// A scenario may write a project with or without its prj- prefix, and in either case:
// get and list must agree on what a key sees (they once disagreed: get compared ids
// prefix-blind, the list index compared them exactly).
t.test('a key and its batches may name the project in either form', async (t) => {
  const UUID = '11111111-1111-4111-8111-111111111111'
  const app = await build(t, {
    scenario: scenario(
      [
        { id: 'bat-bare', project_id: UUID, files: 1, created_ago_ms: 2000 },
        { id: 'bat-prefixed', project_id: `prj-${UUID.toUpperCase()}`, files: 1, created_ago_ms: 1000 },
        { id: 'bat-other', project_id: 'prj-22222222-2222-4222-8222-222222222222', files: 1 }
      ],
      { api_keys: [{ key: 'k', project_id: `prj-${UUID}` }], projects: [{ id: UUID, organization_id: 'org-33333333-3333-4333-8333-333333333333' }] }
    )
  })
  const as = { authorization: 'Bearer k' }
  t.equal((await get(app, '/api/v2/batches/bat-bare', as)).status, 200)
  t.equal((await get(app, '/api/v2/batches/bat-prefixed', as)).status, 200)
  t.equal((await get(app, '/api/v2/batches/bat-other', as)).status, 404)
  const ids = (await get(app, '/api/v2/batches', as)).body.items.map((b: { id: string }) => b.id)
  t.same(ids, ['bat-prefixed', 'bat-bare'], 'the list shows what get shows')
  const narrowed = (await get(app, `/api/v2/batches?project_id=${UUID}`, as)).body.items.map((b: { id: string }) => b.id)
  t.same(narrowed, ['bat-prefixed', 'bat-bare'], 'and so does project_id narrowing')
  const byOrg = (await get(app, '/api/v2/batches?organization_id=33333333-3333-4333-8333-333333333333', as)).body.items.length
  t.equal(byOrg, 2, "the organization is the project's, whichever form named it")
  t.same((await get(app, '/api/v2/batches?organization_id=44444444-4444-4444-8444-444444444444', as)).body.items, [])
})
