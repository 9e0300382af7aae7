import t from 'tap'
import LlamaCloud, { toFile } from '@llamaindex/llama-cloud'
import { rejectsAs, START } from '../helper.js'
import { sdkAgainstMock } from './sdk-helper.js'

const A = 'prj-11111111-1111-4111-8111-111111111111'
const B = 'prj-22222222-2222-4222-8222-222222222222'
const SCENARIO_DIR = 'dir-33333333-3333-4333-8333-333333333333'
const world = {
  name: 'directories-contract',
  seed: 5,
  start_time: START,
  defaults: { timeline: { pending_ms: 1000, throttled_ms: 0, running_ms: 4000 }, cancel_delay_ms: 250 },
  api_keys: [
    { key: 'key-a', project_id: A },
    { key: 'key-b', project_id: B }
  ],
  directories: [{ id: SCENARIO_DIR, files: 25 }],
  batches: [{ project_id: A, source_directory_id: SCENARIO_DIR, created_at: '2025-12-31T00:00:00Z', timeline: { pending_ms: 0, running_ms: 1000 } }]
}
const config = { job: { type: 'parse_v2' as const, configuration_id: 'cfg-PARSE_AGENTIC' } }

for (const mode of ['realistic', 'compat'] as const) {
  t.test(`${mode}: the workflow through the SDK, directory to joined results`, async (t) => {
    const { mock, client } = await sdkAgainstMock(t, { scenario: world, mode }, 'key-a')

    // 1. A directory and two uploads (one made to fail mapping), then one file added by id.
    const dir = await client.beta.directories.create({ name: 'Q1 invoices', type: 'ephemeral' })
    t.match(dir, { name: 'Q1 invoices', project_id: A, type: 'ephemeral', deleted_at: null })
    const invoice = await client.beta.directories.files.upload(dir.id, { upload_file: await toFile(Buffer.from('%PDF-1.7 invoice'), 'invoice.pdf'), unique_id: 'inv-1' })
    const broken = await client.beta.directories.files.upload(dir.id, {
      upload_file: new File(['not really a pdf'], 'broken.pdf'),
      display_name: 'Broken scan',
      metadata: JSON.stringify({ mock_error: 'File broken.pdf is corrupted or not a valid PDF', source: 'scanner' })
    })
    const added = await client.beta.directories.files.add(dir.id, { file_id: 'file-123', display_name: 'memo.docx', metadata: { tags: ['q1'] } })
    t.match(invoice, { directory_id: dir.id, display_name: 'invoice.pdf', unique_id: 'inv-1', project_id: A })
    t.match(broken, { display_name: 'Broken scan', metadata: { source: 'scanner' } })
    t.same((await client.beta.directories.get(dir.id)).id, dir.id)
    const ephemeral: string[] = []
    for await (const d of client.beta.directories.list({ types: ['ephemeral', 'index'] })) ephemeral.push(d.id)
    t.same(ephemeral, [dir.id], 'types filters (the scenario directory is a user one)')

    // 2. A batch over it; the clock moves it to COMPLETED.
    const batch = await client.batches.create({ config, source_directory_id: dir.id })
    mock.clock.advance(10_000)
    const done = await client.batches.get(batch.id, { expand: ['results'] })
    t.equal(done.status, 'COMPLETED')

    // 3. Join results to files by source_directory_file_id.
    const files = new Map<string, string>()
    for await (const f of client.beta.directories.files.list(dir.id)) files.set(f.id, f.display_name)
    const joined = (done.results ?? []).map((r) => ({ file: files.get(r.source_directory_file_id), job: r.job_reference?.id ?? null, error: r.error_message ?? null }))
    t.same(joined.map((j) => j.file), ['invoice.pdf', 'Broken scan', 'memo.docx'], 'every result joins a file, in order')
    t.same(joined[1], { file: 'Broken scan', job: null, error: 'File broken.pdf is corrupted or not a valid PDF' }, 'the failed mapping has no job')
    t.ok(joined[0]?.job?.startsWith('pjb-') && joined[2]?.job?.startsWith('pjb-'), 'the others have parse jobs')
    // (The jobs of those references are the parse/extract API's: see README "Full workflow".)

    // 4. Changes after the batch leave it as it was.
    await client.beta.directories.files.update(invoice.id, { directory_id: dir.id, display_name: 'renamed.pdf' })
    t.equal((await client.beta.directories.files.get(invoice.id, { directory_id: dir.id })).display_name, 'renamed.pdf')
    await client.beta.directories.files.delete(added.id, { directory_id: dir.id })
    await rejectsAs(t, client.beta.directories.files.get(added.id, { directory_id: dir.id }), LlamaCloud.NotFoundError)
    await client.beta.directories.delete(dir.id)
    await rejectsAs(t, client.beta.directories.get(dir.id), LlamaCloud.NotFoundError)
    t.same((await client.batches.get(batch.id, { expand: ['results'] })).results, done.results, 'the batch keeps its snapshot')
  })

  t.test(`${mode}: tenancy, pagination of files, a cancelled batch`, async (t) => {
    const { mock, client } = await sdkAgainstMock(t, { scenario: world, mode }, 'key-a')
    const other = new LlamaCloud({ apiKey: 'key-b', baseURL: mock.url, maxRetries: 0 })
    const dir = await client.beta.directories.create({ name: 'private' })
    const file = await client.beta.directories.files.add(dir.id, { file_id: 'file-1' })
    await rejectsAs(t, other.beta.directories.get(dir.id), LlamaCloud.NotFoundError, "another key's directory is 404")
    await rejectsAs(t, other.beta.directories.files.get(file.id, { directory_id: dir.id }), LlamaCloud.NotFoundError, "another key's file is 404")
    await rejectsAs(t, other.beta.directories.files.list(dir.id), LlamaCloud.NotFoundError)
    await rejectsAs(t, other.batches.create({ config, source_directory_id: dir.id }), LlamaCloud.NotFoundError, "no batch over another key's directory")
    const seenByB: string[] = []
    for await (const d of other.beta.directories.list()) seenByB.push(d.id)
    t.same(seenByB, [], 'B lists none of A')
    const seenByA: string[] = []
    for await (const d of client.beta.directories.list({ page_size: 1 })) seenByA.push(d.id)
    t.same(seenByA, [SCENARIO_DIR, dir.id], 'A pages through the scenario directory of its batch and its own')

    // The scenario directory's 25 files, 4 a page: each once, in the order its batch's results name them.
    const scenarioBatch = [...mock.state.world.store.values()].find((b) => b.sourceDirectoryId === SCENARIO_DIR)!
    const first = await client.beta.directories.files.list(SCENARIO_DIR, { page_size: 4 })
    t.equal(first.items.length, 4)
    const walked: string[] = []
    for await (const f of client.beta.directories.files.list(SCENARIO_DIR, { page_size: 4 })) walked.push(f.id)
    const results = (await client.batches.get(scenarioBatch.id, { expand: ['results'] })).results ?? []
    t.equal(walked.length, 25)
    t.same(walked, results.map((r) => r.source_directory_file_id))
    const forged = client.beta.directories.files.list(SCENARIO_DIR, { page_size: 0, page_token: 'never-issued' })
    if (mode === 'compat') t.same((await forged).items.map((f) => f.id), walked.slice(0, 20), 'compat: page_size=0 is the default, an unknown token the first page')
    else await rejectsAs(t, forged, LlamaCloud.UnprocessableEntityError, 'realistic: page_size=0 and a forged token are 422')

    // Cancelled mid-run: only files mapped before the cancel have results (and jobs).
    const cancelled = await client.batches.create({ config, source_directory_id: SCENARIO_DIR })
    mock.clock.advance(1000 + 2000) // RUNNING for 2 s of 4: about half mapped
    await client.batches.cancel(cancelled.id)
    mock.clock.advance(1000)
    const after = await client.batches.get(cancelled.id, { expand: ['results'] })
    t.equal(after.status, 'CANCELLED')
    const mapped = after.results?.map((r) => r.source_directory_file_id) ?? []
    t.ok(mapped.length > 0 && mapped.length < 25, `some files mapped before the cancel (${mapped.length})`)
    t.same(mapped, walked.slice(0, mapped.length), 'the mapped ones are the first files of the directory')
  })
}
