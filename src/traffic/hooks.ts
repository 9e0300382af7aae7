import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FaultBook, FaultState } from './fault-book.js'
import { JOURNAL_BODY_BYTES, type Journal } from './journal.js'

/** What the traffic hooks need: the journal, the fault rules in force, and the mock's clock. */
export interface Traffic {
  readonly journal: Journal
  /** The rules in force now (a scenario swap replaces the book). */
  faults(): FaultBook
  now(): number
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The fault rule that answered this request, if any. */
    faultId: string | null
    /** Set by the 404 and 405 handlers: no route served this request. */
    unmatched: boolean
    /** The mock clock when the request arrived (NaN until then). */
    mockArrival: number
    /** The delay a fault rule added (ms), if any. */
    faultDelay: number | null
    /** An /api request's body as the journal keeps it (its first JOURNAL_BODY_BYTES as text), if it had one. */
    journalBody: string | null
    /** That body's full size in bytes (also set for a body read but not kept: one of a type the mock does not read). */
    journalBodyBytes: number
  }
}

/** Requests a delay rule may hold at once; the journal shows `delay_ms: 0` for those past it. */
export const MAX_HELD_REQUESTS = 10_000

/**
 * The request target as Fastify's router serves it: an absolute-form one (`GET http://host/api/…`,
 * as a client behind a proxy setting sends it) as its path and query, read as find-my-way reads it
 * (`getPathFromAbsoluteUrl`); any other as it is. The hooks match rules and journal by this path,
 * so such a request meets the same rules, Prefer and journal as its origin form.
 */
export function originForm(url: string): string {
  if (url.charCodeAt(0) === 47) return url
  const schemeEnd = url.indexOf('://')
  if (schemeEnd === -1) return url
  const scheme = url.slice(0, schemeEnd).toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') return url
  const start = schemeEnd + 3
  const slash = url.indexOf('/', start)
  const query = url.indexOf('?', start)
  const end = query !== -1 && (slash === -1 || query < slash) ? query : slash === -1 ? url.length : slash
  if (end === start || url.includes('#', start) || !URL.canParse(url)) return url
  return end === url.length ? '/' : end === query ? `/${url.slice(end)}` : url.slice(end)
}

const isApi = (url: string): boolean => url.startsWith('/api/') || url === '/api' || url.startsWith('/api?')
const pathOf = (url: string): string => {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/**
 * Keeps an /api request's body for the journal (the body parser calls it with the bytes it
 * read). /_mock bodies (a scenario may be 16 MiB) are not journaled, so not kept.
 */
export function keepBodyForJournal(request: FastifyRequest, bytes: Buffer): void {
  if (bytes.length === 0 || !isApi(originForm(request.url))) return
  request.journalBody = journalText(bytes)
  request.journalBodyBytes = bytes.length
}

/** A body as the journal keeps it: its first JOURNAL_BODY_BYTES, as text. */
export function journalText(bytes: Buffer): string {
  return bytes.toString('utf8', 0, Math.min(bytes.length, JOURNAL_BODY_BYTES))
}

/**
 * journalText(bytes), given `text`, the bytes decoded as strict UTF-8 (json-body.ts): the same
 * string when the journal keeps them all and no byte-order mark was taken off, so no second decode.
 */
export function journalTextOf(bytes: Buffer, text: string): string {
  return bytes.length <= JOURNAL_BODY_BYTES && bytes[0] !== 0xef ? text : journalText(bytes)
}

function journal(state: Traffic, request: FastifyRequest, status: number, durationMs: number, connection: string | null = null): void {
  state.journal.record({
    time: Date.now() - durationMs,
    mockTime: Number.isNaN(request.mockArrival) ? state.now() : request.mockArrival,
    method: request.method,
    url: originForm(request.url),
    status,
    durationMs: Math.round(durationMs * 100) / 100,
    matched: !request.unmatched,
    fault: request.faultId,
    delayMs: request.faultDelay,
    connection,
    rawHeaders: request.raw.rawHeaders,
    body: request.journalBody,
    bodyBytes: request.journalBody !== null || request.journalBodyBytes > 0 ? request.journalBodyBytes : declaredLength(request.headers)
  })
}

/**
 * A body the mock did not keep (a multipart upload, streamed and hashed; one refused for its size
 * or type; one a fault answered before it was read) still shows its size: its Content-Length.
 */
export function declaredLength(headers: FastifyRequest['headers']): number {
  const length = headers['content-length']
  if (length === undefined || !/^\d{1,15}$/.test(length)) return 0
  return Number(length)
}

/** Whether the request's logger writes this level (Fastify's null logger, with logs off, never does). */
const enabled = (request: FastifyRequest, level: string): boolean => (request.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) === true

/** The fields of the per-request log line (JSON logs carry them; the pretty log shows the message). */
export const REQUEST_LOG_FIELDS = ['method', 'url', 'statusCode', 'responseTime', 'fault', 'project'] as const

// Query parameters that carry a secret: the dashboard's `?token=` (the admin token), API keys.
const SECRET_PARAM = /([?&](?:token|access_token|admin_token|api_key|apikey|key|secret|password)=)[^&#]*/gi

/** The URL as a log line shows it: a secret in the query (`/_mock/ui?token=…`) is never written out. */
export function redactQuery(url: string): string {
  return url.includes('?') ? url.replace(SECRET_PARAM, '$1…') : url
}

/**
 * One line per request: /api requests at `debug`, the control plane (/_mock, which a dashboard
 * polls) only at `trace`. Nothing is built unless the level is on.
 */
function logRequest(request: FastifyRequest, status: number, durationMs: number, level: 'debug' | 'trace'): void {
  const ms = Math.round(durationMs * 100) / 100
  const fault = request.faultId
  const project = (request as { tenant?: { projectId: string } | null }).tenant?.projectId ?? null
  const url = redactQuery(request.url)
  const msg = `${request.method} ${url} ${status} ${ms} ms${fault !== null ? ` fault ${fault}` : ''}${project !== null ? ` project ${project}` : ''}`
  request.log[level]({ method: request.method, url, statusCode: status, responseTime: ms, fault, project }, msg)
}

// A plausible batch body for the faults that break one: long enough to cut in half.
const SAMPLE_BODY = JSON.stringify({
  id: 'bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  project_id: 'prj-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } },
  status: 'RUNNING',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:01.000Z',
  results: null
})

