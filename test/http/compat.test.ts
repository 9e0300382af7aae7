import t from 'tap'
import { build, get, post } from '../helper.js'

t.test('compat mode: every schema-valid request gets a 2xx', async (t) => {
  const app = await build(t, { mode: 'compat' })
  const url = '/api/v2/batches/batch_id?expand=string&expand=string&organization_id=182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e&project_id=182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e'
  const a = await get(app, url)
  t.equal(a.status, 200)
  t.equal(a.body.id, 'batch_id')
  t.equal(a.body.status, 'COMPLETED')
  const b = await get(app, '/api/v2/batches/batch_id?expand=results')
  t.same(b.body.created_at, a.body.created_at, 'the same id gives the same batch')
  t.ok(b.body.results.length >= 1)

  const other = await build(t, { mode: 'compat' })
  t.equal((await get(other, url)).res.body, a.res.body, 'derived from the id and the request alone, across instances')
  t.equal(a.body.project_id, 'prj-182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e', "in the request's project")

  const list = await get(app, '/api/v2/batches?created_at_on_or_after=2019-12-27T18:11:19.117Z&created_at_on_or_before=2019-12-27T18:11:19.117Z&organization_id=182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e&page_size=0&page_token=page_token&project_id=182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e&source_directory_id=source_directory_id&status=PENDING')
  t.equal(list.status, 200, 'placeholder page_size=0 and page_token are accepted')
  t.same(list.body, { items: [], next_page_token: null })

  const cancel = await post(app, '/api/v2/batches/batch_id/cancel')
  t.equal(cancel.status, 200, 'cancelling a terminal batch answers it unchanged')
  t.equal(cancel.body.status, 'COMPLETED')

  t.equal((await get(app, '/api/v2/batches?page_size=abc')).status, 422, 'schema-invalid requests still fail')
  t.equal((await get(app, '/api/v2/batches/batch_id', {})).status, 401, 'a key is still required')
})
