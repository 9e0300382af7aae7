import t from 'tap'
import { build, get, pendingBatches, scenario, walk } from '../helper.js'

// The hostile inputs of the wire-contract issues (9 and 10), replayed in one run against
// one app: every answer is a bounded 4xx or the right 200, and the whole run is quick.
const AUTH = { authorization: 'Bearer kp' }
const JSON_CT = { ...AUTH, 'content-type': 'application/json' }
const MAX_ANSWER = 64 * 1024

t.test('hostile wire inputs answer small 4xx, and the app keeps serving', async (t) => {
  const dir = `dir-${'d'.repeat(124)}`
  const project = 'prj-aaaaaaaa-0000-4000-8000-000000000001'
  const batches = pendingBatches(25, project, dir)
  const app = await build(t, { scenario: scenario(batches, { api_keys: [{ key: 'kp', project_id: project }] }) })
  const started = Date.now()

  const hostile: { name: string; method: 'GET' | 'POST'; url: string; payload?: string | Buffer; headers?: Record<string, string>; type?: string }[] = [
    { name: 'a 59 KB body of 30,000 faults', method: 'POST', url: '/api/v2/batches', payload: JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'd', webhook_configuration_ids: Array(30_000).fill(0) }), type: 'too_long' },
    { name: 'JSON 5,000 levels deep', method: 'POST', url: '/api/v2/batches', payload: '['.repeat(5000) + ']'.repeat(5000), type: 'json_invalid' },
    { name: 'a deep inline scenario', method: 'POST', url: '/_mock/scenario', payload: `{"scenario":${'{"a":'.repeat(5000)}0${'}'.repeat(5000)}}`, type: 'json_invalid' },
    { name: 'invalid UTF-8', method: 'POST', url: '/api/v2/batches', payload: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), type: 'json_invalid' },
    { name: 'page_size=1e1000', method: 'GET', url: '/api/v2/batches?page_size=1e1000', type: 'int_parsing' },
    { name: 'page_size=Infinity', method: 'GET', url: '/api/v2/batches?page_size=Infinity', type: 'int_parsing' },
    { name: 'a leap second', method: 'GET', url: '/api/v2/batches?created_at_on_or_after=2027-06-30T23:59:60Z', type: 'datetime_from_date_parsing' },
    { name: 'a 10 KB status', method: 'GET', url: `/api/v2/batches?status=${'S'.repeat(10_000)}`, type: 'enum' }
  ]
  for (const h of hostile) {
    const res = await app.inject({ method: h.method, url: h.url, headers: h.method === 'POST' ? JSON_CT : AUTH, ...(h.payload !== undefined && { payload: h.payload }) })
    t.equal(res.statusCode, 422, h.name)
    t.ok(res.payload.length < MAX_ANSWER, `${h.name}: ${res.payload.length} bytes`)
    const detail = res.json().detail as { type: string }[]
    t.ok(detail.length <= 101, `${h.name}: ${detail.length} issues`)
    t.equal(detail[0]?.type, h.type, h.name)
  }
  const faults = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: hostile[0]!.payload! })
  t.match(faults.json().detail[100], { type: 'too_many_errors', msg: /^29901 more errors/ }, 'the rest counted, not listed')

  const proto = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: '{"__proto__":{"admin":true},"config":{"job":{"type":"parse_v2","configuration_id":"c"}},"source_directory_id":"dir-p"}' })
  t.equal(proto.statusCode, 200, '__proto__ is a plain key')
  t.equal(({} as Record<string, unknown>).admin, undefined)

  const empty = await app.inject({ method: 'POST', url: `/api/v2/batches/${batches[0]!.id}/cancel`, headers: { ...JSON_CT, 'content-length': '0' } })
  t.equal(empty.statusCode, 200, 'an empty JSON cancel')

  // A long walk with every filter set, through to the end.
  const base =
    `/api/v2/batches?page_size=3&status=PENDING&source_directory_id=${dir}&project_id=${project}` +
    `&organization_id=org-bbbbbbbb-0000-4000-8000-000000000002` +
    `&created_at_on_or_after=${encodeURIComponent('2025-12-01T00:00:00.000001+00:00')}&created_at_on_or_before=2026-01-01T00:00:00.000000`
  // Every page must answer 200 (walk throws otherwise), within 20 pages.
  const { items } = await walk(app, base, AUTH, 20)
  t.equal(items.length, 25, 'every batch (the cancelled one is PENDING until its cancel delay passes)')
  t.equal((await get(app, '/_mock/health', {})).status, 200, 'still serving')
  t.ok(Date.now() - started < 20_000, 'bounded in time')
})
