import t from 'tap'
import { request } from 'node:http'
import { AUTH, advance, build, get, post, scenario, walk } from '../helper.js'
import { startMock } from '../../src/index.js'

// The job routes over HTTP as clients we did not write send it, their bounds and
// errors, and the job index at scale (through the library API).

const JSON_CT = { ...AUTH, 'content-type': 'application/json' }
const jobs = scenario(
  [
    { id: 'bat-p', files: 4, file_error_rate: 0, timeline: { pending_ms: 1000, running_ms: 4000 }, results_while_running: 'partial' as const },
    { id: 'bat-now', files: 3, file_error_rate: 0, progression: 'immediate' }
  ],
  { defaults: { jobs: { pending_ms: 1000, running_ms: 1000, error_rate: 0, page_error_rate: 0 } } }
)

async function jobIds(app: Awaited<ReturnType<typeof build>>, batchId: string): Promise<string[]> {
  const { body } = await get(app, `/api/v2/batches/${batchId}?expand=results`)
  return (body.results ?? []).map((r: { job_reference: { id: string } | null }) => r.job_reference?.id).filter(Boolean)
}

t.test('what httpx, curl and Go send: JSON content type on a bodiless GET and cancel, or none', async (t) => {
  const app = await build(t, { scenario: jobs })
  await advance(app, 2000) // bat-p: file 0 mapped at 2 s, its job PENDING
  const [id] = await jobIds(app, 'bat-p')
  t.ok(id, 'the first file has a job')
  for (const headers of [{ ...JSON_CT, 'content-length': '0' }, JSON_CT, AUTH, { ...AUTH, 'accept-encoding': 'gzip', 'user-agent': 'Go-http-client/1.1' }]) {
    const res = await app.inject({ method: 'GET', url: `/api/v2/parse/${id}?expand=markdown&expand=text`, headers, payload: '' })
    t.equal(res.statusCode, 200, `GET with ${JSON.stringify(headers)}`)
    t.same([res.json().job.status, res.json().markdown], ['PENDING', null], 'PENDING, no content yet')
  }
  const cancel = await app.inject({ method: 'POST', url: `/api/v2/parse/${id}/cancel`, headers: { ...JSON_CT, 'content-length': '0' }, payload: '' })
  t.equal(cancel.statusCode, 200, 'a bodiless cancel with Content-Type: application/json')
  t.equal(cancel.json().status, 'CANCELLED')

  // And on a real socket: a chunked empty body, as some clients send.
  const mock = await startMock({ clock: 'manual', scenario: jobs, port: 0, host: '127.0.0.1' })
  t.teardown(() => mock.close())
  mock.clock.advance(3000)
  const [other] = (await (await fetch(`${mock.url}/api/v2/batches/bat-p?expand=results`, { headers: AUTH })).json()).results.map((r: { job_reference: { id: string } }) => r.job_reference.id)
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${mock.url}/api/v2/parse/${other}/cancel`, { method: 'POST', headers: { ...JSON_CT, 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(status, 200, 'a chunked empty cancel')
})

t.test('bad input is a 4xx in FastAPI shape; unknown and malformed ids are 404', async (t) => {
  const app = await build(t, { scenario: jobs })
  await advance(app, 6000)
  const [id] = await jobIds(app, 'bat-p')
  const cases: [string, number, unknown][] = [
    [`/api/v2/parse/${id}?${Array.from({ length: 17 }, () => 'expand=markdown').join('&')}`, 422, ['query', 'expand']],
    [`/api/v2/parse/${'p'.repeat(129)}`, 422, ['path', 'job_id']],
    ['/api/v2/parse?page_token=forged', 422, ['query', 'page_token']],
    ['/api/v2/parse?page_size=0', 422, ['query', 'page_size']],
    ['/api/v2/parse?page_size=101', 422, ['query', 'page_size']],
    ['/api/v2/parse?status=DONE', 422, ['query', 'status']],
    ['/api/v2/parse?created_at_on_or_after=yesterday', 422, ['query', 'created_at_on_or_after']],
    [`/api/v2/parse?${Array.from({ length: 101 }, (_, i) => `job_ids=pjb-${i}`).join('&')}`, 422, ['query', 'job_ids']],
    ['/api/v2/extract?status=THROTTLED', 200, null],
    ['/api/v2/parse/pjb-00000000-0000-4000-8000-000000000000', 404, 'Job not found'],
    ['/api/v2/parse/not-a-job', 404, 'Job not found'],
    [`/api/v2/extract/${id}`, 404, 'Job not found']
  ]
  for (const [url, status, detail] of cases) {
    const res = await get(app, url)
    t.equal(res.status, status, `${url.slice(0, 60)} → ${status}`)
    if (status === 422) t.same(res.body.detail[0].loc, detail)
    else if (status === 404) t.same(res.body, { detail })
  }
  t.equal((await get(app, `/api/v2/parse/${id}`, {})).status, 401, 'no key: 401')
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v2/parse/${id}/cancel`, headers: AUTH })).statusCode, 405)
  t.equal((await post(app, '/api/v2/parse/not-a-job/cancel')).status, 404)

  // Compat mode reads page_size=0 as the default and a forged token as the first page, on both lists.
  const compat = await build(t, { scenario: jobs, mode: 'compat' })
  await advance(compat, 6000)
  for (const list of ['/api/v2/parse', '/api/v2/extract']) {
    const first = await get(compat, list)
    t.equal(first.status, 200)
    t.same((await get(compat, `${list}?page_size=0&page_token=forged`)).body, first.body, `compat: ${list}?page_size=0&page_token=forged is the first page`)
  }
  t.ok((await get(compat, '/api/v2/parse')).body.items.length > 0, 'compat: the parse list is not empty (the comparison above means something)')
})

