import { Worker } from 'node:worker_threads'

/** What one attempt sends. */
export interface Attempt {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** Sent as its UTF-8. */
  readonly body: string
  readonly timeoutMs: number
}

/** How it went: the receiver's status, or why there was none. */
export interface Outcome {
  readonly status: number | null
  readonly error: string | null
  readonly durationMs: number
  readonly startedAt: number
}

// The worker's whole program: send each attempt it is sent with node:http(s) over kept-alive
// connections (an Agent pools them per origin), answer how it went. Attempts come, and answers
// go back, in batches (one message for all those of one turn): a message costs more than a
// small request's own work. Plain JavaScript evaluated
// in the worker, so there is no second file to bundle or resolve. (It used fetch: undici's
// fetch cost ~0.5 ms of CPU a request here, ten times what a pooled http.request costs.)
const WORKER = `
const { parentPort } = require('node:worker_threads')
const http = require('node:http')
const https = require('node:https')
const { urlToHttpOptions } = require('node:url')
// An idle connection closes after 4 s (or 1 s before the receiver's Keep-Alive: timeout=N says it will).
const AGENTS = { 'http:': new http.Agent({ keepAlive: true, timeout: 4000, maxFreeSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, timeout: 4000, maxFreeSockets: 64 }) }
// The answer's body is not needed: it is read (to keep the connection) up to this, then the connection is dropped.
const MAX_DRAINED = 64 * 1024
const describe = (e, timeoutMs) => {
  if (e && e.name === 'TimeoutError') return 'timeout: no answer in ' + timeoutMs + ' ms'
  if (e && e.code !== undefined) return e.code + ': ' + String(e.message).slice(0, 200)
  return String((e && e.message) || e).slice(0, 200)
}
// 'localhost' is loopback by definition (RFC 6761), so it is never asked of a resolver that
// could answer otherwise: the request goes to 127.0.0.1, then to ::1 when nothing listens
// there. The Host header stays what the URL names (localhost:PORT), and over https the TLS name
// (SNI, and what the certificate must name) too.
// What to connect to for each URL, parsed once (a bounded cache: a mock sends to few URLs).
const ADDRESSES = new Map()
const addresses = (url) => {
  let found = ADDRESSES.get(url)
  if (found !== undefined) return found
  const u = new URL(url)
  const hosts = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname === 'localhost' ? ['127.0.0.1', '[::1]'] : [null]
  found = hosts.map((host) => {
    const v = new URL(url)
    if (host !== null) v.hostname = host
    const options = { ...urlToHttpOptions(v), method: 'POST', agent: AGENTS[v.protocol] }
    if (host !== null) Object.assign(options, { hostHeader: u.host }, v.protocol === 'https:' && { servername: u.hostname })
    return options
  })
  if (ADDRESSES.size >= 1024) ADDRESSES.clear()
  ADDRESSES.set(url, found)
  return found
}
const UNREACHED = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH', 'EAFNOSUPPORT'])
const timeoutError = () => Object.assign(new Error('timeout'), { name: 'TimeoutError' })
/**
 * One POST; resolves with the status once the answer's head arrives (a redirect is an answer:
 * never followed). \`attempt.req\` is the request under way, for the deadline to end it.
 */
const post = (u, headers, body, attempt, retries = 1) => new Promise((resolve, reject) => {
  const req = (u.protocol === 'https:' ? https : http).request({ ...u, headers: u.hostHeader === undefined ? headers : { ...headers, Host: u.hostHeader } })
  attempt.req = req
  let answered = false
  // Whether the receiver had closed this kept-alive connection (its FIN read) before the request
  // went out on it: only then can the request not have reached it ('socket' comes before the write).
  let closedBefore = false
  req.on('socket', (socket) => {
    closedBefore = req.reusedSocket && (socket.readableEnded || socket.destroyed)
  })
  req.on('response', (res) => {
    answered = true
    resolve(res.statusCode)
    let read = 0
    res.on('data', (chunk) => {
      read += chunk.length
      if (read > MAX_DRAINED) res.destroy()
    })
    res.on('error', () => {})
  })
  // A 101 is an answer too (never a success); the connection it would switch is of no use.
  req.on('upgrade', (res, socket) => {
    answered = true
    socket.destroy()
    resolve(res.statusCode)
  })
  // Closed with no answer and no error (whatever the cause): the attempt fails rather than hang.
  req.on('close', () => {
    if (!answered) reject(attempt.timedOut ? timeoutError() : Object.assign(new Error('the connection closed with no answer'), { code: 'ECONNRESET' }))
  })
  req.on('error', (e) => {
    // After the answer's head (its body cut off, or the deadline): the attempt is settled already.
    if (answered) return
    // A kept-alive connection the receiver had closed before this request went out: once more on a
    // fresh one. A connection dropped after the request went out is a failed attempt, journaled and
    // retried after its backoff: the receiver may have read (and acted on) the POST, and a silent
    // second send would be a duplicate delivery the journal does not show.
    if (closedBefore && retries > 0 && !attempt.timedOut && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return resolve(post(u, headers, body, attempt, retries - 1))
    reject(attempt.timedOut ? timeoutError() : e)
  })
  req.end(body)
})
// Answers go back in batches: those settled in one turn of the loop, in one message.
const replies = []
const flushReplies = () => parentPort.postMessage(replies.splice(0))
const reply = (outcome) => {
  if (replies.push(outcome) === 1) setImmediate(flushReplies)
}
parentPort.on('message', (attempts) => {
  for (const attempt of attempts) void deliver(attempt)
})
const deliver = async ({ id, url, headers, body, timeoutMs }) => {
  const startedAt = Date.now()
  const t0 = performance.now()
  let status = null
  let error = null
  let targets = []
  const attempt = { req: null, timedOut: false }
  // One deadline for the attempt, every address included; it also ends an answer still streaming.
  // It settles the attempt by itself too: no request state can keep an attempt (and its slot) forever.
  let expire = () => {}
  const deadline = new Promise((_, reject) => {
    expire = () => reject(timeoutError())
  })
  deadline.catch(() => {})
  const timer = setTimeout(() => {
    attempt.timedOut = true
    attempt.req?.destroy(timeoutError())
    expire()
  }, timeoutMs)
  try {
    targets = addresses(url)
  } catch (e) {
    error = describe(e, timeoutMs)
  }
  const sent = { ...headers, 'Content-Length': String(body.byteLength) }
  for (const [i, target] of targets.entries()) {
    try {
      status = await Promise.race([post(target, sent, body, attempt), deadline])
      error = null
      break
    } catch (e) {
      error = describe(e, timeoutMs)
      // Nothing was sent to this address: the next one may be listening.
      if (i === targets.length - 1 || !UNREACHED.has(e && e.code)) break
    }
  }
  const durationMs = performance.now() - t0
  const res = attempt.req?.res
  // The head has come; what is left of the body may still take until the deadline.
  if (res && !res.complete) res.once('close', () => clearTimeout(timer))
  else clearTimeout(timer)
  reply({ id, status, error, durationMs, startedAt })
}
`

