import { IncomingMessage, type ServerResponse } from 'node:http'
import type { CreateBatchBody } from '../schemas/batch-requests.js'
import { answerAfterReads, type DueAnswer } from './answer-batch.js'
import { ARRIVED_AT_HEAD, journalTextOf, type ArrivedAtHead } from '../traffic/hooks.js'
import type { Journal } from '../traffic/journal.js'
import { TENANT_AT_HEAD, tenantOf, type TenantAtHead } from './auth.js'
import type { Tenant } from '../service/tenancy.js'
import { CREATE_BODY_LIMIT } from './batches-routes.js'
import { guarded, journalOk, sendJson, type FastAnswer, type FastGetState, type FastifyHandler } from './fast-get.js'
import { decodeJsonBody, parseJsonText } from './json-body.js'

export interface FastCreateState extends FastGetState {
  /** The create route's body validator (the same compiler, the same schema): true when valid. */
  validate(body: unknown): boolean
}

const CREATE = '/api/v2/batches'

// What Fastify reads as JSON with the route's parser, written as the SDK, httpx and curl write it.
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8'])

/**
 * `POST /api/v2/batches` with a JSON body that makes a batch, answered without Fastify's request
 * pipeline. Its head is checked as fast-get.ts checks a GET's (no fault rule for the path, no
 * `Prefer`, no debug log, not closing, a key the auth hook accepts), plus no query, a JSON type and
 * a Content-Length within the route's body limit. The body is then read, and what the pipeline does
 * with it done here: parsed by the route's parser, validated by the route's validator, the batch
 * made by the same service call, answered with the same bytes and journaled alike. Anything else
 * on the way — bytes that are not JSON, a body the schema refuses, a create the service refuses
 * (an unknown directory, a full store), a client gone mid-body — goes to Fastify as it came: a
 * request carrying the bytes read (`replay`), which Fastify answers. Nothing has changed by then
 * but the clock's reading. test/http/fast-create.test.ts sends the same varied creates to a mock
 * with and without it.
 */
export function fastCreate(state: FastCreateState): FastCreate {
  const reading = new Reading()
  return Object.assign(guarded(createAnswer(state, reading)), { handOver: (): void => reading.handOverAll() })
}

/**
 * The fast path, and what close() must call before Fastify closes its routes: Fastify answers 503
 * to a request that starts once they are closed, so a create whose head came before (and whose
 * body is still coming) is handed to Fastify then, its body streamed on, as Fastify would have had
 * it all along; and every later one is left to Fastify.
 */
export type FastCreate = FastAnswer & { handOver(): void }

/**
 * A create whose body is being read: what the pipeline's hooks found when its head came (they
 * take that, not what may have changed while its body came) and the bytes so far. It is a link
 * of its path's `Reading` list while its body comes: a Set rehashes as it grows and shrinks
 * with every request (measured: ~1.4% of a create's CPU).
 */
class BodyRead implements DueAnswer {
  prev: BodyRead | null = null
  next: BodyRead | null = null
  /** The first chunk, and any after it (most bodies come whole, in one). */
  first: Buffer | null = null
  more: Buffer[] | null = null
  /** Read whole, failed or handed over: the listeners left attached do nothing from then on. */
  done = false
  /** Once answered: the answer, what the journal keeps of the body, and its size. */
  answer = ''
  journaled = ''
  bytes = 0

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly fastify: FastifyHandler,
    readonly arrival: number,
    readonly tenant: Tenant,
    readonly started: number,
    readonly journal: Journal
  ) {}

  add(chunk: Buffer): void {
    if (this.first === null) this.first = chunk
    else (this.more ??= [this.first]).push(chunk)
  }

  /** The bytes read so far, a chunk each. */
  chunks(): readonly Buffer[] {
    return this.more ?? (this.first === null ? [] : [this.first])
  }

  body(): Buffer {
    return this.more !== null ? Buffer.concat(this.more) : (this.first ?? EMPTY)
  }

  /** Writes the answer made (after the turn's reads) and journals it. */
  write(): void {
    const { req, res } = this
    journalOk(this.journal, req, res, sendJson(res, this.answer), this.started, this.arrival, this.journaled, this.bytes)
  }
}

const EMPTY = Buffer.alloc(0)

/** The creates whose bodies are still coming, for close() to hand over: a doubly linked list. */
class Reading {
  #head: BodyRead | null = null
  /** Once close() has begun: every create is Fastify's from then on. */
  handedOver = false

