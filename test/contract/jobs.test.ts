import t, { type Test as Tap } from 'tap'
import LlamaCloud from '@llamaindex/llama-cloud'
import { rejectsAs, START } from '../helper.js'
import { sdkAgainstMock } from './sdk-helper.js'

// The jobs batches make, driven through the official SDK: client.parsing.get/list/cancel
// and client.extract.get/list/cancel against a mock on port 0 with a manual clock.

const PROJECT_A = 'prj-aaaaaaaa-0000-4000-8000-00000000000a'
const PROJECT_B = 'prj-bbbbbbbb-0000-4000-8000-00000000000b'
const DIR = 'dir-11111111-1111-4111-8111-111111111111'
const PARSE = 'bat-00000000-0000-4000-8000-00000000000a'
const EXTRACT = 'bat-00000000-0000-4000-8000-00000000000e'
const OTHER = 'bat-00000000-0000-4000-8000-00000000000b'
const NAMES = ['invoice-2025-11.pdf', 'report-q3.docx', 'setup.exe', 'contract-acme.pdf', 'minutes-board.pdf', 'statement-10.pdf', 'budget-2026.xlsx', 'locked.pdf', 'memo-hr.pdf', 'survey.pptx', 'receipt-77.pdf', 'policy-travel.pdf']
const ERRORS: Record<number, string> = { 2: "Unsupported file type '.exe' for setup.exe", 7: 'File locked.pdf is password-protected and cannot be opened' }
const files = NAMES.map((name, i) => ({ id: `dfl-00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`, name, error: ERRORS[i] ?? null }))
// Batches: PENDING 1 s, then RUNNING 12 s mapping one file a second. Jobs: 1 s PENDING, 2 s RUNNING.
const RUN_START = 1000
const RUNNING_MS = 12_000
const JOB_MS = 3000

const scenario = {
  name: 'jobs',
  seed: 5,
  start_time: START,
  defaults: {
    timeline: { pending_ms: 1000, throttled_ms: 0, running_ms: RUNNING_MS },
    results_while_running: 'partial' as const,
    cancel_delay_ms: 0,
    jobs: { pending_ms: 1000, running_ms: 2000, error_rate: 0.3, page_error_rate: 0.3 }
  },
  api_keys: [
    { key: 'key-a', project_id: PROJECT_A },
    { key: 'key-b', project_id: PROJECT_B }
  ],
  directories: [{ id: DIR, files }],
  batches: [
    { id: PARSE, project_id: PROJECT_A, source_directory_id: DIR, created_at: START },
    {
      id: EXTRACT,
      project_id: PROJECT_A,
      created_at: START,
      job: { type: 'extract_v2' as const, configuration_id: 'cfg-EXTRACT_AGENTIC' },
      files: [{ name: 'invoice-2025-12.pdf' }, { name: 'agreement-lease.pdf' }, { name: 'notes.txt' }],
      file_error_rate: 0
    },
    { id: OTHER, project_id: PROJECT_B, created_at: START, files: 3, file_error_rate: 0 }
  ]
}

const clientFor = (mock: { url: string }, key: string) => new LlamaCloud({ apiKey: key, baseURL: mock.url, maxRetries: 0 })

/** Every result of a batch once it has mapped all its files (the clock moved there). */
async function finalResults(t: Tap, client: LlamaCloud, batchId: string) {
  const batch = await client.batches.get(batchId, { expand: ['results'] })
  t.equal(batch.status, 'COMPLETED')
  return batch.results ?? []
}

