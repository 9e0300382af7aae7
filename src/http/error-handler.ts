import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MockError } from '../domain/errors.js'
import { InvalidFieldError } from '../domain/invalid-field.js'
import { boundIssues, quoteText, toValidationIssues, type AjvIssue } from './validation-errors.js'
import { JsonBodyError } from './json-body.js'
import { writeDue } from './answer-batch.js'

/** Domain error codes → HTTP statuses: the one place the domain meets HTTP. */
const STATUS_BY_CODE: Record<string, number> = {
  BATCH_NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  DIRECTORY_NOT_FOUND: 404,
  DIRECTORY_FILE_NOT_FOUND: 404,
  DIRECTORY_LIMIT: 400,
  BATCH_NOT_CANCELLABLE: 400,
  CLOCK_BACKWARDS: 400,
  TOO_MANY_BATCHES: 429,
  JOB_NOT_FOUND: 404,
  JOB_NOT_CANCELLABLE: 400,
  TOO_MANY_JOB_CANCELS: 429,
  TOO_MANY_JOB_LISTS: 503
}

/** Seconds a client is told to wait before asking again (`Retry-After`), for refusals that pass. */
const RETRY_AFTER_BY_CODE: Record<string, string> = {
  TOO_MANY_JOB_LISTS: '1'
}

const DETAIL_BY_CODE: Record<string, (e: MockError) => string> = {
  BATCH_NOT_FOUND: () => 'Batch not found',
  JOB_NOT_FOUND: () => 'Job not found'
}

const REQUEST_PART: Record<string, keyof FastifyRequest> = { querystring: 'query', body: 'body', params: 'params', headers: 'headers' }

/** A request whose values fail FastAPI-style validation, raised outside ajv. */
export class RequestValidationError extends Error {
  constructor(readonly detail: ReturnType<typeof toValidationIssues>) {
    super('Request validation failed')
  }
}

function handle(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation) {
    const context = error.validationContext ?? 'body'
    const input = request[REQUEST_PART[context] ?? 'body']
    return reply.code(422).send({ detail: boundIssues(toValidationIssues(error.validation as AjvIssue[], context, input)) })
  }
  if (error instanceof RequestValidationError) return reply.code(422).send({ detail: boundIssues(error.detail) })
  if (error instanceof InvalidFieldError) return reply.code(422).send({ detail: boundIssues([{ type: 'value_error', loc: [...error.loc], msg: `Value error, ${error.message}`, input: error.input }]) })
  if (error instanceof MockError) {
    const status = STATUS_BY_CODE[error.code] ?? 400
    // The journal's `fault` column says why: no fault rule answered this, a limit did.
    if (error.code === 'TOO_MANY_BATCHES') request.faultId = 'limit:max-batches'
    const retryAfter = RETRY_AFTER_BY_CODE[error.code]
    if (retryAfter !== undefined) reply.header('retry-after', retryAfter)
    return reply.code(status).send({ detail: quoteText(DETAIL_BY_CODE[error.code]?.(error) ?? error.message) })
  }
  if (error instanceof JsonBodyError) {
    const detail = [{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error', input: {}, ctx: { error: quoteText(error.message) } }]
    return reply.code(422).send({ detail })
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return reply.code(status).send({ detail: quoteText(error.message) })
  request.log.error({ err: error }, 'unhandled error')
  return reply.code(500).send({ detail: 'Internal Server Error' })
}

/** One envelope for every non-2xx: FastAPI's `{"detail": ...}`. Never leaks a stack. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handle)
  app.setNotFoundHandler((request, reply) => {
    request.unmatched = true
    return reply.code(404).send({ detail: 'Not Found' })
  })
}

/** For errors Fastify raises before routing (bad percent-encoding, over-long ids). */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'Path parameter too long' : error.code === 'FST_ERR_BAD_URL' ? 'Malformed URL: invalid percent-encoding' : error.message
  void reply.code(error.statusCode ?? 400).send({ detail })
}

/** Sockets whose client error waits for an answer still being sent: the timer that ends them. */
const ending = new WeakMap<Duplex, NodeJS.Timeout>()

/**
 * For requests Node's HTTP parser refuses before Fastify sees them (a request line or
 * headers over 16 KiB, broken HTTP): the FastAPI envelope still, then the socket closes.
 * An answer still being sent is waited for at most `waitMs` (the request timeout): a client
 * that never reads it must not hold the socket for good.
 */
export function clientErrorsWithin(waitMs: number): (error: Error & { code?: string }, socket: Duplex) => void {
  // A request timeout of 0 is none to Node: the wait stays bounded all the same.
  const bound = waitMs > 0 ? waitMs : 30_000
  return (error, socket) => clientError(error, socket, bound, false)
}

function clientError(error: Error & { code?: string }, socket: Duplex, waitMs: number, resumed: boolean): void {
  // Answers already made to requests read before these bytes go first, as Fastify had written
  // its own by then: the fast paths' (made at the end of the turn) are written now, and one the
  // socket is still sending or making (and those queued behind it) is let finish before the close.
  writeDue()
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  // The parser stays in error: every later chunk of bytes comes here again, and changes nothing.
  if (!resumed && ending.has(socket)) return
  // The answer the socket is on: one made, still going out, or one still being made (a fault
  // rule's delay) to a request read whole. A request not read whole is the one in error (a body
  // that timed out): its answer is this error, now.
  const sending = (socket as { _httpMessage?: (ServerResponse & { req?: { complete?: boolean } }) | null })._httpMessage
  if (sending != null && !sending.destroyed && (sending.writableEnded || sending.req?.complete === true)) {
    if (!ending.has(socket)) {
      // One deadline for all the answers waited for, not one each.
      const timer = setTimeout(() => socket.destroy(), waitMs)
      timer.unref()
      ending.set(socket, timer)
      socket.once('close', () => clearTimeout(timer))
    }
    sending.once('close', () => clientError(error, socket, waitMs, true))
    return
  }
  clearTimeout(ending.get(socket))
  const [status, reason, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'Request line or headers too large (at most 16 KiB)']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'Request timed out']
        : [400, 'Bad Request', 'Malformed HTTP request']
  const body = JSON.stringify({ detail })
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`)
  socket.destroy()
}
