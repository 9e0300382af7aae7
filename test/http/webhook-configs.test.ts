import t from 'tap'
import { AUTH, build, get, post, scenario } from '../helper.js'
import { MAX_WEBHOOK_CONFIGS } from '../../src/webhooks/config-store.js'

const PATH = '/api/v1/beta/webhook-configs'
const A = { authorization: 'Bearer sk-a' }
const B = { authorization: 'Bearer sk-b' }
const PRJ_A = 'prj-aaaaaaaa-0000-4000-8000-000000000001'
const tenants = () =>
  scenario([], {
    api_keys: [
      { key: 'sk-a', project_id: PRJ_A },
      { key: 'sk-b', project_id: 'prj-bbbbbbbb-0000-4000-8000-000000000002' }
    ]
  })

t.test('saved webhook configurations', async (t) => {
  const app = await build(t, { scenario: tenants() })
  const send = (method: 'PUT' | 'DELETE', url: string, payload?: object, headers = A) => app.inject({ method, url, headers, ...(payload && { payload }) })

  t.test('create answers the SDK shape; the secret is write-only', async (t) => {
    const r = await post(app, PATH, { webhook_url: 'http://127.0.0.1:9/a', webhook_signing_secret: 'x', webhook_headers: { 'X-Token': 't' } }, A)
    t.equal(r.status, 200)
    t.same(Object.keys(r.body).sort(), ['created_at', 'has_secret', 'id', 'tenant_id', 'tenant_type', 'updated_at', 'webhook_events', 'webhook_headers', 'webhook_output_format', 'webhook_url'])
    t.match(r.body, { tenant_id: PRJ_A, tenant_type: 'project', has_secret: true, webhook_events: null, webhook_output_format: null, webhook_headers: { 'X-Token': 't' }, created_at: '2026-01-01T00:00:00.000Z' })
    t.notMatch(JSON.stringify((await get(app, `${PATH}/${r.body.id}`, A)).body), /"x"/, 'not answered on read either')
  })

  t.test('bad bodies are 422s naming the field', async (t) => {
    const cases: [object, (string | number)[], string][] = [
      [{}, ['body', 'webhook_url'], 'missing'],
      [{ webhook_url: 'http://127.0.0.1/a', webhook_events: [] }, ['body', 'webhook_events'], 'too_short'],
      [{ webhook_url: 'http://127.0.0.1/a', webhook_events: ['batch.done'] }, ['body', 'webhook_events', 0], 'enum'],
      [{ webhook_url: 'http://127.0.0.1/a', webhook_output_format: 'xml' }, ['body', 'webhook_output_format'], 'enum'],
      [{ webhook_url: 'https://example.com/a' }, ['body', 'webhook_url'], 'value_error'],
      [{ webhook_url: 'http://127.0.0.1/a', webhook_headers: { Host: 'x' } }, ['body', 'webhook_headers', 'Host'], 'value_error'],
      [{ webhook_url: 'http://127.0.0.1/a', webhook_headers: { a: 'x'.repeat(4000), b: 'x'.repeat(4000), c: 'x'.repeat(400) } }, ['body', 'webhook_headers'], 'value_error'],
      // node:http cannot send these: accepted, every attempt would fail
      [{ webhook_url: 'http://127.0.0.1/a', webhook_headers: { 'X-Price': '5 €' } }, ['body', 'webhook_headers', 'X-Price'], 'value_error'],
      [{ webhook_url: 'http://127.0.0.1/a', webhook_headers: { 'X-Ctl': 'a\u0001b' } }, ['body', 'webhook_headers', 'X-Ctl'], 'value_error'],
      [{ webhook_url: 'http://127.0.0.1/a', webhook_headers: { 'X-Ctl': 'a\u007fb' } }, ['body', 'webhook_headers', 'X-Ctl'], 'value_error'],
      [{ webhook_url: 'http://127.0.0.1/a', webhook_headers: { 'X-Team': 'a', 'x-team': 'b' } }, ['body', 'webhook_headers', 'x-team'], 'value_error']
    ]
    for (const [payload, loc, type] of cases) {
      const r = await post(app, PATH, payload, A)
      t.equal(r.status, 422, JSON.stringify(payload))
      t.same(r.body.detail.find((d: { loc: unknown[] }) => JSON.stringify(d.loc) === JSON.stringify(loc))?.type, type, `${loc.join('.')}: ${type}`)
    }
    t.equal((await post(app, PATH, { webhook_url: 'http://127.0.0.1/a', webhook_headers: { 'X-Name': 'Café\tMüller' } }, A)).status, 200, 'tabs and Latin-1 can be sent')
    const id = (await post(app, PATH, { webhook_url: 'http://127.0.0.1/b' }, A)).body.id
    t.equal((await send('PUT', `${PATH}/${id}`, { webhook_events: [] })).statusCode, 422, 'an update to [] too')
    t.equal((await send('PUT', `${PATH}/${id}`, { webhook_headers: { 'X-A': 'line\u2028sep' } })).statusCode, 422, 'an update with an unsendable header too')
    // What httpx sends for a body-less call: Content-Type: application/json and nothing. A create needs its body (pydantic: missing).
    const empty = { ...A, 'content-type': 'application/json' }
    const bare = await app.inject({ method: 'POST', url: PATH, headers: empty, payload: '' })
    t.equal(bare.statusCode, 422, 'a create with no body')
    t.same(bare.json().detail[0].loc, ['body'])
    t.equal((await app.inject({ method: 'PUT', url: `${PATH}/${id}`, headers: empty, payload: '' })).statusCode, 422, 'an update with no body')
  })

  t.test('update changes only the fields sent; list is newest first; delete', async (t) => {
    const fresh = await build(t, { scenario: tenants() })
    const first = (await post(fresh, PATH, { webhook_url: 'http://127.0.0.1/1', webhook_events: ['batch.success'], webhook_output_format: 'json', webhook_signing_secret: 's' }, A)).body
    await fresh.inject({ method: 'POST', url: '/_mock/clock/advance', payload: { ms: 1000 } })
    const second = (await post(fresh, PATH, { webhook_url: 'http://127.0.0.1/2' }, A)).body
    t.same((await get(fresh, PATH, A)).body.map((c: { id: string }) => c.id), [second.id, first.id])
    const put = await fresh.inject({ method: 'PUT', url: `${PATH}/${first.id}`, headers: A, payload: { webhook_url: 'http://127.0.0.1/1b', webhook_signing_secret: null } })
    t.equal(put.statusCode, 200)
    t.match(put.json(), { webhook_url: 'http://127.0.0.1/1b', webhook_events: ['batch.success'], webhook_output_format: 'json', has_secret: false, created_at: first.created_at, updated_at: '2026-01-01T00:00:01.000Z' })
    t.equal((await fresh.inject({ method: 'DELETE', url: `${PATH}/${first.id}`, headers: A })).statusCode, 204)
    t.equal((await get(fresh, `${PATH}/${first.id}`, A)).status, 404)
    t.same((await fresh.inject({ method: 'DELETE', url: `${PATH}/${first.id}`, headers: A })).json(), { detail: 'Webhook configuration not found' })
    t.equal((await fresh.inject({ method: 'PATCH', url: `${PATH}/${second.id}`, headers: A })).statusCode, 405)
  })

  t.test('tenants never see each other’s configurations', async (t) => {
    const mine = (await post(app, PATH, { webhook_url: 'http://127.0.0.1/mine' }, A)).body
    t.equal((await get(app, `${PATH}/${mine.id}`, B)).status, 404, 'another project: not found')
    t.notOk((await get(app, PATH, B)).body.some((c: { id: string }) => c.id === mine.id))
    t.equal((await send('PUT', `${PATH}/${mine.id}`, { webhook_url: 'http://127.0.0.1/theirs' }, B)).statusCode, 404)
    t.equal((await send('DELETE', `${PATH}/${mine.id}`, undefined, B)).statusCode, 404)
    const body = { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-1', webhook_configuration_ids: [mine.id] }
    t.equal((await post(app, '/api/v2/batches', body, B)).status, 422, "a batch cannot name another project's configuration")
    t.equal((await post(app, '/api/v2/batches', body, A)).status, 200)
    t.equal((await get(app, PATH, {})).status, 401, 'a key is required')
  })

  t.test(`at most ${MAX_WEBHOOK_CONFIGS} are held`, async (t) => {
    const full = await build(t)
    for (let i = 0; i < MAX_WEBHOOK_CONFIGS; i++) await post(full, PATH, { webhook_url: 'http://127.0.0.1/x', webhook_events: ['batch.success'] })
    const over = await post(full, PATH, { webhook_url: 'http://127.0.0.1/x' })
    t.equal(over.status, 429)
    t.match(over.body.detail, /at most 1000/)
    await full.inject({ method: 'POST', url: '/_mock/reset' })
    t.same((await get(full, PATH)).body, [], 'reset forgets them')
  })

  t.test('compat mode takes any schema-valid configuration', async (t) => {
    const compat = await build(t, { mode: 'compat' })
    t.equal((await post(compat, PATH, { webhook_url: 'https://example.com/webhooks/llamacloud' }, AUTH)).status, 200)
    const batch = await post(compat, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'd', webhook_configuration_ids: ['whc-unknown'], webhook_configurations: [{ webhook_url: 'webhook_url', webhook_events: ['batch.success'] }] })
    t.equal(batch.status, 200)
  })
})