const UTF8 = new TextEncoder()

/**
 * Sends attempts with node:http(s) on a worker thread of its own, started on first use: the
 * requests' cost (sockets, parsing, TLS) stays off the thread that answers the API, so
 * GETs keep their speed while webhooks go out. `stop` ends the worker and every request
 * it has in flight (they settle as "aborted").
 */
export class WorkerSender {
  #worker: Worker | null = null
  /** What the current worker has in flight: each worker has its own, so one that ends late settles only its own. */
  #waiting = new Map<number, (outcome: Outcome) => void>()
  /** Attempts of this turn not yet posted to the current worker. */
  #outbox: { id: number; url: string; headers: Readonly<Record<string, string>>; body: Uint8Array<ArrayBuffer>; timeoutMs: number }[] = []
  #next = 0

  send(attempt: Attempt): Promise<Outcome> {
    if (this.#worker === null) this.#start()
    const id = this.#next++
    const waiting = this.#waiting
    return new Promise((resolve) => {
      waiting.set(id, resolve)
      // Bytes of its own (TextEncoder, not Buffer.from: a small Buffer shares a pool), handed over rather than copied again.
      const body = UTF8.encode(attempt.body)
      this.#outbox.push({ id, url: attempt.url, headers: attempt.headers, body, timeoutMs: attempt.timeoutMs })
      if (this.#outbox.length === 1) queueMicrotask(() => this.#post())
    })
  }

  /** Ends the worker (if any) and settles what it had in flight. */
  stop(): Promise<void> {
    const worker = this.#worker
    this.#worker = null
    this.#outbox = []
    settleAll(this.#waiting, 'aborted')
    this.#waiting = new Map()
    return worker ? worker.terminate().then(() => {}) : Promise.resolve()
  }

  /** Posts this turn's attempts to the worker they were queued for (stop empties the outbox). */
  #post(): void {
    if (this.#outbox.length === 0 || this.#worker === null) return
    // Each body's bytes are handed over, not copied.
    this.#worker.postMessage(this.#outbox, this.#outbox.map((a) => a.body.buffer))
    this.#outbox = []
  }

  #start(): Worker {
    // No inherited flags (a test runner's loaders): the program above is plain JavaScript.
    const worker = new Worker(WORKER, { eval: true, execArgv: [] })
    worker.unref()
    // A worker stopped (by a reset) ends after a new one has started: it settles only what it was sent.
    const waiting = new Map<number, (outcome: Outcome) => void>()
    worker.on('message', (outcomes: ({ id: number } & Outcome)[]) => {
      for (const m of outcomes) {
        const resolve = waiting.get(m.id)
        waiting.delete(m.id)
        resolve?.({ status: m.status, error: m.error, durationMs: m.durationMs, startedAt: m.startedAt })
      }
    })
    worker.on('error', (e) => settleAll(waiting, `sender failed: ${String((e as Error).message).slice(0, 200)}`))
    worker.on('exit', () => {
      if (this.#worker === worker) {
        this.#worker = null
        this.#outbox = []
      }
      settleAll(waiting, 'aborted')
    })
    this.#worker = worker
    this.#waiting = waiting
    return worker
  }
}

function settleAll(waiting: Map<number, (outcome: Outcome) => void>, error: string): void {
  const resolves = [...waiting.values()]
  waiting.clear()
  for (const resolve of resolves) resolve({ status: null, error, durationMs: 0, startedAt: Date.now() })
}
