import t from 'tap'
import { once } from 'node:events'
import { startMock } from '../../src/index.js'
import { startCli } from '../cli-process.js'
import { exampleScenario } from '../helper.js'

// SIGTERM with a 600 s fault delay in flight once waited 10 s, exited 1 and reset the
// connection. In-flight delays end at shutdown: their requests are answered and close
// completes at once.
t.test('close cuts fault delays short and answers their requests', async (t) => {
  const mock = await startMock({ scenario: exampleScenario(), clock: 'manual' })
  let closed = false
  t.teardown(() => (closed ? undefined : mock.app.server.closeAllConnections()))
  const json = { 'content-type': 'application/json' }
  await fetch(`${mock.url}/_mock/faults`, { method: 'POST', headers: json, body: JSON.stringify({ path: '/api/**', delay_ms: 600_000 }) })
  const answers = Promise.all(
    [1, 2].map(() =>
      fetch(`${mock.url}/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`, { headers: { authorization: 'Bearer k' } }).then(
        async (r) => ({ status: r.status, connection: r.headers.get('connection'), id: ((await r.json()) as { id?: string }).id }),
        (e: Error) => ({ status: 0, connection: null, id: e.message })
      )
    )
  )
  // Both requests are held by their delay once the rule has matched them.
  for (let i = 0; i < 200; i++) {
    const faults = (await (await fetch(`${mock.url}/_mock/faults`)).json()) as { faults: { matched: number }[] }
    if (faults.faults[0]!.matched === 2) break
    await new Promise((r) => setTimeout(r, 5))
  }
  const started = performance.now()
  const done = await Promise.race([mock.close().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5000).unref())])
  closed = done
  const ms = performance.now() - started
  t.ok(done, `close completed in ${Math.round(ms)} ms`)
  const answered = await Promise.race([answers, new Promise<never[]>((r) => setTimeout(() => r([]), 1000).unref())])
  t.equal(answered.length, 2, 'both held requests were answered')
  for (const answer of answered) {
    t.same(answer, { status: 200, connection: 'close', id: 'bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }, 'answered normally, with Connection: close')
  }
})

t.test('SIGTERM with a 600 s delay in flight: the request is answered and the CLI exits 0 at once', async (t) => {
  const { child, url } = await startCli(t, ['--port', '0', '--log-level', 'warn'])
  await fetch(`${url}/_mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/api/**', delay_ms: 600_000 }) })
  const answer = fetch(`${url}/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`, { headers: { authorization: 'Bearer k' } }).then(
    (r) => r.status,
    (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message
  )
  for (let i = 0; i < 200; i++) {
    const faults = (await (await fetch(`${url}/_mock/faults`)).json()) as { faults: { matched: number }[] }
    if (faults.faults[0]!.matched === 1) break
    await new Promise((r) => setTimeout(r, 5))
  }
  const signalled = performance.now()
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = (await exited) as [number]
  const ms = performance.now() - signalled
  t.equal(code, 0, 'exit 0')
  t.ok(ms < 5000, `exited ${Math.round(ms)} ms after SIGTERM`)
  t.equal(await answer, 200, 'the delayed request was answered, not reset')
})
