import LlamaCloud from '@llamaindex/llama-cloud'
import type { Test } from 'tap'
import { startMock, type StartOptions } from '../../src/index.js'

/** The mock on a real port and an SDK client pointed at it; both gone when the test ends. */
export async function sdkAgainstMock(t: Test, opts: StartOptions, apiKey = 'My API Key') {
  const mock = await startMock({ clock: 'manual', ...opts })
  t.teardown(() => mock.close())
  const client = new LlamaCloud({ apiKey, baseURL: mock.url, maxRetries: 0 })
  return { mock, client }
}
