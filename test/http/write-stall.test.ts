import t from 'tap'
import { createServer } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { build, AUTH } from '../helper.js'
import { cutStalledReaders } from '../../src/http/write-stall.js'

// A client that stops reading its answers is cut after writeStallMs (http/write-stall.ts);
// one that reads slowly, or waits for an answer a fault rule delays, is not. One server for
// all: a batch of 10,000 files answers ~1.8 MB with ?expand=results, so a few pipelined GETs
// are more than the loopback's socket buffers hold, and the server has bytes queued.
const STALL_MS = 400
// Longer than a stall is let last, and than the sweeps that see one.
const DELAY_MS = STALL_MS * 2
const FILES = 10_000
const ID = 'bat-write-stall'
// httpx's way: a Content-Type on a request with no body.
const GET = `GET /api/v2/batches/${ID}?expand=results HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${AUTH.authorization}\r\nContent-Type: application/json\r\n\r\n`

/** The answers in `bytes` that arrived whole: status and body length each. */
function answersIn(bytes: Buffer): { status: number; body: Buffer }[] {
  const out: { status: number; body: Buffer }[] = []
  let at = 0
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', at)
    if (end === -1) return out
    const head = bytes.subarray(at, end).toString('latin1')
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1])
    if (end + 4 + length > bytes.length) return out
    out.push({ status: Number(head.slice(9, 12)), body: bytes.subarray(end + 4, end + 4 + length) })
    at = end + 4 + length
  }
}

/**
 * Bytes queued at a server socket, sampled every 5 ms until it closes: the most seen, and how
 * long (in all) it had some.
 */
function watchQueue(socket: Socket): { most: number; queuedMs: number } {
  const seen = { most: 0, queuedMs: 0 }
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    seen.most = Math.max(seen.most, socket.writableLength)
    if (socket.writableLength > 0) seen.queuedMs += now - last
    last = now
  }, 5)
  socket.once('close', () => clearInterval(timer))
  return seen
}

t.test('answers a client does not read', async (t) => {
  const app = await build(t, { writeStallMs: STALL_MS })
  const made = await app.inject({ method: 'POST', url: '/_mock/batches', payload: { id: ID, files: FILES, outcome: 'COMPLETED', created_ago_ms: 3_600_000 } })
  t.equal(made.statusCode, 200, 'a batch of 10,000 files')
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const one = await app.inject({ method: 'GET', url: `/api/v2/batches/${ID}?expand=results`, headers: AUTH })
  const size = one.rawPayload.length
  t.ok(size > 1_500_000, `one answer is ${size} bytes`)

  /** A connection that sent `count` pipelined GETs (`extra` headers each); every byte it receives is kept. */
  const pipeline = (count: number, extra = ''): { socket: Socket; received: Buffer[]; closed: Promise<void>; atServer: Promise<Socket> } => {
    const atServer = new Promise<Socket>((resolve) => {
      const mine = (s: Socket): void => {
        if (s.remotePort !== socket.localPort) return
        app.server.off('connection', mine)
        resolve(s)
      }
      app.server.on('connection', mine)
    })
    const socket = connect(port, '127.0.0.1')
    t.teardown(() => socket.destroy())
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    // A cut may reach a client as a reset (its later requests were never read).
    socket.on('error', () => {})
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.write(GET.replace('\r\n\r\n', `\r\n${extra}\r\n`).repeat(count))
    return { socket, received, closed, atServer }
  }
  /** Resolves with the whole answers once `count` came; rejects if the connection closes first. */
  const answered = (client: ReturnType<typeof pipeline>, count: number): Promise<{ status: number; body: Buffer }[]> => {
    const whole = new Promise<{ status: number; body: Buffer }[]>((resolve) => {
      let bytes = 0
      const check = (chunk: Buffer): void => {
        bytes += chunk.length
        if (bytes < count * size) return
        const answers = answersIn(Buffer.concat(client.received))
        if (answers.length < count) return
        client.socket.off('data', check)
        resolve(answers)
      }
      client.socket.on('data', check)
    })
    return Promise.race([whole, client.closed.then(() => Promise.reject(new Error('closed by the server')))])
  }
  const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms)))
    return Promise.race([promise, late]).finally(() => clearTimeout(timer))
  }

  // Sent first, checked last: its delay runs while the other clients are served.
  const rule = await app.inject({ method: 'POST', url: '/_mock/faults', payload: { method: 'GET', path: `/api/v2/batches/${ID}`, header: { name: 'x-delay', value: 'on' }, delay_ms: DELAY_MS } })
  t.equal(rule.statusCode, 200, 'a delay rule')
  const delayed = pipeline(1, 'X-Delay: on\r\n')
  const delayedAnswer = answered(delayed, 1)
  delayedAnswer.catch(() => {})

  t.test('a client that stops reading is cut: the server closes its connection', async (t) => {
    const GETS = 10
    const client = pipeline(GETS)
    client.socket.pause()
    const socket = await client.atServer
    const queue = watchQueue(socket)
    await within(new Promise((resolve) => socket.once('close', resolve)), 10_000, 'the server closes the connection of a client that reads nothing')
    t.ok(queue.most > 0, `the socket's buffers filled: up to ${queue.most} bytes queued at the server`)
    // What the kernel held for it still comes, then the end: less than was asked for.
    client.socket.resume()
    await within(client.closed, 10_000, 'the client sees its connection closed')
    const bytes = Buffer.concat(client.received)
    t.ok(bytes.length < GETS * size, `${bytes.length} bytes received, fewer than ${GETS} answers`)
    const answers = answersIn(bytes)
    t.ok(answers.length < GETS, `${answers.length} whole answers of ${GETS}`)
    t.ok(answers.every((a) => a.status === 200 && a.body.equals(one.rawPayload)), 'those are the answers as asked')
  })

  t.test('a client that reads slowly but steadily gets every answer', async (t) => {
    const GETS = 10
    const client = pipeline(GETS)
    const queue = watchQueue(await client.atServer)
    // Reads of 1 MiB at most, 50 ms apart (an eighth of writeStallMs).
    let read = 0
    let timer: NodeJS.Timeout | undefined
    client.socket.on('data', (chunk: Buffer) => {
      read += chunk.length
      if (read < 1024 * 1024) return
      read = 0
      client.socket.pause()
      timer = setTimeout(() => client.socket.resume(), 50)
    })
    t.teardown(() => clearTimeout(timer))
    const answers = await within(answered(client, GETS), 10_000, 'every answer read')
    t.same(answers.map((a) => a.status), Array(GETS).fill(200), 'every answer, whole')
    t.ok(answers.every((a) => a.body.equals(one.rawPayload)), 'each the batch with its results')
    t.ok(queue.queuedMs > STALL_MS, `the server had bytes queued for it ${Math.round(queue.queuedMs)} ms in all: reading is what kept the connection`)
    t.equal(client.socket.destroyed, false, 'the connection is still open')
  })

  t.test('an answer a fault rule delays past writeStallMs is answered', async (t) => {
    const [answer] = await within(delayedAnswer, 10_000, 'the delayed answer')
    t.equal(answer?.status, 200)
    t.ok(answer?.body.equals(one.rawPayload), 'the batch with its results')
    const journal = (await app.inject({ method: 'GET', url: `/_mock/requests?path_prefix=/api/v2/batches/${ID}` })).json()
    t.same(journal.requests.map((r: { delay_ms: number | null }) => r.delay_ms).filter((ms: number | null) => ms !== null), [DELAY_MS], 'the rule delayed it, and only it')
  })
})

