import t from 'tap'
import { build, get, scenario, START_MS } from '../helper.js'

// Three batches, created 1 h, 2 h and 3 h before START.
const three = () =>
  scenario([
    { id: 'bat-1h', created_at: new Date(START_MS - 3_600_000).toISOString(), files: 1 },
    { id: 'bat-2h', created_at: new Date(START_MS - 7_200_000).toISOString(), files: 1 },
    { id: 'bat-3h', created_at: new Date(START_MS - 10_800_000).toISOString(), files: 1 }
  ])

const ids = (body: { items: { id: string }[] }) => body.items.map((b) => b.id)

t.test('created_at bounds read as pydantic v2 reads datetimes', async (t) => {
  const app = await build(t, { scenario: three() })
  const cutoff = START_MS - 7_200_000 // 2025-12-31T22:00:00Z
  const accepted: Record<string, string> = {
    'ISO with Z': '2025-12-31T22:00:00Z',
    'ISO with offset': '2025-12-31T23:00:00+01:00',
    'naive ISO, microseconds (the Python SDK)': '2025-12-31T22:00:00.000000',
    'naive ISO, space separator': '2025-12-31 22:00:00',
    'unix seconds': String(cutoff / 1000),
    'unix milliseconds': String(cutoff)
  }
  for (const [name, value] of Object.entries(accepted)) {
    const res = await get(app, `/api/v2/batches?created_at_on_or_after=${encodeURIComponent(value)}`)
    t.equal(res.status, 200, name)
    t.same(ids(res.body), ['bat-1h', 'bat-2h'], name)
    const before = await get(app, `/api/v2/batches?created_at_on_or_before=${encodeURIComponent(value)}`)
    t.same(ids(before.body), ['bat-2h', 'bat-3h'], `${name} (on or before)`)
  }
  const date = await get(app, '/api/v2/batches?created_at_on_or_before=2025-12-31')
  t.equal(date.status, 200)
  t.same(ids(date.body), [], 'a date is its midnight UTC')
  const date2 = await get(app, '/api/v2/batches?created_at_on_or_after=2025-12-31')
  t.same(ids(date2.body), ['bat-1h', 'bat-2h', 'bat-3h'])
})

t.test('a datetime that is no real instant is a 422, never a dropped filter', async (t) => {
  const app = await build(t, { scenario: three() })
  for (const value of ['2027-06-30T23:59:60Z', '2026-02-30', '2026-02-30T00:00:00Z', 'yesterday', '2026-13-01', '', '1e3', '2026-01-01T25:00:00']) {
    const res = await get(app, `/api/v2/batches?created_at_on_or_after=${encodeURIComponent(value)}`)
    t.equal(res.status, 422, `created_at_on_or_after=${value}`)
    t.match(res.body.detail[0], { type: /^datetime_(from_date_)?parsing$/, loc: ['query', 'created_at_on_or_after'], input: value })
  }
  const journal = await get(app, '/_mock/requests?since=2027-06-30T23:59:60Z', {})
  t.equal(journal.status, 422, 'the journal `since` too')
  t.match(journal.body.detail[0], { loc: ['query', 'since'] })
})

t.test('the journal `since` takes the same forms (it compares wall-clock times)', async (t) => {
  const app = await build(t, { scenario: three() })
  await get(app, '/api/v2/batches/bat-1h')
  const forms = (ms: number) => [
    new Date(ms).toISOString(),
    `${new Date(ms).toISOString().slice(0, -1)}000`,
    String(Math.floor(ms / 1000)),
    new Date(ms).toISOString().slice(0, 10)
  ]
  const hour = 3_600_000
  for (const since of forms(Date.now() - 25 * hour)) {
    const res = await get(app, `/_mock/requests?since=${encodeURIComponent(since)}&path_prefix=/api`, {})
    t.equal(res.status, 200, since)
    t.same(res.body.requests.map((r: { path: string }) => r.path), ['/api/v2/batches/bat-1h'], since)
  }
  for (const since of forms(Date.now() + 25 * hour)) {
    const res = await get(app, `/_mock/requests?since=${encodeURIComponent(since)}&path_prefix=/api`, {})
    t.equal(res.status, 200, since)
    t.same(res.body.requests, [], `${since}: later than every request`)
  }
})
