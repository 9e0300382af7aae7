import t from 'tap'
import { START } from '../helper.js'
import { sdkAgainstMock } from './sdk-helper.js'

// A job list page is never empty while more matching jobs follow: the SDK's auto-pagination
// stops at the first empty page, so jobs past MAX_JOB_LIST_SCAN (20,000) files must still reach it.

const DIR = 'dir-22222222-2222-4222-8222-222222222222'
const FILE = (i: number) => `dfl-22222222-2222-4222-8222-0000000000${String(i).padStart(2, '0')}`
const extract = { type: 'extract_v2' as const, configuration_id: 'cfg-EXTRACT_AGENTIC' }
/** The two oldest batches' configuration: only their 6 jobs, all past 30,000 files, have it. */
const old = { type: 'extract_v2' as const, configuration_id: 'cfg-EXTRACT_MULTIMODAL' }

/**
 * Extract batches newest first: one over DIR (3 files), three of 10,000 generated files
 * (30,000 files no filter on DIR's file ids matches), then two older ones over DIR with
 * another configuration.
 */
export const deep = {
  name: 'deep-jobs',
  seed: 11,
  start_time: START,
  defaults: { jobs: { error_rate: 0, page_error_rate: 0 } },
  directories: [{ id: DIR, files: [0, 1, 2].map((i) => ({ id: FILE(i), name: `doc-${i}.pdf` })) }],
  batches: [
    { id: 'bat-22222222-0000-4000-8000-000000000001', source_directory_id: DIR, job: extract, created_ago_ms: 1_800_000, outcome: 'COMPLETED' as const, file_error_rate: 0 },
    ...[0, 1, 2].map((i) => ({ id: `bat-22222222-0000-4000-8000-00000000010${i}`, job: extract, files: 10_000, created_ago_ms: 3_600_000 + i, outcome: 'COMPLETED' as const, file_error_rate: 0 })),
    { id: 'bat-22222222-0000-4000-8000-000000000201', source_directory_id: DIR, job: old, created_ago_ms: 7_200_000, outcome: 'COMPLETED' as const, file_error_rate: 0 },
    { id: 'bat-22222222-0000-4000-8000-000000000202', source_directory_id: DIR, job: old, created_ago_ms: 7_200_001, outcome: 'COMPLETED' as const, file_error_rate: 0 }
  ]
}

t.test('for await over the SDK list: every matching job once, also past 20,000 files scanned', async (t) => {
  const { client, mock } = await sdkAgainstMock(t, { scenario: deep })
  // What should match, from the batches' own results.
  const expected: string[] = []
  for (const id of ['bat-22222222-0000-4000-8000-000000000001', 'bat-22222222-0000-4000-8000-000000000201', 'bat-22222222-0000-4000-8000-000000000202']) {
    const batch = await client.batches.get(id, { expand: ['results'] })
    const ref = batch.results?.find((r) => r.source_directory_file_id === FILE(1))?.job_reference
    t.ok(ref, `${id} has a job for the file`)
    if (ref) expected.push(ref.id)
  }
  t.equal(expected.length, 3)

  for (const page_size of [undefined, 1, 2]) {
    const seen: string[] = []
    for await (const job of client.extract.list({ file_input: FILE(1), ...(page_size !== undefined && { page_size }) })) seen.push(job.id)
    t.same(seen, expected, `page_size ${page_size ?? 'default'}: the three jobs, newest first, each once`)
  }
  const configured: string[] = []
  for await (const job of client.extract.list({ configuration_id: old.configuration_id })) configured.push(job.id)
  t.equal(configured.length, 6, 'every job of the old configuration: all of them past 30,000 files, on the first page')
  t.equal(new Set(configured).size, 6, 'each once')
  t.ok(expected.slice(1).every((id) => configured.includes(id)), 'the old batches’ jobs')
  const deprecated: string[] = []
  for await (const job of client.extract.list({ document_input_value: FILE(2), page_size: 1 })) deprecated.push(job.file_input ?? '')
  t.same(deprecated, [FILE(2), FILE(2), FILE(2)], 'document_input_value pages the same way')
  // And a filter nothing matches ends in one empty page, not a page per 20,000 files.
  const none: string[] = []
  for await (const job of client.extract.list({ file_input: FILE(9) })) none.push(job.id)
  t.same(none, [])
  const page = await client.extract.list({ file_input: FILE(9) })
  t.same([page.items, page.next_page_token], [[], ''], 'the empty page is the last')
  t.ok(mock.url.startsWith('http://127.0.0.1:'))
})