t.test('a job exists once its batch maps its file, agrees with results at every step, and follows its own clock', async (t) => {
  // The twin (same seed, run to the end) names every job the batch will make.
  const twin = await sdkAgainstMock(t, { scenario }, 'key-a')
  twin.mock.clock.advance(RUN_START + RUNNING_MS)
  const all = await finalResults(t, twin.client, PARSE)
  t.same(all.map((r) => r.source_directory_file_id), files.map((f) => f.id), "one result per file, in the directory's order")
  t.same(all.map((r) => r.error_message), files.map((f) => f.error), 'mapping errors as declared')
  t.ok(all.every((r) => (r.error_message === null) === (r.job_reference !== null)), 'a file that failed to map has no job')
  const ids = all.map((r) => r.job_reference?.id ?? null)

  const { mock, client } = await sdkAgainstMock(t, { scenario }, 'key-a')
  const seenStatuses = new Map<string, string[]>()
  for (let at = 0; at <= RUN_START + RUNNING_MS + JOB_MS; at += 1000) {
    const batch = await client.batches.get(PARSE, { expand: ['results'] })
    const shown = new Set((batch.results ?? []).map((r) => r.job_reference?.id).filter((id) => id !== undefined))
    for (const id of ids) {
      if (id === null) continue
      const answer = await client.parsing.get(id).then(
        (r) => r,
        (e: unknown) => (e instanceof LlamaCloud.NotFoundError ? null : Promise.reject(e))
      )
      t.equal(answer !== null, shown.has(id), `at +${at} ms, ${id} exists exactly when results show it`)
      if (answer === null) continue
      t.equal(answer.job.id, id)
      t.equal(answer.job.project_id, PROJECT_A)
      const list = seenStatuses.get(id) ?? []
      if (list.at(-1) !== answer.job.status) list.push(answer.job.status)
      seenStatuses.set(id, list)
    }
    mock.clock.advance(1000)
  }
  const paths = [...seenStatuses.values()].map((s) => s.join('>'))
  t.equal(paths.length, 10, 'every mapped file made a job')
  t.ok(paths.every((p) => p === 'PENDING>RUNNING>COMPLETED' || p === 'PENDING>RUNNING>FAILED'), `each job went PENDING > RUNNING > an end (${[...new Set(paths)].join(', ')})`)
  t.ok(paths.includes('PENDING>RUNNING>FAILED') && paths.includes('PENDING>RUNNING>COMPLETED'), 'some fail at the seeded rate, others complete')
})

t.test('expand: seeded content, failed pages, failed jobs without content; byte-identical across servers', async (t) => {
  const a = await sdkAgainstMock(t, { scenario }, 'key-a')
  const b = await sdkAgainstMock(t, { scenario }, 'key-a')
  for (const m of [a.mock, b.mock]) m.clock.advance(RUN_START + RUNNING_MS + JOB_MS)
  const results = await finalResults(t, a.client, PARSE)
  let failedJobs = 0
  let failedPages = 0
  for (const [i, r] of results.entries()) {
    if (!r.job_reference) continue
    const query = '?expand=markdown&expand=text&expand=items&expand=metadata&expand=usage'
    const bytes = await Promise.all([a.mock, b.mock].map((m) => fetch(`${m.url}/api/v2/parse/${r.job_reference!.id}${query}`, { headers: { authorization: 'Bearer key-a' } }).then((res) => res.text())))
    t.equal(bytes[0], bytes[1], `job ${i}: the same bytes from both servers`)
    const got = await a.client.parsing.get(r.job_reference.id, { expand: ['markdown', 'text', 'items', 'metadata', 'usage'] })
    t.equal(got.job.name, NAMES[i], 'the job is named after its file')
    t.equal(got.job.tier, 'agentic')
    if (got.job.status === 'FAILED') {
      failedJobs++
      t.type(got.job.error_message, 'string', 'a failed job says why')
      t.same([got.markdown, got.text, got.items, got.metadata, got.job.usage?.credits], [null, null, null, null, null], 'and has no content')
      continue
    }
    t.equal(got.job.status, 'COMPLETED')
    t.equal(got.job.error_message, null)
    const pages = got.markdown?.pages ?? []
    t.ok(pages.length >= 1 && pages.length <= 8, `${pages.length} pages`)
    t.same(got.text?.pages.map((p) => p.page_number), pages.map((p) => p.page_number), 'text has the same pages')
    t.same(got.metadata?.pages.map((p) => p.page_number), pages.map((p) => p.page_number), 'metadata too')
    t.ok((got.job.usage?.credits ?? 0) > 0, 'usage bills the pages')
    for (const [k, page] of pages.entries()) {
      if (page.success) {
        t.ok(page.markdown.length > 0 && page.markdown.length < 4000, 'a page of markdown, bounded')
        if (page.page_number === 1) t.ok(page.markdown.startsWith(`# ${NAMES[i]!.split(/[^A-Za-z0-9]+/)[0]!.replace(/^./, (c) => c.toUpperCase())}`), 'page 1 is titled after the file name')
        t.ok((got.text?.pages[k]?.text.length ?? 0) > 0, 'and its text')
      } else {
        failedPages++
        t.type(page.error, 'string', 'a failed page says why')
        t.equal(got.items?.pages[k]?.success, false, 'and fails in items too')
      }
    }
  }
  t.ok(failedJobs > 0, `${failedJobs} jobs failed at the seeded rate`)
  t.ok(failedPages > 0, `${failedPages} pages failed at the seeded rate`)
})

