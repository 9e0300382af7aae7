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

/** Replaces Fastify's JSON parser for the whole app (every route, the control plane included). */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    keepBodyForJournal(request, body)
    try {
      done(null, parseJsonBody(body))
    } catch (e) {
      done(e as Error)
    }
  })
}
