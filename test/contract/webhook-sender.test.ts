import t, { type Test } from 'tap'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer, type Socket } from 'node:net'
import { startMock, type RunningMock, type StartOptions } from '../../src/index.js'
import type { Scenario } from '../../src/schemas/scenario.js'
import { START } from '../helper.js'

// How the sender talks to a receiver: kept-alive connections, answers it does not wait for,
// redirects it does not follow. Each subtest has a receiver of its own (port 0, 127.0.0.1)
// that counts the connections the mock opened.

const scenario = (webhooks: object = {}): Scenario => ({
  name: 'sender',
  seed: 11,
  start_time: START,
  defaults: { timeline: { pending_ms: 1000, throttled_ms: 0, running_ms: 4000 }, directory_files: { min: 1, max: 1 }, webhooks: { retry_backoff_ms: [10], ...webhooks } }
})

async function mockFor(t: Test, opts: StartOptions = {}, webhooks: object = {}): Promise<RunningMock> {
  const mock = await startMock({ clock: 'manual', scenario: scenario(webhooks), ...opts })
  t.teardown(() => mock.close())
  return mock
}

/** A receiver answering with `answer`; counts connections and requests, and can wait for a connection to close. */
async function receiver(t: Test, answer: (req: IncomingMessage, res: ServerResponse, nth: number) => void) {
  const sockets: Socket[] = []
  const paths: string[] = []
  const perSocket = new WeakMap<Socket, number>()
  const server: Server = createServer((req, res) => {
    const nth = (perSocket.get(req.socket) ?? 0) + 1
    perSocket.set(req.socket, nth)
    paths.push(req.url ?? '')
    req.resume()
    req.on('end', () => answer(req, res, nth))
  })
  server.on('connection', (socket: Socket) => sockets.push(socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const port = (server.address() as { port: number }).port
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, sockets, paths }
}

const AUTH = { authorization: 'Bearer test-key', 'content-type': 'application/json' }
const CONFIG = { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }

async function create(mock: RunningMock, hook: object): Promise<string> {
  const res = await fetch(`${mock.url}/api/v2/batches`, { method: 'POST', headers: AUTH, body: JSON.stringify({ config: CONFIG, source_directory_id: 'dir-1', webhook_configurations: [hook] }) })
  if (res.status !== 200) throw new Error(`create: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { id: string }).id
}

async function advance(mock: RunningMock, ms: number): Promise<void> {
  const res = await fetch(`${mock.url}/_mock/clock/advance`, { method: 'POST', headers: AUTH, body: JSON.stringify({ ms }) })
  if (res.status !== 200) throw new Error(`advance: ${res.status}`)
}

/** Each attempt for the batch: [event_type, outcome, status]. */
const outcomes = (mock: RunningMock, id: string) => mock.webhooks.deliveries({ batch_id: id }).map((d) => [d.event_type, d.outcome, d.status])
/** A default-timeline batch's three events, each delivered at its first attempt with `status`. */
const allDelivered = (status: number) => ['batch.pending', 'batch.running', 'batch.success'].map((event) => [event, 'delivered', status])

t.test('the webhook sender', async (t) => {
  t.test('deliveries one after another share one kept-alive connection', async (t) => {
    const rx = await receiver(t, (_req, res) => res.writeHead(204).end())
    const mock = await mockFor(t, { webhooks: { concurrency: 1 } })
    const id = await create(mock, { webhook_url: rx.url('/kept') })
    await mock.webhooks.flush()
    await advance(mock, 5000)
    await mock.webhooks.flush()
    t.same(outcomes(mock, id), allDelivered(204))
    t.equal(rx.paths.length, 3)
    t.equal(rx.sockets.length, 1, 'one connection for the three requests')
  })

  t.test('a redirect is an answer, not followed and not a success', async (t) => {
    const rx = await receiver(t, (req, res) => (req.url === '/moved' ? res.writeHead(302, { location: '/elsewhere' }).end() : res.writeHead(200).end()))
    const mock = await mockFor(t, {}, { max_attempts: 2 })
    const id = await create(mock, { webhook_url: rx.url('/moved'), webhook_events: ['batch.pending'] })
    await mock.webhooks.flush()
    t.match(mock.webhooks.deliveries({ batch_id: id }), [
      { attempt: 1, outcome: 'retrying', status: 302, error: null },
      { attempt: 2, outcome: 'failed', status: 302, error: null }
    ])
    t.same(rx.paths, ['/moved', '/moved'], '/elsewhere is never asked for')
  })

  t.test('the answer counts from its status: a body that never ends is not waited for, and its connection is dropped', async (t) => {
    // 1 MiB and no end: the sender reads a bounded part, then closes the connection.
    const endless = await receiver(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.write(Buffer.alloc(1024 * 1024, 'x'))
    })
    const mock = await mockFor(t, {}, { max_attempts: 1 })
    const id = await create(mock, { webhook_url: endless.url('/endless'), webhook_events: ['batch.pending'] })
    await mock.webhooks.flush()
    t.match(mock.webhooks.deliveries({ batch_id: id }), [{ outcome: 'delivered', status: 200, error: null }])
    await waitClosed(endless.sockets[0])
    t.pass('the endless answer was cut off well before the 30 s deadline')

    // A head and then silence: delivered at once; the deadline ends the connection.
    const silent = await receiver(t, (_req, res) => res.writeHead(200, { 'content-length': '10' }).flushHeaders())
    const impatient = await mockFor(t, { webhooks: { timeoutMs: 200 } }, { max_attempts: 1 })
    const other = await create(impatient, { webhook_url: silent.url('/silent'), webhook_events: ['batch.pending'] })
    await impatient.webhooks.flush()
    t.match(impatient.webhooks.deliveries({ batch_id: other }), [{ outcome: 'delivered', status: 200, error: null }])
    await waitClosed(silent.sockets[0])
    t.pass('the half-sent answer ended at the attempt deadline')
    // The next delivery is unaffected (a new connection).
    const next = await create(impatient, { webhook_url: silent.url('/silent-2'), webhook_events: ['batch.pending'] })
    await impatient.webhooks.flush()
    t.match(impatient.webhooks.deliveries({ batch_id: next }), [{ outcome: 'delivered', status: 200 }])
  })

  t.test('a connection dropped after the request went out is a journaled failed attempt, never a silent second send', async (t) => {
    // The first connection answers its first request, then reads the second one whole and drops:
    // the receiver may have acted on it, so sending it again at once would be a duplicate the journal does not show.
    let dropped = false
    const rx = await receiver(t, (req, res, nth) => {
      if (nth === 2 && !dropped) {
        dropped = true
        return req.socket.destroy()
      }
      res.writeHead(200).end()
    })
    const mock = await mockFor(t, { webhooks: { concurrency: 1 } }, { max_attempts: 2 })
    const id = await create(mock, { webhook_url: rx.url('/dropping') })
    await mock.webhooks.flush()
    await advance(mock, 5000)
    await mock.webhooks.flush()
    const journal = mock.webhooks.deliveries({ batch_id: id })
    t.equal(rx.paths.length, journal.length, 'every request the receiver got is one journaled attempt')
    t.match(
      journal.filter((d) => d.event_type === 'batch.running'),
      [
        { attempt: 1, outcome: 'retrying', status: null, error: /^ECONNRESET: / },
        { attempt: 2, outcome: 'delivered', status: 200 }
      ]
    )
    t.same(journal.filter((d) => d.event_type !== 'batch.running').map((d) => [d.event_type, d.attempt, d.outcome]), [
      ['batch.pending', 1, 'delivered'],
      ['batch.success', 1, 'delivered']
    ])
  })

  t.test('a receiver that closes each connection after its answer costs no failed attempt', async (t) => {
    // Closing after the answer (with or without saying Connection: close): the next delivery takes a fresh connection.
    const rx = await receiver(t, (req, res, nth) => {
      if (rx.paths.length % 2 === 0) res.writeHead(200, { connection: 'close' }).end()
      else res.writeHead(200).end(() => req.socket.end())
      t.equal(nth, 1, 'one request per connection')
    })
    const mock = await mockFor(t, { webhooks: { concurrency: 1 } }, { max_attempts: 1 })
    const id = await create(mock, { webhook_url: rx.url('/closing') })
    await mock.webhooks.flush()
    for (const ms of [1000, 1000, 3000]) {
      await advance(mock, ms)
      await mock.webhooks.flush()
    }
    t.same(outcomes(mock, id), allDelivered(200))
    t.equal(rx.sockets.length, 3)
  })

  t.test('answers that are not a final answer settle the attempt: 101, a lone 100 then close, a close mid-head', async (t) => {
    // Raw receivers: each writes its bytes once the request arrives. The attempt deadline is the
    // default 30 s, far beyond the flush's wait: each must settle on its own.
    const answers = {
      '101': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n',
      '100': 'HTTP/1.1 100 Continue\r\n\r\n',
      half: 'HTTP/1.1 200 O'
    }
    const mock = await mockFor(t, {}, { max_attempts: 1 })
    for (const [name, bytes] of Object.entries(answers)) {
      const server = createNetServer((socket) => {
        socket.on('error', () => {})
        // The 101 keeps its connection open (as a switched protocol would); the others close.
        socket.once('data', () => (name === '101' ? socket.write(bytes) : socket.end(bytes)))
      })
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
      const id = await create(mock, { webhook_url: `http://127.0.0.1:${(server.address() as { port: number }).port}/${name}`, webhook_events: ['batch.pending'] })
      await mock.webhooks.flush(5000)
      t.match(mock.webhooks.deliveries({ batch_id: id }), [name === '101' ? { outcome: 'failed', status: 101, error: null } : { outcome: 'failed', status: null, error: /^ECONNRESET: / }], name)
    }
  })

  t.test('https to a loopback receiver with a self-signed certificate fails each attempt, journaled with the reason', async (t) => {
    // A throwaway certificate for localhost (EC P-256, valid to 2126), made for this test only.
    const key = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVyHHmBSClIXmGi6D
cy2vyW85VKRlPRiDd3sS/mAPuBOhRANCAATaKOHJzR8fTU8KeOdeRhHUG61S7Zwn
+mNzpB/GmIIA2y62A7dyAr9mbeq/ImzEdxJkAgPaDpx9a8jvPZYmARqs
-----END PRIVATE KEY-----`
    const cert = `-----BEGIN CERTIFICATE-----
MIIBrjCCAVSgAwIBAgIUKVmOYVsBZe8qwaSKFa3Uos37d1AwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyOTExNTMwOFoYDzIxMjYxMTA1
MTE1MzA4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATaKOHJzR8fTU8KeOdeRhHUG61S7Zwn+mNzpB/GmIIA2y62A7dyAr9m
beq/ImzEdxJkAgPaDpx9a8jvPZYmARqso4GBMH8wHQYDVR0OBBYEFJ3wvCqWwDpP
P0K2FjbK7Fc13N5eMB8GA1UdIwQYMBaAFJ3wvCqWwDpPP0K2FjbK7Fc13N5eMA8G
A1UdEwEB/wQFMAMBAf8wLAYDVR0RBCUwI4IJbG9jYWxob3N0hwR/AAABhxAAAAAA
AAAAAAAAAAAAAAABMAoGCCqGSM49BAMCA0gAMEUCIGG5qCCLKarngNyv7hu1pDbF
WWJJd2wY81/uSpb9tHIJAiEAv8yipdUIQvFjf45agQHYi7Q4b87ErgWo+4dI/mdB
XSM=
-----END CERTIFICATE-----`
    let got = 0
    const server = createHttpsServer({ key, cert }, (req, res) => {
      got++
      req.resume()
      res.end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    t.teardown(() => {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    })
    const mock = await mockFor(t, {}, { max_attempts: 2 })
    const id = await create(mock, { webhook_url: `https://127.0.0.1:${(server.address() as { port: number }).port}/tls`, webhook_events: ['batch.pending'] })
    await mock.webhooks.flush(5000)
    t.match(mock.webhooks.deliveries({ batch_id: id }), [
      { attempt: 1, outcome: 'retrying', status: null, error: /^DEPTH_ZERO_SELF_SIGNED_CERT: / },
      { attempt: 2, outcome: 'failed', status: null, error: /^DEPTH_ZERO_SELF_SIGNED_CERT: / }
    ])
    t.equal(got, 0, 'nothing was sent over a connection the mock does not trust')

    // https://localhost is never asked of a resolver either: a receiver on ::1 only is reached
    // (127.0.0.1 first, then ::1), and TLS names the host the URL names.
    const names: string[] = []
    const v6 = createHttpsServer({ key, cert, SNICallback: (name, cb) => (names.push(name), cb(null)) }, (_req, res) => res.end())
    v6.listen(0, '::1')
    await once(v6, 'listening')
    t.teardown(() => {
      v6.closeAllConnections()
      return new Promise<void>((resolve) => v6.close(() => resolve()))
    })
    const byName = await create(mock, { webhook_url: `https://localhost:${(v6.address() as { port: number }).port}/tls-by-name`, webhook_events: ['batch.pending'] })
    await mock.webhooks.flush(5000)
    t.match(mock.webhooks.deliveries({ batch_id: byName }), [{ error: /^DEPTH_ZERO_SELF_SIGNED_CERT: / }, { error: /^DEPTH_ZERO_SELF_SIGNED_CERT: / }], 'the receiver on ::1 was reached')
    t.same(names, ['localhost', 'localhost'], 'SNI names localhost')
  })

  t.test('close with a request in flight: the delivery is journaled dropped and the connection closed', async (t) => {
    let arrived = (): void => {}
    const held = new Promise<void>((resolve) => (arrived = resolve))
    const rx = await receiver(t, () => arrived()) // reads the request, never answers
    const mock = await mockFor(t, {}, { max_attempts: 1 })
    const id = await create(mock, { webhook_url: rx.url('/held'), webhook_events: ['batch.pending'] })
    await held
    t.equal(mock.webhooks.pending.in_flight, 1)
    await mock.close()
    t.match(mock.webhooks.deliveries({ batch_id: id }), [{ outcome: 'dropped', error: /closed/ }])
    await waitClosed(rx.sockets[0])
    t.pass("the receiver's connection was closed by the mock's close, not left to the 30 s deadline")
  })

  t.test('an unreachable receiver is journaled with the reason', async (t) => {
    // A port that was listening and is closed now: nothing answers there.
    const gone = createServer()
    gone.listen(0, '127.0.0.1')
    await once(gone, 'listening')
    const port = (gone.address() as { port: number }).port
    await new Promise<void>((resolve) => gone.close(() => resolve()))
    const mock = await mockFor(t, {}, { max_attempts: 1 })
    const id = await create(mock, { webhook_url: `http://127.0.0.1:${port}/nobody`, webhook_events: ['batch.pending'] })
    await mock.webhooks.flush()
    t.match(mock.webhooks.deliveries({ batch_id: id }), [{ outcome: 'failed', status: null, error: /^ECONNREFUSED: / }])
  })
})

/** Resolves once the socket has closed (a reset from the mock included); fails after 10 s of wall time (what is waited for takes milliseconds). */
async function waitClosed(socket: Socket | undefined): Promise<void> {
  if (socket === undefined) throw new Error('no connection was made')
  socket.on('error', () => {})
  if (socket.destroyed) return
  let timer: NodeJS.Timeout | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('close', () => resolve())
      timer = setTimeout(() => reject(new Error('the connection was still open after 10 s')), 10_000)
    })
  } finally {
    clearTimeout(timer)
  }
}
