import t from 'tap'
import { once } from 'node:events'
import { startMock } from '../../src/index.js'
import { startCli } from '../cli-process.js'

const AUTH = { authorization: 'Bearer load' }
const JSON_AUTH = { ...AUTH, 'content-type': 'application/json' }
const CREATE = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-load' })

t.test('a bounded mixed load of create / get / list / cancel: no errors, no 5xx', async (t) => {
  const mock = await startMock({ scenario: 'default', clock: 'real' })
  t.teardown(() => mock.close())
  const statuses = new Map<string, number>()
  let errors = 0
  const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1)
  // Bounded by count, not by time: the same load on a fast machine and a busy one.
  const WORKERS = 16
  const ROUNDS = 8
  const worker = async () => {
    for (let round = 0; round < ROUNDS; round++) {
      try {
        const created = await fetch(`${mock.url}/api/v2/batches`, { method: 'POST', headers: JSON_AUTH, body: CREATE })
        count(`create ${created.status}`)
        const { id } = (await created.json()) as { id: string }
        const got = await fetch(`${mock.url}/api/v2/batches/${id}?expand=results`, { headers: AUTH })
        count(`get ${got.status}`)
        await got.arrayBuffer()
        const list = await fetch(`${mock.url}/api/v2/batches?page_size=20`, { headers: AUTH })
        count(`list ${list.status}`)
        await list.arrayBuffer()
        const cancel = await fetch(`${mock.url}/api/v2/batches/${id}/cancel`, { method: 'POST', headers: AUTH })
        count(`cancel ${cancel.status}`)
        await cancel.arrayBuffer()
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: WORKERS }, worker))
  const total = [...statuses.values()].reduce((a, b) => a + b, 0)
  t.equal(errors, 0, 'no connection errors')
  t.same([...statuses.keys()].filter((k) => !k.endsWith(' 200')), [], 'every answer a 200')
  t.equal(total, WORKERS * ROUNDS * 4, 'every request of every round was answered')
  t.comment(`load: ${total} requests, ${errors} errors, ${JSON.stringify(Object.fromEntries(statuses))}`)
})

t.test('SIGTERM during load: in-flight requests finish, the process exits 0, later requests are refused', async (t) => {
  const { child, url } = await startCli(t, ['--port', '0', '--log-level', 'warn'])
  // Every /api answer is held 30 s, so the requests are surely in flight when the signal
  // comes; shutdown lets held requests go at once, so the test does not wait it out.
  const rule = (await (await fetch(`${url}/_mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/api/**', delay_ms: 30_000 }) })).json()) as { id: string }
  const inFlight = Array.from({ length: 20 }, () => fetch(`${url}/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`, { headers: AUTH }).then((r) => r.status, (e: Error) => e.message))
  // Signal only once the server holds all 20 (a busy machine may take a while to deliver them).
  const fired = async (): Promise<number> => {
    const { faults } = (await (await fetch(`${url}/_mock/faults`)).json()) as { faults: { id: string; fired: number }[] }
    return faults.find((r) => r.id === rule.id)?.fired ?? 0
  }
  for (let i = 0; i < 200 && (await fired()) < 20; i++) await new Promise((r) => setTimeout(r, 25))
  t.equal(await fired(), 20, 'the server holds all 20 requests')
  const signalled = performance.now()
  child.kill('SIGTERM')
  const exited = once(child, 'exit')
  t.same(await Promise.all(inFlight), Array(20).fill(200), 'every in-flight request was answered')
  const [code] = (await exited) as [number]
  const shutdownMs = performance.now() - signalled
  t.equal(code, 0)
  t.ok(shutdownMs < 5000, `exited ${Math.round(shutdownMs)} ms after SIGTERM`)
  t.comment(`shutdown: ${Math.round(shutdownMs)} ms with 20 requests in flight`)
  const after = await fetch(`${url}/_mock/health`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => `status ${r.status}`,
    (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.name
  )
  t.equal(after, 'ECONNREFUSED', 'a request after close is refused at once, not left hanging')
})
