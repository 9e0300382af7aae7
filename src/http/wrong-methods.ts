import type { FastifyInstance, FastifyRequest } from 'fastify'

/** The methods a path may be asked with, in the order `Allow` lists them. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** The config that marks a 405 route of `answerWrongMethods`. */
const WRONG_METHOD = { wrongMethod: true }

/**
 * A request routed to a 405 of `answerWrongMethods`. The /api key check asks it only before its
 * 401 (auth.ts), so the 405 comes first there, as FastAPI's router answers a wrong method before a
 * route's dependencies run; the control plane's token comes first all the same.
 */
export function isWrongMethod(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { wrongMethod?: boolean }).wrongMethod === true
}

/**
 * 405 `{"detail": "Method Not Allowed"}` with `Allow`, as FastAPI answers it, for each path a
 * plugin's routes serve, for the methods they do not — on /api and on the control plane alike. HEAD
 * too, as FastAPI's routes add none (app.ts turns off Fastify's HEAD routes, which would run the
 * GET; the control plane adds its own, `control-plane.ts`). The methods come from the routes as
 * registered (an onRoute hook, which sees the plugin's child plugins' routes too), so a route added
 * to the plugin needs nothing more. Call it before the plugin's routes and the function it returns
 * after them. The 405 routes are the plugin's own, behind its hooks: where the control plane's
 * token guards the plugin, a request without it gets the 401, never the methods (an /api key does
 * not: `isWrongMethod`). A path no route serves stays the router's 404.
 */
export function answerWrongMethods(app: FastifyInstance): () => void {
  const served = new Map<string, Set<string>>()
  let done = false
  app.addHook('onRoute', (route) => {
    if (done) return
    const methods = served.get(route.url) ?? new Set<string>()
    for (const method of [route.method].flat()) methods.add(method)
    served.set(route.url, methods)
  })
  // A plugin that forgot the second call fails to start, rather than answering 404s.
  app.addHook('onReady', async () => {
    if (!done) throw new Error(`answerWrongMethods: the routes under '${app.prefix}' were never answered (call the function it returns after them)`)
  })
  return () => {
    if (done) throw new Error('answerWrongMethods: already answered')
    done = true
    for (const [url, methods] of served) {
      const others = METHODS.filter((m) => !methods.has(m))
      if (others.length === 0) continue
      // A method outside the list (none yet) is listed after it.
      const allow = [...METHODS.filter((m) => methods.has(m)), ...[...methods].filter((m) => !METHODS.includes(m))].join(', ')
      app.route({
        method: others,
        // Registered on this plugin: its prefix is put back in front.
        url: url.slice(app.prefix.length),
        schema: { hide: true },
        config: WRONG_METHOD,
        handler: (request, reply) => {
          request.unmatched = true
          return reply.code(405).header('allow', allow).send({ detail: 'Method Not Allowed' })
        }
      })
    }
  }
}
