import t from 'tap'
import LlamaCloud from '@llamaindex/llama-cloud'
import { startMock } from '../../src/index.js'
import { rejectsAs, START } from '../helper.js'

t.test('client.batches.get through the official SDK on a real port', async (t) => {
  const mock = await startMock({
    scenario: {
      name: 'contract-get',
      seed: 3,
      start_time: START,
      batches: [
        { fixture: 'example-batch.json' },
        {
          id: 'bat-11111111-2222-4333-8444-555555555555',
          outcome: 'COMPLETED',
          timeline: { pending_ms: 1000, running_ms: 1000 },
          files: [{ id: 'dfl-ok' }, { id: 'dfl-bad', error: 'File report.pdf exceeds the maximum size of 300 MB' }]
        }
      ]
    },
    clock: 'manual'
  })
  t.teardown(() => mock.close())
  const client = new LlamaCloud({ apiKey: 'sdk-key', baseURL: mock.url, maxRetries: 0 })

  const example = await client.batches.get('bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', { expand: ['results'] })
  t.equal(example.status, 'COMPLETED')
  t.same(example.results, [
    { source_directory_file_id: 'dfl-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', job_reference: { type: 'parse_v2', id: 'pjb-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }, error_message: null }
  ])

  const id = 'bat-11111111-2222-4333-8444-555555555555'
  const pending = await client.batches.get(id, { expand: ['results'] })
  t.equal(pending.status, 'PENDING')
  t.equal(pending.results, null)
  mock.clock.advance(2000)
  const done = await client.batches.get(id, { expand: ['results'] })
  t.equal(done.status, 'COMPLETED')
  t.equal(done.results?.length, 2)
  t.same(done.results?.[1], { source_directory_file_id: 'dfl-bad', job_reference: null, error_message: 'File report.pdf exceeds the maximum size of 300 MB' })
  t.equal(done.results?.[0]?.job_reference?.type, 'parse_v2')

  const plain = await client.batches.get(id)
  t.equal(plain.results, null, 'results === null without expand')
  t.equal(plain.updated_at, '2026-01-01T00:00:02.000Z')

  await rejectsAs(t, client.batches.get('bat-missing'), LlamaCloud.NotFoundError)
  await rejectsAs(t, client.batches.get(id, { project_id: 'nope' }), LlamaCloud.UnprocessableEntityError)
  const anonymous = new LlamaCloud({ apiKey: 'x', baseURL: mock.url, maxRetries: 0, defaultHeaders: { authorization: null } })
  await rejectsAs(t, anonymous.batches.get(id), LlamaCloud.AuthenticationError)
})
