import t from 'tap'
import { build, exampleScenario, get, scenario } from '../helper.js'

const A = 'prj-aaaaaaaa-0000-4000-8000-000000000001'
const B = 'prj-bbbbbbbb-0000-4000-8000-000000000002'

t.test('a bearer key is required', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  const url = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
  for (const headers of [{} as Record<string, string>, { authorization: 'Basic abc' }, { authorization: 'Bearer' }, { authorization: 'Bearer   ' }]) {
    const r = await get(app, url, headers)
    t.equal(r.status, 401, JSON.stringify(headers))
    t.equal(r.res.headers['www-authenticate'], 'Bearer')
    t.type(r.body.detail, 'string')
  }
  t.equal((await get(app, url, { authorization: 'bearer anything' })).status, 200, 'any key when the scenario declares none')
  t.equal((await get(app, url, { authorization: 'Bearer My API Key' })).status, 200, "keys may hold spaces, as the SDK's tests' key does")
  t.equal((await get(app, '/_mock/health', {})).status, 200, 'the control plane needs no key')
})

t.test('--no-auth', async (t) => {
  const app = await build(t, { scenario: exampleScenario(), auth: false })
  t.equal((await get(app, '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', {})).status, 200)
})

t.test('scenario keys see only their project; others read as unknown', async (t) => {
  const app = await build(t, {
    scenario: scenario(
      [
        { id: 'bat-a', project_id: A, files: 1 },
        { id: 'bat-b', project_id: B, files: 1 }
      ],
      { api_keys: [{ key: 'key-a', project_id: A }, { key: 'key-b', project_id: B }] }
    )
  })
  const as = (key: string) => ({ authorization: `Bearer ${key}` })
  t.equal((await get(app, '/api/v2/batches/bat-a', as('key-a'))).status, 200)
  const other = await get(app, '/api/v2/batches/bat-b', as('key-a'))
  const unknown = await get(app, '/api/v2/batches/bat-zzz', as('key-a'))
  t.equal(other.status, 404)
  t.same(other.body, unknown.body, "another project's batch is indistinguishable from an unknown id")
  t.same(other.res.headers['content-type'], unknown.res.headers['content-type'])
  t.equal((await get(app, '/api/v2/batches/bat-b', as('key-b'))).status, 200)
  const stranger = await get(app, '/api/v2/batches/bat-a', as('key-c'))
  t.equal(stranger.status, 401, 'a key the scenario does not declare is refused')
})
