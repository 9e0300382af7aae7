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

/**
 * A JSON body as FastAPI reads one: no bytes is no body (undefined), whatever the
 * Content-Type says — httpx sends `application/json` on a bodiless cancel. Bytes must be
 * UTF-8 and nest at most MAX_JSON_DEPTH deep. `__proto__` stays a plain own key
 * (JSON.parse defines, never assigns), so it is data, not a prototype.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new JsonBodyError('Invalid UTF-8 in the body')
  }
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

/**
 * Replaces Fastify's body parsers for the whole app (every route, the control plane
 * included) with FastAPI's reading: JSON as above; any other type is left as text, which
 * a JSON route's validation refuses as not an object (422), never a 415.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  const json = (request: FastifyRequest, body: Buffer, done: Done): void => {
    keepBodyForJournal(request, body)
    try {
      done(null, parseJsonBody(body))
    } catch (e) {
      done(e as Error)
    }
  }
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, json)
  app.addContentTypeParser(JSON_SUFFIX, { parseAs: 'buffer' }, json)
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done: Done) => {
    if (request.headers['content-type'] === undefined) return json(request, body, done)
    // Not kept for the journal (it shows the size): it may be any bytes at all.
    done(null, body.length === 0 ? undefined : body.toString('utf8'))
  })
}
