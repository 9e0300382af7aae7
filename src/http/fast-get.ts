import { createServer, ServerResponse, type IncomingMessage, type Server, type ServerOptions } from 'node:http'
import type { FastifyServerFactory } from 'fastify'
import type { BatchService } from '../service/batches.js'
import { afterReads } from './answer-batch.js'
import { declaredLength } from '../traffic/hooks.js'
import type { Journal } from '../traffic/journal.js'
import type { Answers } from './answers.js'
import { tenantOf } from './auth.js'
import { listKey, type ListAnswers } from './list-answers.js'
import { DEFAULT_PAGE_SIZE } from '../schemas/batch-requests.js'

/** What the fast path reads: the same service, answers and journal as the routes. */
export interface FastGetState {
  readonly service: BatchService
  readonly answers: Answers
  readonly pages: ListAnswers
  readonly journal: Journal
  readonly auth: boolean
  /** True once close() has started: replies then carry `connection: close` (app.ts), so Fastify answers. */
  closing(): boolean
  /** Whether the app's logger writes `debug` (the per-request line): then Fastify answers. */
  debug(): boolean
}

// `GET /api/v2/batches/{id}` with nothing Fastify would decode, normalise or validate away: an
// id of the characters ids are made of, within the schema's 128, and no query but `expand=results`.
const PLAIN_GET = /^\/api\/v2\/batches\/([A-Za-z0-9_-]{1,128})(\?expand=results)?$/

const JSON_TYPE = 'application/json; charset=utf-8'

// `GET /api/v2/batches` with no query, or `page_size` (1 to 100, as written by a client) and a
// `page_token` of the characters tokens are made of (base64url and a dot), in that order.
const PLAIN_LIST = /^\/api\/v2\/batches(?:\?page_size=([1-9][0-9]?|100)(?:&page_token=([A-Za-z0-9_.-]{1,512}))?)?$/

/**
 * The hot requests, `GET /api/v2/batches/{id}` and a plain list page, answered without Fastify's
 * request pipeline when that is provably what the pipeline would answer, and left to Fastify
 * (false) otherwise: no fault rule whose path matches (the traffic hook would try them), no `Prefer`
 * header, no debug log, not closing, a key the auth hook accepts; for a GET a stored batch the key
 * may see (anything else, an unknown id included, is an error answer or a compat batch made on
 * read: Fastify's), for a list a token this server issued for the query (else Fastify's 422).
 * What it does is what the pipeline does then (traffic hook, auth hook, route, journal): the
 * service's clock, `find` and `poll` or `list`, the cached answers, the same status and headers,
 * the same journal entry. Nothing changes before the last check passes but the clock's reading
 * (which the pipeline's first hook does too), so a request left to Fastify is seen once.
 * test/http/fast-get.test.ts sends the same varied traffic to a mock with and without it.
 */
export function fastGet(state: FastGetState): FastAnswer {
  return guarded(fastAnswer(state))
}

/**
 * What Fastify would catch must not escape a request listener (it would end the process):
 * an unexpected throw before the head is written leaves the request to Fastify, which answers
 * it (a 500 through the error handler, if it throws there too); after, the socket is dropped.
 */
export function guarded(answer: FastAnswer): FastAnswer {
  return (req, res, fastify) => {
    try {
      return answer(req, res, fastify)
    } catch {
      if (!res.headersSent) return false
      res.destroy()
      return true
    }
  }
}

function fastAnswer(state: FastGetState): FastAnswer {
  const { service, answers, pages, journal } = state
  return function answer(req, res) {
    if (req.method !== 'GET') return false
    const url = req.url as string
    const one = PLAIN_GET.exec(url)
    const list = one === null ? PLAIN_LIST.exec(url) : null
    if (one === null && list === null) return false
    const headers = req.headers
    if (headers.prefer !== undefined || headers['transfer-encoding'] !== undefined) return false
    if (state.closing() || state.debug()) return false
    // No rule can match: the traffic hook would count and fire nothing (fault-book.ts mayMatch).
    const faults = service.faults
    if (faults.size > 0 && faults.mayMatch(one !== null && one[2] !== undefined ? url.slice(0, url.indexOf('?')) : list !== null ? '/api/v2/batches' : url)) return false
    const tenant = tenantOf(service, state.auth, headers.authorization)
    if (tenant === undefined) return false
    let body: Buffer
    const started = performance.now()
    let arrival: number
    if (one !== null) {
      const id = one[1] as string
      if (!service.world.store.has(id)) return false
      // The traffic hook's arrival time: the clock is read (and due transitions published) first.
      arrival = service.now()
      let batch
      try {
        batch = service.find(id, tenant, {})
      } catch {
        return false
      }
      body = answers.json(batch, service.poll(batch), one[2] !== undefined)
    } else {
      const m = list as RegExpExecArray
      arrival = service.now()
      const key = listKey(url, tenant)
      const kept = pages.fresh(key, service.world.store.version, arrival)
      if (kept !== undefined) body = kept
      else {
        const page = service.list({ page_size: m[1] === undefined ? DEFAULT_PAGE_SIZE : Number(m[1]), ...(m[2] !== undefined && { page_token: m[2] }) }, tenant)
        if (!page.tokenValid) return false
        const { now } = page
        body = pages.json(key, page.items, page.nextToken, (b) => service.readTime(b, now), service.world.store.version)
      }
    }
    const bodyBytes = declaredLength(headers)
    afterReads(res, () => journalOk(journal, req, res, sendJson(res, body), started, arrival, null, bodyBytes))
    return true
  }
}

