import t from 'tap'
import LlamaCloud from '@llamaindex/llama-cloud'
import { rejectsAs, START } from '../helper.js'
import { sdkAgainstMock } from './sdk-helper.js'

const DIR = 'dir-11111111-1111-4111-8111-111111111111'
const files = Array.from({ length: 6 }, (_, i) => ({ id: `dfl-0000000${i}-0000-4000-8000-000000000000`, ...(i % 3 === 2 && { error: `File f${i}.pdf is corrupted or not a valid PDF` }) }))
const scenarioWithDirectory = {
  name: 'contract',
  seed: 11,
  start_time: START,
  defaults: { timeline: { pending_ms: 1000, throttled_ms: 500, running_ms: 6000 }, cancel_delay_ms: 250 },
  directories: [{ id: DIR, files }],
  generate: [{ count: 23, files: { min: 0, max: 3 } }]
}
const config = { job: { type: 'extract_v2' as const, configuration_id: 'cfg-EXTRACT_MULTIMODAL' } }

t.test('create, then poll with the manual clock until COMPLETED', async (t) => {
  const { mock, client } = await sdkAgainstMock(t, { scenario: scenarioWithDirectory })
  const created = await client.batches.create({ config, source_directory_id: DIR })
  t.equal(created.status, 'PENDING')
  const seen: string[] = [created.status]
  let batch = created
  for (let polls = 0; polls < 100 && batch.status !== 'COMPLETED'; polls++) {
    mock.clock.advance(250)
    batch = await client.batches.get(created.id, { expand: ['results'] })
    if (seen.at(-1) !== batch.status) seen.push(batch.status)
    if (batch.status !== 'COMPLETED') t.equal(batch.results, null, `results null while ${batch.status}`)
  }
  t.same(seen, ['PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED'])
  t.same(batch.results?.map((r) => r.source_directory_file_id), files.map((f) => f.id), "one result per directory file, in the directory's order")
  for (const [i, r] of (batch.results ?? []).entries()) {
    if (files[i]?.error) t.same([r.job_reference, r.error_message], [null, files[i]!.error], `file ${i} failed to map`)
    else t.same([r.job_reference?.type, r.error_message], ['extract_v2', null], `file ${i} has an extract job`)
  }
})

t.test('cancel mid-run: CANCELLED with only the finished files', async (t) => {
  const { mock, client } = await sdkAgainstMock(t, { scenario: scenarioWithDirectory })
  const created = await client.batches.create({ config, source_directory_id: DIR })
  mock.clock.advance(1500 + 3000) // RUNNING for 3 s of 6: files 0-2 mapped
  const answer = await client.batches.cancel(created.id)
  t.equal(answer.status, 'RUNNING')
  mock.clock.advance(250)
  const cancelled = await client.batches.get(created.id, { expand: ['results'] })
  t.equal(cancelled.status, 'CANCELLED')
  t.same(cancelled.results?.map((r) => r.source_directory_file_id), files.slice(0, 3).map((f) => f.id))
  await rejectsAs(t, client.batches.cancel(created.id), LlamaCloud.BadRequestError, 'a second cancel once CANCELLED is a 400')
})

t.test('for await over list({ page_size: 7 }) collects every batch once', async (t) => {
  const { mock, client } = await sdkAgainstMock(t, { scenario: scenarioWithDirectory })
  await client.batches.create({ config, source_directory_id: DIR })
  await client.batches.create({ config, source_directory_id: 'dir-made-up' })
  const expected = [...mock.state.world.store.values()].map((b) => b.id)
  t.equal(expected.length, 25)
  const collected: string[] = []
  for await (const b of client.batches.list({ page_size: 7 })) collected.push(b.id)
  t.equal(collected.length, 25)
  t.same(new Set(collected), new Set(expected), 'exactly the batches that exist')
  const createdAt = collected.map((id) => Date.parse(mock.state.view(mock.state.world.store.get(id)!, false).created_at))
  t.same(createdAt, [...createdAt].sort((a, b) => b - a), 'newest first')
})

t.test('errors surface as the SDK error classes', async (t) => {
  const { client, mock } = await sdkAgainstMock(t, { scenario: { ...scenarioWithDirectory, api_keys: [{ key: 'good', project_id: 'prj-1' }] } }, 'good')
  const stranger = new LlamaCloud({ apiKey: 'bad', baseURL: mock.url, maxRetries: 0 })
  await rejectsAs(t, stranger.batches.list(), LlamaCloud.AuthenticationError)
  await rejectsAs(t, client.batches.get('bat-nope'), LlamaCloud.NotFoundError)
  const invalid = (await rejectsAs(t, client.batches.create({ config: { job: { type: 'ocr' as 'parse_v2', configuration_id: 'x' } }, source_directory_id: DIR }), LlamaCloud.UnprocessableEntityError)) as InstanceType<typeof LlamaCloud.UnprocessableEntityError>
  t.same((invalid.error as { detail: { loc: string[] }[] }).detail[0]?.loc, ['body', 'config', 'job', 'type'])
  const done = await client.batches.create({ config, source_directory_id: DIR })
  mock.clock.advance(60_000)
  await rejectsAs(t, client.batches.cancel(done.id), LlamaCloud.BadRequestError)
})