// The kernel takes one large write a piece at a time, and Node's writableLength and bytesWritten
// move only when all of it is taken: a reader that keeps reading it is making progress all along
// (libuv's write queue shrinks), and is not cut, however long the one write takes.
t.test('one large write taken a piece at a time is progress', async (t) => {
  const BYTES = 20 * 1024 * 1024
  // The kernel takes more each time about half its send buffer (~1.5 MB on loopback) drained:
  // ~100 ms apart at this pace, well inside the bound, while the whole write takes ~0.8 s.
  const STALL = 300
  const server = createServer((_req, res) => {
    res.end(Buffer.alloc(BYTES, 'x'))
  })
  cutStalledReaders(server, STALL)
  const atServer = new Promise<Socket>((resolve) => server.once('connection', resolve))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1')
  t.teardown(() => client.destroy())
  client.on('error', () => {})
  client.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  const socket = await atServer
  // How long the write stayed whole in Node's queue (writableLength unchanged since it was made).
  let wholeSince = 0
  let wholeMs = 0
  const timer = setInterval(() => {
    if (socket.writableLength < BYTES) return
    if (wholeSince === 0) wholeSince = performance.now()
    wholeMs = performance.now() - wholeSince
  }, 5)
  t.teardown(() => clearInterval(timer))
  let received = 0
  let read = 0
  let pause: NodeJS.Timeout | undefined
  t.teardown(() => clearTimeout(pause))
  const ended = new Promise<'cut' | 'read'>((resolve) => {
    client.on('close', () => resolve('cut'))
    client.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= BYTES) return resolve('read')
      // Reads of 1 MiB at most, 50 ms apart.
      read += chunk.length
      if (read < 1024 * 1024) return
      read = 0
      client.pause()
      pause = setTimeout(() => client.resume(), 50)
    })
  })
  t.equal(await ended, 'read', `the answer read (${received} bytes), the connection not cut`)
  t.ok(wholeMs > STALL, `the one write stayed whole in Node's queue ${Math.round(wholeMs)} ms, longer than writeStallMs`)
})

t.test('writeStallMs out of range is refused at start', async (t) => {
  for (const writeStallMs of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
    await t.rejects(build(t, { writeStallMs }), RangeError, `writeStallMs ${writeStallMs}`)
  }
})