/**
 * A 200 with JSON bytes, the head as Fastify's routes write it (batches-routes.ts sendJson).
 * True when it waits behind a pipelined answer still being made (the response has no socket yet),
 * or its connection is gone.
 */
export function sendJson(res: ServerResponse, body: Buffer | string): boolean {
  // A connection already gone (an answer ahead of this one closed it) never sends it: journaled
  // on 'finish', it is not journaled, as Fastify's onResponse (on 'finish') does not journal one.
  const queued = res.socket === null || res.socket.destroyed
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.length) })
  res.end(body)
  return queued
}

/**
 * The journal entry of a 200 a fast path sent, as the traffic hooks' onResponse writes it for
 * Fastify's. A pipelined request behind an answer still being made has no socket yet: its answer
 * waits for that one, and is journaled once sent, as Fastify's onResponse journals it ('finish').
 */
export function journalOk(journal: Journal, req: IncomingMessage, res: ServerResponse, queued: boolean, started: number, arrival: number, body: string | null, bodyBytes: number): void {
  if (queued) res.once('finish', () => recordOk(journal, req, started, arrival, body, bodyBytes))
  else recordOk(journal, req, started, arrival, body, bodyBytes)
}

function recordOk(journal: Journal, req: IncomingMessage, started: number, arrival: number, body: string | null, bodyBytes: number): void {
  const durationMs = performance.now() - started
  journal.record({
    time: Date.now() - durationMs,
    mockTime: arrival,
    method: req.method as string,
    url: req.url as string,
    status: 200,
    durationMs: Math.round(durationMs * 100) / 100,
    matched: true,
    fault: null,
    delayMs: null,
    connection: null,
    rawHeaders: req.rawHeaders,
    body,
    bodyBytes
  })
}

/** Fastify's request handler: where a fast path leaves a request. */
export type FastifyHandler = (req: IncomingMessage, res: ServerResponse) => void

/**
 * Answers a request, true, or declines it (false) with nothing read or changed, for Fastify. One
 * that reads a body first (fast-create.ts) may take it (true) and still hand it to `fastify` later.
 */
export type FastAnswer = (req: IncomingMessage, res: ServerResponse, fastify: FastifyHandler) => boolean

/**
 * Fastify's `serverFactory`: the HTTP/1 server Fastify makes itself (the same options, set the
 * same way as fastify/lib/server.js does), whose requests go first to `fast()` (null until the app
 * is ready, or when off) and to Fastify when it declines. Once `closing()`, every answer's head
 * says `connection: close`, so a kept-alive socket does not outlive the request in flight on it
 * (close() waits for every socket); a header set where the head is written costs no hook per request.
 */
export function serverWithFastPath(fast: () => FastAnswer | null, closing: () => boolean): FastifyServerFactory<Server> {
  class Response extends ServerResponse {}
  const writeHead = ServerResponse.prototype.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse
  Response.prototype.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (closing() && !this.headersSent) this.setHeader('connection', 'close')
    writeHead.apply(this, args)
    // A pipelined response not yet given the socket buffers what is written to it, and Node may
    // have written a `100 Continue` there already (when it read the head that asked for it). A
    // head sent with a Buffer body is put FIRST in that buffer (OutgoingMessage#_send), so the 100
    // would land between the head and the body (a corrupt stream): such a head is sent alone.
    const buffered = (this as { outputData?: unknown[] }).outputData
    if (this.socket === null && buffered !== undefined && buffered.length > 0) this.flushHeaders()
    return this
  } as ServerResponse['writeHead']
  return (handler, opts) => {
    const o = opts as { http?: ServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket?: number }
    const server = createServer({ ...o.http, ServerResponse: Response }, (req, res) => {
      const answer = fast()
      if (answer === null || !answer(req, res, handler)) handler(req, res)
    })
    server.keepAliveTimeout = o.keepAliveTimeout
    server.requestTimeout = o.requestTimeout
    server.setTimeout(o.connectionTimeout)
    if ((o.maxRequestsPerSocket ?? 0) > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket as number
    return server
  }
}