t.test('a batch that finishes at once has jobs that finish at once; a reset forgets job cancels', async (t) => {
  const app = await build(t, { scenario: jobs })
  const now = await jobIds(app, 'bat-now')
  t.equal(now.length, 3)
  for (const id of now) t.equal((await get(app, `/api/v2/parse/${id}`)).body.job.status, 'COMPLETED')
  await advance(app, 2500) // bat-p: file 0 mapped at 2 s, RUNNING from 3 s
  const [id] = await jobIds(app, 'bat-p')
  t.equal((await post(app, `/api/v2/parse/${id}/cancel`)).body.status, 'CANCELLED')
  await post(app, '/_mock/reset', undefined, {})
  await advance(app, 10_000)
  t.equal((await get(app, `/api/v2/parse/${id}`)).body.job.status, 'COMPLETED', 'after a reset the job runs as laid out')
})

t.test('job cancellations recorded are bounded: past the limit a cancel is a 429 and changes nothing', async (t) => {
  const app = await build(t, { scenario: jobs, maxJobCancels: 1 })
  await advance(app, 3500) // bat-p: files 0 and 1 mapped (at 2 s and 3 s), their jobs not ended
  const [first, second] = await jobIds(app, 'bat-p')
  const before = (await get(app, `/api/v2/parse/${first}`)).body.job
  const cancelled = (await post(app, `/api/v2/parse/${first}/cancel`)).body
  t.equal(cancelled.status, 'CANCELLED')
  t.same({ ...cancelled, status: before.status, updated_at: before.updated_at }, before, 'the cancel answers the job as a GET shows it (its name too), CANCELLED')
  t.equal((await get(app, `/api/v2/parse/${second}`)).body.job.status, 'PENDING')
  const refused = await post(app, `/api/v2/parse/${second}/cancel`, undefined, JSON_CT)
  t.same([refused.status, refused.body.detail], [429, 'Too many job cancellations: this mock records at most 1; reset it (POST /_mock/reset)'])
  t.equal((await get(app, `/api/v2/parse/${second}`)).body.job.status, 'PENDING', 'the refused cancel changed nothing')
})

