import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { answerWrongMethods } from './wrong-methods.js'

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * What makes a plugin's routes part of the control plane, wherever they are registered: the
 * admin token (when set) on every request, the `mock` tag and an operationId in the OpenAPI
 * document, and a 405 with `Allow` for a method a path does not serve (behind the token). Call it
 * before the plugin's routes, and the function it returns after them (it adds the 405s).
 */
export function asControlPlane(app: FastifyInstance, adminToken: string | undefined): () => void {
  if (adminToken !== undefined) {
    app.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization
      const given = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : ''
      if (!sameSecret(given, adminToken)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="mock-admin"').send({ detail: 'The control plane needs the admin token: Authorization: Bearer <admin token>' })
      }
    })
  }
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, tags: ['mock'], operationId: route.schema?.operationId ?? operationIdOf(route.method, route.url) }
    // A HEAD of a control-plane read answers as its GET, without the body (Node drops it): what
    // `curl -I` and wait-on's default probe of /_mock/health send. Fastify's own HEAD routes are
    // off app-wide, since a HEAD of an API route is FastAPI's 405 (it would count as a poll).
    if (route.method === 'GET') {
      const { method: _get, url: _url, path: _path, prefix: _prefix, routePath, ...rest } = route as typeof route & { path?: string; prefix?: string; routePath: string }
      app.route({ ...rest, method: 'HEAD', url: routePath, schema: { ...route.schema, hide: true } })
    }
  })
  return answerWrongMethods(app)
}

/** `GET /_mock/requests/:id` → `mockGetRequestsById`: every control route gets a stable, unique operationId. */
export function operationIdOf(method: string | string[], url: string): string {
  const verb = (Array.isArray(method) ? method.join('') : method).toLowerCase()
  const words = url.replace(/^\/_mock/, '').split(/[/_-]/).filter(Boolean).map((w) => (w.startsWith(':') ? `by-${w.slice(1)}` : w))
  const camel = words.flatMap((w) => w.split('-')).map((w) => (w[0] ?? '').toUpperCase() + w.slice(1)).join('')
  return `mock${verb[0]?.toUpperCase()}${verb.slice(1)}${camel}`
}
