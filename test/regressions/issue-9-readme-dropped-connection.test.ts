import t from 'tap'
import { readFileSync } from 'node:fs'
import LlamaCloud from '@llamaindex/llama-cloud'
import { rejectsAs } from '../helper.js'
import { sdkAgainstMock } from '../contract/sdk-helper.js'

// The README's "A dropped connection" example said `times: 3`, but the official SDK retries
// 5 times by default: the example never surfaced an error. It must do what it says with
// the SDK's real default retry count.
t.test("the README's dropped-connection example surfaces APIConnectionError with the SDK's default retries", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Staging failures'), readme.indexOf('### Progression by polls'))
  const example = /# A dropped connection[^\n]*\n(?:#[^\n]*\n)*[^\n]*-d '(\{.*\})'/.exec(section)?.[1]
  t.ok(example, 'the example is there')
  const rule = JSON.parse(example!) as { connection: string }
  t.equal(rule.connection, 'reset')

  const { mock } = await sdkAgainstMock(t, { scenario: 'default' })
  const client = new LlamaCloud({ apiKey: 'k', baseURL: mock.url }) // the default maxRetries
  t.ok(client.maxRetries >= 2, `the SDK retries ${client.maxRetries} times by default`)
  // Keep the SDK's retry count but skip its backoff sleeps, so the test takes no wall time.
  Object.defineProperty(client, 'calculateDefaultRetryTimeoutMillis', { value: () => 0 })
  t.equal((await fetch(`${mock.url}/_mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: example })).status, 200)
  await rejectsAs(t, client.batches.get('bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'), LlamaCloud.APIConnectionError)
  const journal = (await (await fetch(`${mock.url}/_mock/requests`)).json()) as { requests: { status: number }[] }
  t.same(journal.requests.map((r) => r.status), Array(client.maxRetries + 1).fill(0), 'one try and every retry dropped')
})
