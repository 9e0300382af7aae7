import type { FastifyInstance, FastifyRequest } from 'fastify'
import { keepBodyForJournal } from '../traffic/hooks.js'

/** How deep arrays and objects may nest in a JSON body (a scenario needs about 6). */
export const MAX_JSON_DEPTH = 64

/** A body that is not JSON the mock can read: answered as FastAPI's 422 `json_invalid`. */
export class JsonBodyError extends Error {
  readonly code = 'MOCK_JSON_INVALID'
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Throws once arrays/objects nest deeper than MAX_JSON_DEPTH; a byte scan, strings skipped. */
function checkDepth(bytes: Buffer): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new JsonBodyError(`Nesting too deep: at most ${MAX_JSON_DEPTH} levels of arrays and objects`)
    } else if (c === 0x5d || c === 0x7d) depth--
  }
}

/** A body's bytes as text: they must be UTF-8. */
export function decodeJsonBody(bytes: Buffer): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new JsonBodyError('Invalid UTF-8 in the body')
  }
}

/**
 * A JSON body as FastAPI reads one: no bytes is no body (undefined), whatever the
 * Content-Type says — httpx sends `application/json` on a bodiless cancel. Bytes must be
 * UTF-8 and nest at most MAX_JSON_DEPTH deep. `__proto__` stays a plain own key
 * (JSON.parse defines, never assigns), so it is data, not a prototype.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined
  return parseJsonText(decodeJsonBody(bytes), bytes)
}

/**
 * `text`, the UTF-8 of `bytes`, parsed as parseJsonBody does. Its depth is read off the bytes
 * before V8 builds anything (a MiB of `[` takes it ~100 ms), so a body both too deep and broken is
 * refused for its depth. Not off the parsed value, even for a small body: a key given twice keeps
 * only its last value, and the limit is on the text sent.
 */
export function parseJsonText(text: string, bytes: Buffer): unknown {
  checkDepth(bytes)
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new JsonBodyError((e as Error).message)
  }
}

// FastAPI reads the body as JSON when the type is application/json or application/*+json, or
// when there is no Content-Type at all (Python's requests sends none for `data=json.dumps(x)`).
const JSON_SUFFIX = /^application\/[^\s;]+\+json(?:;|$)/i

type Done = (err: Error | null, body?: unknown) => void

// A media type Fastify can parse (`type/subtype`, then `;` parameters), as its ContentType reads one.
const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/
const SUBTYPE = /^[\w!#$%&'*+.^`|~-]+\s*$/
function readableType(value: string): boolean {
  const semi = value.indexOf(';')
  const media = semi === -1 ? value : value.slice(0, semi)
  const slash = media.indexOf('/')
  return slash !== -1 && value !== 'undefined' && TOKEN.test(media.slice(0, slash).trimStart()) && SUBTYPE.test(media.slice(slash + 1).trimEnd())
}

/**
 * Fastify answers 415 for a Content-Type it cannot parse, before any parser or route runs; FastAPI
 * never does. Starlette reads an empty type as none (a JSON body) and one it cannot parse as
 * text/plain (the body's bytes, which a JSON route refuses with 422; a route without a body never
 * looks). The header is set so here; the journal keeps the raw headers the client sent.
 */
function asFastApiReadsTheType(request: FastifyRequest, _reply: unknown, done: () => void): void {
  const type = request.headers['content-type']
  if (type !== undefined && !readableType(type)) {
    if (type.trim() === '') delete request.headers['content-type']
    else request.headers['content-type'] = 'text/plain'
  }
  done()
}

function refuseUnreadBody(request: FastifyRequest, _reply: unknown, done: (error?: Error) => void): void {
  if (request.body instanceof JsonBodyError) done(request.body)
  else done()
}

/**
 * Replaces Fastify's body parsers for the whole app (every route, the control plane
 * included) with FastAPI's reading: JSON as above; any other type is left as text, which
 * a JSON route's validation refuses as not an object (422), never a 415.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addHook('onRequest', asFastApiReadsTheType)
  const json = (request: FastifyRequest, body: Buffer, done: Done): void => {
    keepBodyForJournal(request, body)
    // A route that takes no body (a cancel, a DELETE, /_mock/reset) never reads one, as FastAPI
    // never does: bytes that are not JSON are no 422 there (the body limit still holds).
    if (request.routeOptions.schema?.body === undefined) return done(null, undefined)
    let parsed: unknown
    try {
      parsed = parseJsonBody(body)
    } catch (e) {
      // Handed on as the body, and refused before validation (below): an error from a parser makes
      // Fastify end the connection, lest the rest of the body be read as the next request. This one
      // was read whole: the connection stays, as uvicorn's does.
      parsed = e
    }
    done(null, parsed)
  }
  // A route that takes a body: one that is not JSON is its 422 (error-handler.ts), before validation.
  app.addHook('onRoute', (route) => {
    if (route.schema?.body !== undefined) route.preValidation = [refuseUnreadBody, ...[route.preValidation ?? []].flat()]
  })
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, json)
  app.addContentTypeParser(JSON_SUFFIX, { parseAs: 'buffer' }, json)
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done: Done) => {
    if (request.headers['content-type'] === undefined) return json(request, body, done)
    // Not kept for the journal (it shows the size, counted here: a chunked body declares none): it may be any bytes at all.
    request.journalBodyBytes = body.length
    done(null, body.length === 0 ? undefined : body.toString('utf8'))
  })
}