t.test('extract jobs: get with extract_metadata and usage, list, file_input joins the results', async (t) => {
  const { mock, client } = await sdkAgainstMock(t, { scenario }, 'key-a')
  mock.clock.advance(RUN_START + RUNNING_MS + JOB_MS)
  const results = await finalResults(t, client, EXTRACT)
  t.equal(results.length, 3)
  for (const r of results) {
    t.equal(r.job_reference?.type, 'extract_v2')
    t.match(r.job_reference?.id, /^ejb-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const job = await client.extract.get(r.job_reference!.id, { expand: ['extract_metadata', 'usage'] })
    t.equal(job.id, r.job_reference!.id)
    t.equal(job.file_input, r.source_directory_file_id, 'file_input is the directory file')
    t.equal(job.configuration_id, 'cfg-EXTRACT_AGENTIC')
    if (job.status === 'COMPLETED') {
      t.type(job.extract_result, 'object')
      t.same(Object.keys(job.extract_metadata?.field_metadata?.document_metadata ?? {}), Object.keys(job.extract_result ?? {}), 'metadata for each field')
      t.ok((job.usage?.extract_credits ?? 0) > 0)
    } else {
      t.equal(job.status, 'FAILED')
      t.equal(job.extract_result, null)
    }
  }
  const first = await client.extract.get(results[0]!.job_reference!.id)
  t.equal(first.extract_metadata, undefined, 'extract_metadata only when asked for')
  if (first.status === 'COMPLETED') t.equal((first.extract_result as { invoice_number?: string }).invoice_number?.startsWith('INV-'), true, 'an invoice yields an invoice number')
  await rejectsAs(t, client.parsing.get(results[0]!.job_reference!.id), LlamaCloud.NotFoundError, 'an extract job is not a parse job')
  const listed: string[] = []
  for await (const job of client.extract.list({ page_size: 2 })) listed.push(job.id)
  t.same(listed.sort(), results.map((r) => r.job_reference!.id).sort(), 'list: every extract job once')
})

t.test('list: every parse job once across pages, filters, and only the key’s project', async (t) => {
  const { mock, client } = await sdkAgainstMock(t, { scenario }, 'key-a')
  mock.clock.advance(RUN_START + RUNNING_MS + JOB_MS)
  const results = await finalResults(t, client, PARSE)
  const expected = results.flatMap((r) => (r.job_reference ? [r.job_reference.id] : []))
  const listed: { id: string; status: string }[] = []
  for await (const job of client.parsing.list({ page_size: 3 })) listed.push({ id: job.id, status: job.status })
  t.same(listed.map((j) => j.id).sort(), [...expected].sort(), 'every job of the project once; files that failed to map have none')
  const failed: string[] = []
  for await (const job of client.parsing.list({ status: 'FAILED' })) failed.push(job.id)
  t.same(failed.sort(), listed.filter((j) => j.status === 'FAILED').map((j) => j.id).sort(), 'status filter')
  const picked = await client.parsing.list({ job_ids: [expected[0]!, expected[1]!, 'pjb-00000000-0000-4000-8000-000000000000'] })
  t.same(picked.items.map((j) => j.id).sort(), [expected[0], expected[1]].sort(), 'job_ids picks those jobs')
  const named: string[] = []
  for await (const job of client.parsing.list({ job_ids: expected, page_size: 3 })) named.push(job.id)
  t.same(named.sort(), [...expected].sort(), `job_ids of ${expected.length} jobs, 3 a page: every one once, across pages`)

  const other = clientFor(mock, 'key-b')
  await rejectsAs(t, other.parsing.get(expected[0]!), LlamaCloud.NotFoundError, "another project's job is 404")
  await rejectsAs(t, other.parsing.cancel(expected[0]!), LlamaCloud.NotFoundError, "and cannot be cancelled")
  const theirs: string[] = []
  for await (const job of other.parsing.list()) theirs.push(job.id)
  t.equal(theirs.length, 3, 'key-b lists its own batch’s jobs only')
  t.ok(theirs.every((id) => !expected.includes(id)))
})

t.test('cancel: a running job becomes CANCELLED for good; an ended one is a 400', async (t) => {
  const { mock, client } = await sdkAgainstMock(t, { scenario }, 'key-a')
  mock.clock.advance(RUN_START + 1000 + 1500) // file 0 mapped at +2 s: its job has run 0.5 s
  const batch = await client.batches.get(PARSE, { expand: ['results'] })
  const id = batch.results![0]!.job_reference!.id
  t.equal((await client.parsing.get(id)).job.status, 'RUNNING')
  const cancelled = await client.parsing.cancel(id)
  t.equal(cancelled.status, 'CANCELLED')
  t.equal(cancelled.updated_at, new Date(Date.parse(START) + RUN_START + 2500).toISOString(), 'cancelled now')
  mock.clock.advance(60_000)
  t.equal((await client.parsing.get(id)).job.status, 'CANCELLED', 'still CANCELLED later')
  await rejectsAs(t, client.parsing.cancel(id), LlamaCloud.BadRequestError, 'a second cancel is a 400')
  const done = (await client.batches.get(PARSE, { expand: ['results'] })).results![1]!.job_reference!.id
  await rejectsAs(t, client.parsing.cancel(done), LlamaCloud.BadRequestError, 'an ended job cannot be cancelled')
  const extractId = (await client.batches.get(EXTRACT, { expand: ['results'] })).results![0]!.job_reference!.id
  await rejectsAs(t, client.extract.cancel(extractId), LlamaCloud.BadRequestError, 'extract: likewise')
})

t.test("cancelled batch: the unmapped files' jobs do not exist, the mapped ones run on", async (t) => {
  const twin = await sdkAgainstMock(t, { scenario }, 'key-a')
  twin.mock.clock.advance(RUN_START + RUNNING_MS)
  const ids = (await finalResults(t, twin.client, PARSE)).map((r) => r.job_reference?.id ?? null)

  const { mock, client } = await sdkAgainstMock(t, { scenario }, 'key-a')
  mock.clock.advance(RUN_START + 5500) // files 0-4 mapped
  await client.batches.cancel(PARSE)
  const batch = await client.batches.get(PARSE, { expand: ['results'] })
  t.equal(batch.status, 'CANCELLED')
  const kept = batch.results?.length ?? 0
  t.equal(kept, 5, 'the files mapped before the cancel keep their results')
  mock.clock.advance(60_000)
  for (const [i, id] of ids.entries()) {
    if (id === null) continue
    if (i < kept) t.ok(['COMPLETED', 'FAILED'].includes((await client.parsing.get(id)).job.status), `file ${i}: its job ran to its end`)
    else await rejectsAs(t, client.parsing.get(id), LlamaCloud.NotFoundError, `file ${i} was never mapped: no job`)
  }
})

t.test('the documented example job resolves', async (t) => {
  const { client } = await sdkAgainstMock(t, { scenario: 'default' })
  const batch = await client.batches.get('bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', { expand: ['results'] })
  t.equal(batch.results?.[0]?.job_reference?.id, 'pjb-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')
  const job = await client.parsing.get('pjb-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', { expand: ['markdown'] })
  t.equal(job.job.status, 'COMPLETED')
  t.equal(job.job.name, 'example.pdf', "its directory's file name")
  t.equal(job.job.project_id, batch.project_id)
  t.ok(job.markdown?.pages[0]?.success === true && job.markdown.pages[0].markdown.startsWith('# Example'), 'page 1 is titled after the file')
  t.ok(job.markdown?.pages.every((p) => p.success), "the example's pages all parse")
})

t.test('compat mode: an unknown job id answers a derived job, the same each time', async (t) => {
  const { client } = await sdkAgainstMock(t, { scenario: 'empty', mode: 'compat' })
  const id = 'pjb-12345678-1234-4234-8234-123456789012'
  const [one, two] = [await client.parsing.get(id, { expand: ['markdown'] }), await client.parsing.get(id, { expand: ['markdown'] })]
  t.equal(one.job.id, id)
  t.ok(['COMPLETED', 'FAILED'].includes(one.job.status))
  t.same(one, two, 'deterministic')
  const extract = await client.extract.get('job_id')
  t.equal(extract.id, 'job_id', "the SDK's generated tests' placeholder id answers too")
  t.equal((await client.parsing.cancel('job_id')).id, 'job_id', 'cancel of an ended job answers the job')
  t.ok(Array.isArray((await client.parsing.list()).items))
  // The calls the SDK's generated tests make, with every optional parameter.
  const uuid = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e'
  const got = await client.parsing.get('job_id', { expand: ['string'], image_filenames: 'image_filenames', organization_id: uuid, project_id: uuid })
  t.equal(got.job.project_id, `prj-${uuid}`, 'parsing.get with every parameter')
  const listed = await client.parsing.list({ created_at_on_or_after: '2019-12-27T18:11:19.117Z', created_at_on_or_before: '2019-12-27T18:11:19.117Z', job_ids: ['string'], organization_id: uuid, page_size: 0, page_token: 'page_token', project_id: uuid, status: 'PENDING' })
  t.same(listed.items, [], 'parsing.list with every parameter: a 200')
  const extracted = await client.extract.list({ configuration_id: 'configuration_id', created_at_on_or_after: '2019-12-27T18:11:19.117Z', created_at_on_or_before: '2019-12-27T18:11:19.117Z', document_input_type: 'document_input_type', document_input_value: 'document_input_value', expand: ['string'], file_input: 'file_input', job_ids: ['string'], organization_id: uuid, page_size: 0, page_token: 'page_token', project_id: uuid, status: 'PENDING' })
  t.same(extracted.items, [], 'extract.list with every parameter: a 200')
  t.equal((await client.extract.get('job_id', { expand: ['string'], organization_id: uuid, project_id: uuid })).id, 'job_id')
  t.equal((await client.extract.cancel('job_id', { organization_id: uuid, project_id: uuid })).id, 'job_id')

  // A job a batch really made is answered as it is, not derived.
  const real = await sdkAgainstMock(t, { scenario, mode: 'compat' }, 'key-a')
  real.mock.clock.advance(RUN_START + RUNNING_MS)
  const [first] = await finalResults(t, real.client, PARSE)
  const job = await real.client.parsing.get(first!.job_reference!.id)
  t.same([job.job.name, job.job.project_id, job.job.created_at], [NAMES[0], PROJECT_A, new Date(Date.parse(START) + RUN_START + 1000).toISOString()], 'compat: a real job keeps its file, project and mapping time')

  // A batch compat mode derives for an unknown id: its jobs are its files' (name, mapping time), as its results show them.
  const derived = await real.client.batches.get('bat-12345678-1234-4234-8234-123456789012', { expand: ['results'] })
  const names = new Map<string, string>()
  for await (const f of real.client.beta.directories.files.list(derived.source_directory_id, { page_size: 1000 })) names.set(f.id, f.display_name)
  const mapped = (derived.results ?? []).filter((r) => r.job_reference !== null)
  t.ok(mapped.length > 0, `the derived batch mapped ${mapped.length} files`)
  for (const r of mapped) {
    const got = await real.client.parsing.get(r.job_reference!.id)
    t.equal(got.job.name, names.get(r.source_directory_file_id), `compat: ${r.job_reference!.id} is named after its file`)
    t.ok(Date.parse(got.job.created_at!) >= Date.parse(derived.created_at!) && Date.parse(got.job.created_at!) <= Date.parse(derived.updated_at!), 'and was created while its batch ran')
  }
})

t.test('what the Python SDK (httpx) sends for get, list and cancel gets what the TypeScript SDK gets', async (t) => {
  const PYTHON_HEADERS = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'LlamaCloud/Python 1.4.0', 'x-stainless-lang': 'python', authorization: 'Bearer key-a' }
  const py = await sdkAgainstMock(t, { scenario }, 'key-a')
  const ts = await sdkAgainstMock(t, { scenario }, 'key-a')
  for (const m of [py.mock, ts.mock]) m.clock.advance(RUN_START + 4500) // files 0-3 mapped; file 0's job ended, file 3's PENDING
  const results = (await ts.client.batches.get(PARSE, { expand: ['results'] })).results ?? []
  const pending = results.at(-1)!.job_reference!.id
  const send = async (method: string, path: string) => {
    const res = await fetch(`${py.mock.url}${path}`, { method, headers: PYTHON_HEADERS })
    return { status: res.status, body: await res.json() }
  }
  t.same(await send('GET', `/api/v2/parse/${pending}?expand=markdown&expand=text`), { status: 200, body: await ts.client.parsing.get(pending, { expand: ['markdown', 'text'] }) }, 'get')
  const tsList = await (await ts.client.parsing.list({ page_size: 2 }).asResponse()).json()
  t.same(await send('GET', '/api/v2/parse?page_size=2'), { status: 200, body: tsList }, 'list, next_page_token included')
  t.type(tsList.next_page_token, 'string')
  t.same(await send('POST', `/api/v2/parse/${pending}/cancel`), { status: 200, body: await ts.client.parsing.cancel(pending) }, 'cancel, with a JSON content type and no body')
  t.equal((await send('POST', `/api/v2/parse/${pending}/cancel`)).status, 400, 'a second cancel is a 400 for both')
})

