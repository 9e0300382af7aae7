import type { FastifyInstance } from 'fastify'
import { originForm } from '../traffic/hooks.js'

/** A route's path as find-my-way writes it (`/api/v2/batches/:batch_id`), as a whole-path pattern. */
function pathPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${source}$`)
}

/**
 * FastAPI's `redirect_slashes` (Starlette's router), for /api: no API route ends in `/`, so a path
 * that does is served by none, and when its path without the trailing slashes is some route's,
 * whatever the method, the answer is 307 to it, the query kept — `Location` as Starlette writes it
 * (`http://` + the Host header + the path), no body. httpx does not follow redirects unless told:
 * a client that adds a slash meets what it would meet in production. Runs after the traffic hooks
 * (fault rules, `Prefer`, the journal see the request as sent) and before auth, as Starlette's
 * router answers before any route's dependencies run. A path no route serves either way is left
 * to the router (404).
 */
export function registerTrailingSlashRedirect(app: FastifyInstance): void {
  const routes: RegExp[] = []
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/')) routes.push(pathPattern(route.url))
  })
  app.addHook('onRequest', (request, reply, done) => {
    const url = originForm(request.url)
    const q = url.indexOf('?')
    let end = q === -1 ? url.length : q
    // Every request comes here: the path is cut out of the URL only when it ends in `/`.
    if (url.charCodeAt(end - 1) !== 47 || !url.startsWith('/api/')) return done()
    // A loop, not /\/+$/: that regex is quadratic in a run of slashes before another character.
    while (end > 0 && url.charCodeAt(end - 1) === 47) end--
    const stripped = url.slice(0, end)
    if (!routes.some((route) => route.test(stripped))) return done()
    request.unmatched = true
    const socket = request.raw.socket
    const host = request.headers.host ?? `${socket.localAddress}:${socket.localPort}`
    void reply.code(307).header('location', `http://${host}${stripped}${q === -1 ? '' : url.slice(q)}`).send()
  })
}