  add(read: BodyRead): void {
    read.next = this.#head
    if (this.#head !== null) this.#head.prev = read
    this.#head = read
  }

  delete(read: BodyRead): void {
    if (read.prev !== null) read.prev.next = read.next
    else if (this.#head === read) this.#head = read.next
    if (read.next !== null) read.next.prev = read.prev
    read.prev = read.next = null
  }

  handOverAll(): void {
    this.handedOver = true
    while (this.#head !== null) handOver(this, this.#head)
  }
}

function createAnswer(state: FastCreateState, reading: Reading): FastAnswer {
  const { service, answers, journal } = state
  return function answer(req, res, fastify) {
    if (req.method !== 'POST' || req.url !== CREATE || reading.handedOver) return false
    const headers = req.headers
    const type = headers['content-type']
    if (type !== undefined && !JSON_TYPES.has(type)) return false
    const length = headers['content-length']
    if (length === undefined || headers['transfer-encoding'] !== undefined || headers.prefer !== undefined) return false
    const size = Number(length)
    if (!(size > 0 && size <= CREATE_BODY_LIMIT)) return false
    // As the pipeline's hooks see them when the head arrives (so not again once the body has).
    if (state.closing() || state.debug() || (service.faults.size > 0 && service.faults.mayMatch(CREATE))) return false
    const tenant = tenantOf(service, state.auth, headers.authorization)
    if (tenant === undefined) return false
    const started = performance.now()
    // The traffic hook's arrival time: the clock is read (and due transitions published) first.
    const read = new BodyRead(req, res, fastify, service.now(), tenant, started, journal)
    // Listeners that stay once the body is read ('end' and 'error' come at most once, and `done`
    // makes a late one a no-op): removing them cost more than the rest of the reading.
    req.on('data', (chunk: Buffer) => {
      if (!read.done) read.add(chunk)
    })
    req.on('end', () => {
      if (read.done) return
      read.done = true
      reading.delete(read)
      answerRead(read)
    })
    req.on('error', (error: Error) => {
      if (read.done) return
      read.done = true
      reading.delete(read)
      replay(read, error)
    })
    reading.add(read)
    return true
  }

  /** What the pipeline does with a create's body once read, or the request left to Fastify. */
  function answerRead(read: BodyRead): void {
    const { res, tenant } = read
    const body = read.body()
    let made = false
    try {
      let text: string
      let parsed: unknown
      try {
        text = decodeJsonBody(body)
        parsed = parseJsonText(text, body)
      } catch {
        return replay(read)
      }
      if (!state.validate(parsed)) return replay(read)
      let batch
      try {
        batch = service.create(parsed as CreateBatchBody, tenant, {})
      } catch {
        // Refused before anything was added: Fastify's route meets the same refusal and answers it.
        return replay(read)
      }
      made = true
      read.answer = answers.text(batch, service.readTime(batch))
      read.journaled = journalTextOf(body, text)
      read.bytes = body.length
      answerAfterReads(read)
    } catch {
      // What would escape here would end the process: a throw before the batch is made is left
      // to Fastify (its error handler answers); after, replaying would make it twice, so the
      // socket is dropped.
      if (!made && !res.headersSent) replay(read)
      else res.destroy()
    }
  }
}

/**
 * Hands a create whose body is still coming to Fastify: a request like it carrying the bytes read
 * so far, then the rest as it comes.
 */
function handOver(reading: Reading, read: BodyRead): void {
  read.done = true
  reading.delete(read)
  const { req } = read
  const copy = replica(read)
  read.first = read.more = null
  copy.on('error', () => {})
  req.on('data', (chunk: Buffer) => void copy.push(chunk))
  req.once('end', () => {
    copy.complete = true
    copy.push(null)
  })
  req.once('error', (error) => copy.destroy(error))
  read.fastify(copy, read.res)
}

/**
 * Hands a request whose body was read to Fastify: a request like it (the same socket, head and
 * raw headers) carrying the bytes read, ending as the original did — complete, or with its error
 * once Fastify listens (a client that went away mid-body).
 */
function replay(read: BodyRead, error?: Error): void {
  const copy = replica(read)
  if (error === undefined) {
    copy.push(null)
    // A complete request: destroying it once read (autoDestroy) must not destroy the socket.
    copy.complete = true
    read.fastify(copy, read.res)
    return
  }
  // Heard by Fastify's body reader if it listens by then; never an unhandled 'error'.
  copy.on('error', () => {})
  read.fastify(copy, read.res)
  setImmediate(() => copy.destroy(error))
}

/**
 * A request like the one read (the same socket, head and raw headers) carrying the bytes read so
 * far, and what the hooks found at its head: they take that, not what may have changed since.
 */
function replica(read: BodyRead): IncomingMessage {
  const req = read.req
  const copy = new IncomingMessage(req.socket) as IncomingMessage & ArrivedAtHead & TenantAtHead
  copy[ARRIVED_AT_HEAD] = read.arrival
  copy[TENANT_AT_HEAD] = read.tenant
  copy.method = req.method
  copy.url = req.url
  copy.httpVersion = req.httpVersion
  copy.httpVersionMajor = req.httpVersionMajor
  copy.httpVersionMinor = req.httpVersionMinor
  copy.headers = req.headers
  copy.rawHeaders = req.rawHeaders
  for (const chunk of read.chunks()) copy.push(chunk)
  return copy
}
