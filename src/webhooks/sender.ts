import { Worker } from 'node:worker_threads'

/** What one attempt sends. */
export interface Attempt {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
  readonly timeoutMs: number
}

/** How it went: the receiver's status, or why there was none. */
export interface Outcome {
  readonly status: number | null
  readonly error: string | null
  readonly durationMs: number
  readonly startedAt: number
}

// The worker's whole program: fetch each attempt it is sent, answer how it went. Plain
// JavaScript evaluated in the worker, so there is no second file to bundle or resolve.
const WORKER = `
const { parentPort } = require('node:worker_threads')
const describe = (e, timeoutMs) => {
  if (e && e.name === 'TimeoutError') return 'timeout: no answer in ' + timeoutMs + ' ms'
  if (e && e.name === 'AbortError') return 'aborted'
  const cause = e && e.cause
  if (cause && cause.code !== undefined) return cause.code + ': ' + String(cause.message || e.message).slice(0, 200)
  return String((cause && cause.message) || (e && e.message) || e).slice(0, 200)
}
// 'localhost' over plain http is loopback by definition (RFC 6761), so it is never asked of a
// resolver that could answer otherwise: the request goes to 127.0.0.1, then to ::1 when
// nothing listens there. (Over https the certificate vouches for the host.)
const addresses = (url) => {
  const u = new URL(url)
  if (u.protocol !== 'http:' || u.hostname !== 'localhost') return [url]
  return ['127.0.0.1', '[::1]'].map((host) => Object.assign(new URL(url), { hostname: host }).href)
}
const UNREACHED = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH', 'EAFNOSUPPORT'])
parentPort.on('message', async ({ id, url, headers, body, timeoutMs }) => {
  const startedAt = Date.now()
  const t0 = performance.now()
  let status = null
  let error = null
  let signal
  let targets = []
  try {
    signal = AbortSignal.timeout(timeoutMs)
    targets = addresses(url)
  } catch (e) {
    error = describe(e, timeoutMs)
  }
  for (const [i, target] of targets.entries()) {
    try {
      // A redirect could lead off loopback: it is an answer, not a success.
      const res = await fetch(target, { method: 'POST', headers, body, redirect: 'manual', signal })
      status = res.status
      error = null
      // Only the status matters: the answer's body is not read.
      if (res.body) await res.body.cancel().catch(() => {})
      break
    } catch (e) {
      error = describe(e, timeoutMs)
      // Nothing was sent to this address: the next one may be listening.
      if (i === targets.length - 1 || !UNREACHED.has(e && e.cause && e.cause.code)) break
    }
  }
  parentPort.postMessage({ id, status, error, durationMs: performance.now() - t0, startedAt })
})
`

/**
 * Sends attempts with `fetch` on a worker thread of its own, started on first use: the
 * requests' cost (undici, streams, TLS) stays off the thread that answers the API, so
 * GETs keep their speed while webhooks go out. `stop` ends the worker and every request
 * it has in flight (they settle as "aborted").
 */
export class WorkerSender {
  #worker: Worker | null = null
  /** What the current worker has in flight: each worker has its own, so one that ends late settles only its own. */
  #waiting = new Map<number, (outcome: Outcome) => void>()
  #next = 0

  send(attempt: Attempt): Promise<Outcome> {
    const worker = this.#worker ?? this.#start()
    const id = this.#next++
    const waiting = this.#waiting
    return new Promise((resolve) => {
      waiting.set(id, resolve)
      worker.postMessage({ id, url: attempt.url, headers: attempt.headers, body: new Uint8Array(attempt.body), timeoutMs: attempt.timeoutMs })
    })
  }

  /** Ends the worker (if any) and settles what it had in flight. */
  stop(): Promise<void> {
    const worker = this.#worker
    this.#worker = null
    settleAll(this.#waiting, 'aborted')
    this.#waiting = new Map()
    return worker ? worker.terminate().then(() => {}) : Promise.resolve()
  }

  #start(): Worker {
    // No inherited flags (a test runner's loaders): the program above is plain JavaScript.
    const worker = new Worker(WORKER, { eval: true, execArgv: [] })
    worker.unref()
    // A worker stopped (by a reset) ends after a new one has started: it settles only what it was sent.
    const waiting = new Map<number, (outcome: Outcome) => void>()
    worker.on('message', (m: { id: number } & Outcome) => {
      const resolve = waiting.get(m.id)
      waiting.delete(m.id)
      resolve?.({ status: m.status, error: m.error, durationMs: m.durationMs, startedAt: m.startedAt })
    })
    worker.on('error', (e) => settleAll(waiting, `sender failed: ${String((e as Error).message).slice(0, 200)}`))
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = null
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