/** Breaks the connection as the rule says; the journal records it here, as no reply follows. */
function breakConnection(state: Traffic, request: FastifyRequest, reply: FastifyReply, fault: FaultState, started: number): void {
  reply.hijack()
  const socket = request.raw.socket
  const res = reply.raw
  const json = { 'content-type': 'application/json; charset=utf-8' }
  if (fault.connection === 'reset') socket.resetAndDestroy()
  else if (fault.connection === 'empty') socket.end()
  else if (fault.connection === 'truncated') {
    // The full length announced, half the body sent, then the close: ending (not destroying)
    // the socket lets what was written leave first.
    res.writeHead(200, { ...json, 'content-length': Buffer.byteLength(SAMPLE_BODY) })
    res.write(SAMPLE_BODY.slice(0, SAMPLE_BODY.length >> 1))
    socket.end()
  } else {
    const body = SAMPLE_BODY.slice(0, -7) + ',,}'
    res.writeHead(200, { ...json, 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
  // Status 0: nothing at all was answered.
  const status = fault.connection === 'reset' || fault.connection === 'empty' ? 0 : 200
  const duration = performance.now() - started
  journal(state, request, status, duration, fault.connection ?? null)
  if (enabled(request, 'debug')) logRequest(request, status, duration, 'debug')
}

/** A canned error as LlamaCloud would send it, with the headers its status calls for. */
function cannedError(reply: FastifyReply, status: number, detail: string, retryAfter?: number): FastifyReply {
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
  if (status === 401) reply.header('www-authenticate', 'Bearer')
  return reply.code(status).send({ detail })
}

export const PREFER_CODES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Invalid authentication credentials',
  403: 'Not authorized to access this resource',
  404: 'Batch not found',
  409: 'Conflict',
  429: 'Rate limit exceeded, retry later',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout'
}
const PREFER = /(?:^|[;,\s])code=(\d{3})\b/

/**
 * `Prefer: code=<status>` as Prism users know it: 200 (and 2xx) let the request through,
 * the statuses above answer a plausible FastAPI body, 422 a plausible validation error,
 * anything else a 422 that lists what is supported.
 */
function preferredAnswer(request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  const header = request.headers.prefer
  const code = typeof header === 'string' ? PREFER.exec(header)?.[1] : undefined
  if (code === undefined) return null
  const status = Number(code)
  if (status >= 200 && status < 300) return null
  if (status === 422) {
    return reply.code(422).send({ detail: [{ type: 'missing', loc: ['body', 'source_directory_id'], msg: 'Field required', input: {} }] })
  }
  const detail = PREFER_CODES[status]
  if (detail === undefined) {
    const supported = ['2xx', ...Object.keys(PREFER_CODES), '422'].sort().join(', ')
    return reply.code(422).send({ detail: [{ type: 'prefer_code', loc: ['header', 'prefer'], msg: `Unsupported Prefer code ${status}; supported: ${supported}`, input: header }] })
  }
  return cannedError(reply, status, detail, status === 429 || status === 503 ? 1 : undefined)
}

/**
 * Set on a request a fast path took at its head and then left to Fastify once its body was read
 * (http/fast-create.ts): its arrival on the mock's clock when the head came, when the fast path
 * also found no fault rule for it and no `Prefer`. The hook takes that rather than looking again,
 * as Fastify alone looks when the head comes (the clock or the rules may have changed since).
 */
export const ARRIVED_AT_HEAD = Symbol('arrived at head')
export type ArrivedAtHead = { [ARRIVED_AT_HEAD]?: number }

/**
 * Hooks every /api request passes first: the fault rules, then `Prefer: code=`; and the
 * journal, which records each /api request once it is answered.
 */
export function registerTrafficHooks(app: FastifyInstance, state: Traffic): void {
  app.decorateRequest('faultId', null)
  app.decorateRequest('unmatched', false)
  app.decorateRequest('mockArrival', NaN)
  app.decorateRequest('faultDelay', null)
  app.decorateRequest('journalBody', null)
  app.decorateRequest('journalBodyBytes', 0)

  // Requests held by a fault delay: at shutdown each is let go at once, so close never
  // waits out a delay (up to 600 s) and no request is left unanswered.
  const held = new Map<NodeJS.Timeout, () => void>()
  app.addHook('preClose', (done) => {
    for (const [timer, release] of held) {
      clearTimeout(timer)
      release()
    }
    held.clear()
    done()
  })

  // Callback-style hooks: on the hot path (no fault, no Prefer) they cost no promise.
  app.addHook('onRequest', (request, reply, done) => {
    const url = originForm(request.url)
    if (!isApi(url)) return done()
    const arrived = (request.raw as ArrivedAtHead)[ARRIVED_AT_HEAD]
    if (arrived !== undefined) {
      request.mockArrival = arrived
      return done()
    }
    const started = performance.now()
    request.mockArrival = state.now()
    const faults = state.faults()
    const fault =
      faults.size === 0
        ? null
        : faults.fire(request.method, pathOf(url), (name) => {
            // Own headers only: `constructor` or `toString` is not a header the client sent.
            const v = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined
            return Array.isArray(v) ? v.join(', ') : v
          })
    const answer = (): void => {
      if (fault?.connection !== undefined) return breakConnection(state, request, reply, fault, started)
      if (fault?.status !== undefined) return void cannedError(reply, fault.status, fault.detail ?? PREFER_CODES[fault.status] ?? 'Injected fault', fault.retry_after)
      if (preferredAnswer(request, reply) === null) done()
    }
    if (fault === null) return answer()
    request.faultId = fault.id
    if (fault.delay_ms === undefined) return answer()
    // Held requests write nothing, so a client pipelining on one socket is never slowed by
    // it: past MAX_HELD_REQUESTS, a delay rule's request is answered at once (delay 0).
    if (held.size >= MAX_HELD_REQUESTS) {
      request.faultDelay = 0
      return answer()
    }
    const delay = faults.delayFor(fault)
    request.faultDelay = delay
    const timer = setTimeout(() => {
      held.delete(timer)
      answer()
    }, delay)
    held.set(timer, answer)
  })

  app.addHook('onResponse', (request, reply, done) => {
    if (isApi(originForm(request.url))) {
      journal(state, request, reply.statusCode, reply.elapsedTime)
      if (enabled(request, 'debug')) logRequest(request, reply.statusCode, reply.elapsedTime, 'debug')
    } else if (enabled(request, 'trace')) logRequest(request, reply.statusCode, reply.elapsedTime, 'trace')
    done()
  })
}
