import t from 'tap'
import { connect, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { buildApp } from '../../src/app.js'
import type { Test } from 'tap'
import { START } from '../helper.js'

// Issue 10 item 7: a body sent one byte a second kept its socket open for good, and nothing
// capped the number of connections. Requests now time out (408, then the socket closes)
// and connections beyond the cap are refused with a log line.

async function listening(t: Test, opts: Parameters<typeof buildApp>[0]): Promise<{ port: number; app: Awaited<ReturnType<typeof buildApp>> }> {
  const app = await buildApp({ clock: 'manual', scenario: 'empty', startTime: START, ...opts })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as { port: number }).port, app }
}

/** Everything the server sends until it closes the socket, or null if it is still open after `ms`. */
function untilClosed(socket: Socket, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    let data = ''
    const timer = setTimeout(() => resolve(null), ms)
    socket.on('data', (d) => (data += d))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(data)
    })
  })
}

t.test('a body trickling in a byte at a time gets a 408 and the socket closes', async (t) => {
  const { port } = await listening(t, { requestTimeoutMs: 200 })
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.write('POST /api/v2/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{')
  const drip = setInterval(() => socket.writable && socket.write(' '), 50)
  t.teardown(() => clearInterval(drip))
  const answer = await untilClosed(socket, 5000)
  clearInterval(drip)
  t.not(answer, null, 'closed well before 5 s')
  t.match(answer ?? '', /^HTTP\/1\.1 408 /, 'answered 408')
  t.match(answer ?? '', /"detail":"Request timed out"/)
})

t.test('headers that never end time out too', async (t) => {
  const { port } = await listening(t, { requestTimeoutMs: 200 })
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  const drip = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 50)
  t.teardown(() => clearInterval(drip))
  const answer = await untilClosed(socket, 5000)
  clearInterval(drip)
  t.not(answer, null, 'closed well before 5 s')
})

t.test('connections beyond the cap are refused, with a log line', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) })
  const { port } = await listening(t, { maxConnections: 2, logger: { level: 'warn', stream } })
  const open = async (): Promise<Socket> => {
    const s = connect(port, '127.0.0.1')
    t.teardown(() => s.destroy())
    await new Promise((r) => s.once('connect', r))
    return s
  }
  const first = await open()
  const second = await open()
  const third = await open()
  const refused = await untilClosed(third, 2000)
  t.equal(refused, '', 'the third is closed at once, unanswered')
  t.equal(first.destroyed || second.destroyed, false, 'the first two stay open')
  t.ok(lines.some((l) => /maxConnections|connection cap/i.test(l)), 'logged')
})

// A client error lets the answer the socket is still sending finish before the 400 and the close
// (error-handler.ts clientErrorHandler). A client that never reads its answers never lets that
// answer finish: the socket was held for good, and every later chunk of its bytes ran the handler
// again, adding one more 'close' listener to that answer each time. The wait is bounded by the
// request timeout, and later bytes change nothing.
t.test('bytes that are not HTTP behind answers the client never reads: the socket still closes, one handler', async (t) => {
  const warnings: string[] = []
  const onWarning = (w: Error): void => void warnings.push(w.name)
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  const { port, app } = await listening(t, { requestTimeoutMs: 200 })
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  socket.on('error', () => {})
  socket.pause() // never reads: the answers (~130 KB each) fill the socket's buffers
  socket.write('GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(100))
  await new Promise((r) => setTimeout(r, 100))
  for (let i = 0; i < 15; i++) {
    if (socket.writable) socket.write('NOT HTTP\r\n\r\n')
    await new Promise((r) => setTimeout(r, 10))
  }
  // The client reads nothing, so it would not see the close: the server's count of connections does.
  const open = (): Promise<number> => new Promise((resolve) => app.server.getConnections((_e, n) => resolve(n)))
  let left = await open()
  for (let i = 0; i < 100 && left > 0; i++) {
    await new Promise((r) => setTimeout(r, 50))
    left = await open()
  }
  t.equal(left, 0, 'the server closed it well before 5 s')
  t.same(warnings.filter((w) => w === 'MaxListenersExceededWarning'), [], 'no listener piled up per chunk')
})