t.test('a filter nothing matches walks every file, in slices, and answers one empty page, the last', async (t) => {
  const big = scenario(
    Array.from({ length: 3 }, (_, i) => ({ id: `bat-big-${i}`, files: 10_000, file_error_rate: 0, outcome: 'COMPLETED' as const, created_ago_ms: 3_600_000 + i })),
    { defaults: { jobs: { error_rate: 0 } } }
  )
  const app = await build(t, { scenario: big })
  const { items, pages } = await walk(app, '/api/v2/parse?status=CANCELLED')
  t.same(items, [], 'no job is CANCELLED')
  // Not an empty page with a token per 20,000 files: the SDKs' iterators stop at an empty page.
  t.equal(pages, 1, '30,000 jobs looked at for one page')
  const first = await get(app, '/api/v2/parse?page_size=100')
  t.equal(first.body.items.length, 100)
  t.type(first.body.next_page_token, 'string')
})

t.test('the job index: jobs of 10,000 scenario batches and of batches created after it was built resolve', async (t) => {
  const mock = await startMock({ clock: 'manual', port: 0, host: '127.0.0.1', scenario: { name: 'many', seed: 3, start_time: '2026-01-01T00:00:00.000Z', generate: [{ count: 10_000, statuses: { COMPLETED: 1 }, files: { min: 1, max: 3 }, file_error_rate: 0 }] } })
  t.teardown(() => mock.close())
  const service = mock.state
  const batches = [...service.world.store.values()]
  const resolve = async (batchId: string) => {
    const batch = await (await fetch(`${mock.url}/api/v2/batches/${batchId}?expand=results`, { headers: AUTH })).json()
    const ref = batch.results.at(-1).job_reference
    const path = ref.type === 'parse_v2' ? 'parse' : 'extract'
    const res = await fetch(`${mock.url}/api/v2/${path}/${ref.id}`, { headers: AUTH })
    const body = await res.json()
    return [res.status, path === 'parse' ? body.job.id : body.id, ref.id]
  }
  for (const b of [batches[0]!, batches[4_999]!, batches[9_999]!]) {
    const [status, got, want] = await resolve(b.id)
    t.same([status, got], [200, want], `a job of ${b.id} resolves`)
  }
  // More than the index keeps unsorted: it sorts again, and old and new jobs still resolve.
  const created: string[] = []
  for (let i = 0; i < 4200; i++) created.push(service.create({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_FAST' } }, source_directory_id: `dir-x${i % 50}` }, null, {}).id)
  mock.clock.advance(60_000)
  for (const id of [created[0]!, created[4199]!, batches[5]!.id]) {
    const [status, got, want] = await resolve(id)
    t.same([status, got], [200, want], `a job of ${id} resolves`)
  }
})

t.test('scenario defaults.jobs: validated, and what it sets is what jobs do', async (t) => {
  await t.rejects(build(t, { scenario: scenario([], { defaults: { jobs: { error_rate: 2 } } } as never) }), { name: 'ScenarioLoadError', message: /\/defaults\/jobs\/error_rate/ })
  await t.rejects(build(t, { scenario: scenario([], { defaults: { jobs: { pending_ms: 1, retries: 3 } } } as never) }), { name: 'ScenarioLoadError', message: /\/defaults\/jobs/ })
  const allFail = scenario([{ id: 'bat-f', files: 5, file_error_rate: 0, progression: 'immediate' }], { defaults: { jobs: { error_rate: 1, pending_ms: 10, running_ms: 10 } } })
  const app = await build(t, { scenario: allFail })
  for (const id of await jobIds(app, 'bat-f')) {
    const { body } = await get(app, `/api/v2/parse/${id}?expand=markdown`)
    t.same([body.job.status, typeof body.job.error_message, body.markdown], ['FAILED', 'string', null], 'error_rate 1: every job fails, without content')
  }
})
