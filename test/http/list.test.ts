import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { advance, build, get, post, scenario, START_MS, walk as walkList } from '../helper.js'

const at = (ms: number) => new Date(START_MS + ms).toISOString()

/** 30 batches created a minute apart (bat-00 oldest), every third in dir-b, every fifth FAILED. */
function thirty() {
  return scenario(
    Array.from({ length: 30 }, (_, i) => ({
      id: `bat-${String(i).padStart(2, '0')}`,
      created_ago_ms: (30 - i) * 60_000,
      source_directory_id: i % 3 === 0 ? 'dir-b' : 'dir-a',
      outcome: i % 5 === 0 ? ('FAILED' as const) : ('COMPLETED' as const),
      files: 0,
      timeline: { pending_ms: 0, running_ms: 1000 }
    }))
  )
}

/** The ids of every batch the list answers for `query`, over all its pages. */
const walk = async (app: FastifyInstance, query: string): Promise<string[]> =>
  (await walkList<{ id: string }>(app, `/api/v2/batches?${query}`)).items.map((b) => b.id)

const expected = (pred: (i: number) => boolean) =>
  Array.from({ length: 30 }, (_, i) => 29 - i).filter(pred).map((i) => `bat-${String(i).padStart(2, '0')}`)

t.test('newest first, paged, next_page_token null on the last page', async (t) => {
  const app = await build(t, { scenario: thirty() })
  const first = (await get(app, '/api/v2/batches')).body
  t.equal(first.items.length, 20, 'default page size 20')
  t.equal(first.items[0].id, 'bat-29')
  t.type(first.next_page_token, 'string')
  t.same(await walk(app, 'page_size=7'), expected(() => true), 'every batch once, in order')
  const last = (await get(app, '/api/v2/batches?page_size=30')).body
  t.equal(last.next_page_token, null, 'no next page when everything fit')
  t.equal(last.items[0].results, null)
})

t.test('filters', async (t) => {
  const app = await build(t, { scenario: thirty() })
  t.same(await walk(app, 'page_size=4&source_directory_id=dir-b'), expected((i) => i % 3 === 0))
  t.same(await walk(app, 'page_size=4&status=FAILED'), expected((i) => i % 5 === 0))
  t.same(await walk(app, `created_at_on_or_after=${at(-10 * 60_000)}`), expected((i) => i >= 20), 'on or after is inclusive')
  t.same(await walk(app, `created_at_on_or_before=${at(-25 * 60_000)}&page_size=2`), expected((i) => i <= 5), 'on or before is inclusive')
  t.same(await walk(app, 'project_id=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee&page_size=50'), expected(() => true))
  t.same(await walk(app, 'project_id=00000000-bbbb-cccc-dddd-eeeeeeeeeeee'), [])
})

t.test('the status filter reads status at the clock now', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-slow', files: 0, timeline: { pending_ms: 5000, running_ms: 5000 } }]) })
  t.same(await walk(app, 'status=PENDING'), ['bat-slow'])
  await advance(app, 5000)
  t.same(await walk(app, 'status=PENDING'), [])
  t.same(await walk(app, 'status=RUNNING'), ['bat-slow'])
})

t.test('a walk while batches are created never repeats or skips', async (t) => {
  const app = await build(t, { scenario: thirty() })
  const seen: string[] = []
  let token: string | null = null
  do {
    const r = await get(app, `/api/v2/batches?page_size=6${token ? `&page_token=${token}` : ''}`)
    seen.push(...r.body.items.map((b: { id: string }) => b.id))
    token = r.body.next_page_token
    await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-a' })
    await advance(app, 10)
  } while (token)
  t.same(seen, expected(() => true))
})

t.test('bad queries are 422 naming the field', async (t) => {
  const app = await build(t, { scenario: thirty() })
  const token = (await get(app, '/api/v2/batches?page_size=5')).body.next_page_token as string
  const cases: [string, string][] = [
    ['page_size=0', 'page_size'],
    ['page_size=101', 'page_size'],
    ['page_size=ten', 'page_size'],
    ['status=DONE', 'status'],
    ['created_at_on_or_after=yesterday', 'created_at_on_or_after'],
    ['created_at_on_or_before=2026-13-45T99:00:00Z', 'created_at_on_or_before'],
    ['project_id=xyz', 'project_id'],
    ['page_token=never-issued', 'page_token'],
    [`page_token=${token.slice(0, -2)}AA`, 'page_token'],
    [`page_token=${token}&status=FAILED`, 'page_token']
  ]
  for (const [query, field] of cases) {
    const r = await get(app, `/api/v2/batches?${query}`)
    t.equal(r.status, 422, query)
    t.same(r.body.detail[0].loc, ['query', field], `${query} names ${field}`)
  }
  t.equal((await get(app, '/api/v2/batches?page_size=100')).status, 200, 'the maximum is allowed')
})

t.test("a page token does not page another tenant's data", async (t) => {
  const A = 'prj-aaaaaaaa-0000-4000-8000-000000000001'
  const B = 'prj-bbbbbbbb-0000-4000-8000-000000000002'
  const batches = Array.from({ length: 6 }, (_, i) => ({ id: `bat-${i}`, project_id: i % 2 ? A : B, created_ago_ms: i * 1000, files: 0 }))
  const app = await build(t, { scenario: scenario(batches, { api_keys: [{ key: 'ka', project_id: A }, { key: 'kb', project_id: B }] }) })
  const pageA = await get(app, '/api/v2/batches?page_size=1', { authorization: 'Bearer ka' })
  t.same(pageA.body.items.map((b: { project_id: string }) => b.project_id), [A])
  const replay = await get(app, `/api/v2/batches?page_size=1&page_token=${pageA.body.next_page_token}`, { authorization: 'Bearer kb' })
  t.equal(replay.status, 422)
  const ownNext = await get(app, `/api/v2/batches?page_size=5&page_token=${pageA.body.next_page_token}`, { authorization: 'Bearer ka' })
  t.same(ownNext.body.items.map((b: { project_id: string }) => b.project_id), [A, A], "the rest of A's batches, none of B's")
})

// Starlette keeps the last value of a repeated query key and FastAPI reads a scalar parameter
// from it (`?page_size=2&page_size=3` is 3); only a list parameter (`expand`) takes them all.
t.test('a repeated scalar query parameter: the last one counts, as FastAPI reads it', async (t) => {
  const app = await build(t, { scenario: thirty() })
  const three = await get(app, '/api/v2/batches?page_size=200&page_size=3')
  t.equal(three.status, 200, 'page_size=200&page_size=3')
  t.equal(three.body.items.length, 3)
  const tooBig = await get(app, '/api/v2/batches?page_size=3&page_size=200')
  t.equal(tooBig.status, 422, 'the last one is validated')
  t.same(tooBig.body.detail[0].loc, ['query', 'page_size'])
  t.same(tooBig.body, (await get(app, '/api/v2/batches?page_size=200')).body, 'as if sent alone')
  t.same(await walk(app, 'status=COMPLETED&status=FAILED'), expected((i) => i % 5 === 0), 'status: the last')
  const token = three.body.next_page_token as string
  const next = await get(app, `/api/v2/batches?page_size=3&page_token=never&page_token=${token}`)
  t.equal(next.status, 200, 'page_token: the last')
  t.same(next.body.items.map((b: { id: string }) => b.id), expected(() => true).slice(3, 6))
  const one = await get(app, '/api/v2/batches/bat-07?expand=results&expand=nothing')
  t.equal(one.status, 200, 'expand is a list: every value is read')
  t.type(one.body.results, Array)
})
