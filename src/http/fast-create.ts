import { IncomingMessage, type ServerResponse } from 'node:http'
import type { CreateBatchBody } from '../schemas/batch-requests.js'
import { afterReads } from './answer-batch.js'
import { ARRIVED_AT_HEAD, journalText, type ArrivedAtHead } from '../traffic/hooks.js'
import { TENANT_AT_HEAD, tenantOf, type TenantAtHead } from './auth.js'
import type { Tenant } from '../service/tenancy.js'
import { CREATE_BODY_LIMIT } from './batches-routes.js'
import { guarded, journalOk, sendJson, type FastAnswer, type FastGetState, type FastifyHandler } from './fast-get.js'
import { parseJsonBody } from './json-body.js'

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
  const reading = new Set<() => void>()
  let handedOver = false
  return Object.assign(guarded(createAnswer(state, reading, () => handedOver)), {
    handOver(): void {
      handedOver = true
      for (const handOver of reading) handOver()
    }
  })
}

/**
 * The fast path, and what close() must call before Fastify closes its routes: Fastify answers 503
 * to a request that starts once they are closed, so a create whose head came before (and whose
 * body is still coming) is handed to Fastify then, its body streamed on, as Fastify would have had
 * it all along; and every later one is left to Fastify.
 */
export type FastCreate = FastAnswer & { handOver(): void }

function createAnswer(state: FastCreateState, reading: Set<() => void>, handedOver: () => boolean): FastAnswer {
  const { service, answers, journal } = state
  return function answer(req, res, fastify) {
    if (req.method !== 'POST' || req.url !== CREATE || handedOver()) return false
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
    const arrival = service.now()
    // What the pipeline's hooks found at the head, for the request Fastify may be given later.
    const head: Head = { arrival, tenant }
    const chunks: Buffer[] = []
    const onData = (chunk: Buffer): void => void chunks.push(chunk)
    const onError = (error: Error): void => {
      reading.delete(handOver)
      req.off('data', onData).off('end', onEnd)
      replay(req, res, head, chunks, fastify, error)
    }
    const handOver = (): void => {
      reading.delete(handOver)
      req.off('data', onData).off('end', onEnd).off('error', onError)
      const copy = replica(req, head, chunks)
      chunks.length = 0
      copy.on('error', () => {})
      req.on('data', (chunk: Buffer) => void copy.push(chunk))
      req.once('end', () => {
        copy.complete = true
        copy.push(null)
      })
      req.once('error', (error) => copy.destroy(error))
      fastify(copy, res)
    }
    const onEnd = (): void => {
      reading.delete(handOver)
      req.off('data', onData).off('error', onError)
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
      let made = false
      try {
        let parsed: unknown
        try {
          parsed = parseJsonBody(body)
        } catch {
          return replay(req, res, head, chunks, fastify)
        }
        if (!state.validate(parsed)) return replay(req, res, head, chunks, fastify)
        let batch
        try {
          batch = service.create(parsed as CreateBatchBody, tenant, {})
        } catch {
          // Refused before anything was added: Fastify's route meets the same refusal and answers it.
          return replay(req, res, head, chunks, fastify)
        }
        made = true
        const out = answers.text(batch, service.readTime(batch))
        const text = journalText(body)
        const bytes = body.length
        afterReads(res, () => journalOk(journal, req, res, sendJson(res, out), started, arrival, text, bytes))
      } catch {
        // What would escape here would end the process: a throw before the batch is made is left
        // to Fastify (its error handler answers); after, replaying would make it twice, so the
        // socket is dropped.
        if (!made && !res.headersSent) replay(req, res, head, chunks, fastify)
        else res.destroy()
      }
    }
    req.on('data', onData).once('end', onEnd).once('error', onError)
    reading.add(handOver)
    return true
  }
}

/**
 * Hands a request whose body was read to Fastify: a request like it (the same socket, head and
 * raw headers) carrying the bytes read, ending as the original did — complete, or with its error
 * once Fastify listens (a client that went away mid-body).
 */
function replay(req: IncomingMessage, res: ServerResponse, head: Head, chunks: readonly Buffer[], fastify: FastifyHandler, error?: Error): void {
  const copy = replica(req, head, chunks)
  if (error === undefined) {
    copy.push(null)
    // A complete request: destroying it once read (autoDestroy) must not destroy the socket.
    copy.complete = true
    fastify(copy, res)
    return
  }
  // Heard by Fastify's body reader if it listens by then; never an unhandled 'error'.
  copy.on('error', () => {})
  fastify(copy, res)
  setImmediate(() => copy.destroy(error))
}

/** What the traffic and auth hooks found when a request's head came. */
interface Head {
  arrival: number
  tenant: Tenant
}

/**
 * A request like `req` (the same socket, head and raw headers) carrying `chunks` so far, and what
 * the hooks found at its head: they take that, not what may have changed while its body came.
 */
function replica(req: IncomingMessage, head: Head, chunks: readonly Buffer[]): IncomingMessage {
  const copy = new IncomingMessage(req.socket) as IncomingMessage & ArrivedAtHead & TenantAtHead
  copy[ARRIVED_AT_HEAD] = head.arrival
  copy[TENANT_AT_HEAD] = head.tenant
  copy.method = req.method
  copy.url = req.url
  copy.httpVersion = req.httpVersion
  copy.httpVersionMajor = req.httpVersionMajor
  copy.httpVersionMinor = req.httpVersionMinor
  copy.headers = req.headers
  copy.rawHeaders = req.rawHeaders
  for (const chunk of chunks) copy.push(chunk)
  return copy
}
