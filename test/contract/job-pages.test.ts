import t from 'tap'
import { sdkAgainstMock } from './sdk-helper.js'
import { DEEP_DIR_BATCHES, FILE, OLD_CONFIG, deep } from './job-scenarios.js'

// A job list page is never empty while more matching jobs follow: the SDK's auto-pagination
// stops at the first empty page, so jobs past MAX_JOB_LIST_SCAN (20,000) files must still reach it.

t.test('for await over the SDK list: every matching job once, also past 20,000 files scanned', async (t) => {
  const { client } = await sdkAgainstMock(t, { scenario: deep })
  // What should match, from the batches' own results.
  const expected: string[] = []
  for (const id of DEEP_DIR_BATCHES) {
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
  for await (const job of client.extract.list({ configuration_id: OLD_CONFIG })) configured.push(job.id)
  t.equal(configured.length, 6, 'every job of the old configuration, all of them past 30,000 files')
  t.equal(new Set(configured).size, 6, 'each once')
  t.ok(expected.slice(1).every((id) => configured.includes(id)), 'the old batches’ jobs')
  const first = await client.extract.list({ configuration_id: OLD_CONFIG })
  t.same([first.items.length, first.next_page_token], [6, ''], 'all on the first page, the last')

  const deprecated: string[] = []
  for await (const job of client.extract.list({ document_input_value: FILE(2), page_size: 1 })) deprecated.push(job.file_input ?? '')
  t.same(deprecated, [FILE(2), FILE(2), FILE(2)], 'document_input_value pages the same way')

  // A filter nothing matches ends in one empty page, the last, not a page per 20,000 files.
  const none = await client.extract.list({ file_input: FILE(9) })
  t.same([none.items, none.next_page_token, none.hasNextPage()], [[], '', false], 'the empty page is the last')
})
