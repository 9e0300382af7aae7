import t from 'tap'
import { connect } from 'node:net'
import { startMock } from '../../src/index.js'
import { exampleScenario } from '../helper.js'

// `connection: "truncated"` once sent nothing at all (the socket was destroyed before the
// write was flushed), just like `empty`. It sends the status line, headers with the full
// Content-Length, part of the body, then closes.
t.test('a truncated answer: full Content-Length, part of the body, then the close', async (t) => {
  const mock = await startMock({ scenario: exampleScenario(), clock: 'manual' })
  t.teardown(() => mock.close())
  const added = await fetch(`${mock.url}/_mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/api/**', times: 1, connection: 'truncated' }) })
  t.equal(added.status, 200)
  const { port } = new URL(mock.url)
  const socket = connect(Number(port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  const chunks: Buffer[] = []
  socket.on('data', (d: Buffer) => chunks.push(d))
  socket.write('GET /api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n\r\n')
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve())
    socket.once('error', () => resolve())
  })
  const raw = Buffer.concat(chunks).toString('latin1')
  const head = raw.indexOf('\r\n\r\n')
  t.ok(head > 0, `a status line and headers arrived: ${JSON.stringify(raw.slice(0, 80))}`)
  t.match(raw, /^HTTP\/1\.1 200 /)
  const length = Number(/\r\ncontent-length: (\d+)/i.exec(raw.slice(0, head))?.[1])
  const body = raw.slice(head + 4)
  t.ok(length > 0, `Content-Length ${length}`)
  t.ok(body.length > 0 && body.length < length, `part of the body: ${body.length} of ${length} bytes`)
  const journal = (await (await fetch(`${mock.url}/_mock/requests`)).json()) as { requests: { status: number; connection: string | null; fault: string | null }[] }
  t.match(journal.requests[0], { status: 200, connection: 'truncated', fault: 'fault-1' }, 'the journal says what happened')
})
