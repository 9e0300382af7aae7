import t from 'tap'
import LlamaCloud from '@llamaindex/llama-cloud'
import { exampleScenario, rejectsAs, scenario } from '../helper.js'
import { sdkAgainstMock } from './sdk-helper.js'

const EXAMPLE = 'bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
/** More batches than the one page of five the list asks for. */
const sixBatches = scenario(Array.from({ length: 6 }, (_, i) => ({ id: `bat-${i}`, files: 1 })))
type Entry = { time: string; status: number; fault: string | null }
const journal = async (url: string): Promise<Entry[]> => ((await (await fetch(`${url}/_mock/requests`)).json()) as { requests: Entry[] }).requests
const addFault = (url: string, rule: object) => fetch(`${url}/_mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) })

t.test("a 503 on the first request: the SDK's retry succeeds", async (t) => {
  const { mock } = await sdkAgainstMock(t, { scenario: exampleScenario() })
  const client = new LlamaCloud({ apiKey: 'k', baseURL: mock.url, maxRetries: 2 })
  await addFault(mock.url, { method: 'GET', path: '/api/v2/batches/*', times: 1, status: 503 })
  const batch = await client.batches.get(EXAMPLE)
  t.equal(batch.id, EXAMPLE)
  t.same((await journal(mock.url)).map((e) => [e.status, e.fault]), [[503, 'fault-1'], [200, null]], 'the journal shows both requests')
})

t.test('a 429 with Retry-After: 1 is honoured', async (t) => {
  const { mock } = await sdkAgainstMock(t, { scenario: sixBatches })
  const client = new LlamaCloud({ apiKey: 'k', baseURL: mock.url, maxRetries: 2 })
  await addFault(mock.url, { path: '/api/v2/batches', times: 1, status: 429, retry_after: 1 })
  const page = await client.batches.list({ page_size: 5 })
  t.equal(page.items.length, 5)
  const [first, second] = await journal(mock.url)
  t.same([first?.status, second?.status], [429, 200])
  const gap = Date.parse(second!.time) - Date.parse(first!.time)
  t.ok(gap >= 1000, `the retry came ${gap} ms later, not sooner than Retry-After says`)
})

t.test('a dropped connection surfaces as APIConnectionError once retries run out', async (t) => {
  const { mock } = await sdkAgainstMock(t, { scenario: exampleScenario() })
  const client = new LlamaCloud({ apiKey: 'k', baseURL: mock.url, maxRetries: 1 })
  await addFault(mock.url, { path: '/api/**', connection: 'reset' })
  await rejectsAs(t, client.batches.get(EXAMPLE), LlamaCloud.APIConnectionError)
  t.same((await journal(mock.url)).map((e) => e.status), [0, 0], 'one try and one retry, both dropped')
})

t.test('empty, truncated and malformed answers break the client, not the mock', async (t) => {
  const { mock } = await sdkAgainstMock(t, { scenario: exampleScenario() })
  const client = new LlamaCloud({ apiKey: 'k', baseURL: mock.url, maxRetries: 0 })
  for (const connection of ['empty', 'truncated', 'malformed']) {
    await addFault(mock.url, { path: '/api/**', times: 1, connection })
    const error = await client.batches.get(EXAMPLE).then(() => null, (e: unknown) => e)
    t.type(error, Error, `${connection}: the SDK fails`)
  }
  t.equal((await client.batches.get(EXAMPLE)).id, EXAMPLE, 'and the next request is served')
})
