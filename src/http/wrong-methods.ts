import type { FastifyInstance } from 'fastify'

/** The methods a path may be asked with, in the order `Allow` lists them. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/**
 * 405 `{"detail": "Method Not Allowed"}` with `Allow`, as FastAPI answers it, for each path a
 * plugin's routes serve, for the methods they do not — on /api and on the control plane alike. HEAD
 * too, as FastAPI's routes add none (app.ts turns off Fastify's HEAD routes, which would run the
 * GET; the control plane adds its own, `control-plane.ts`). The methods come from the routes as
 * registered (an onRoute hook, which sees the plugin's child plugins' routes too), so a route added
 * to the plugin needs nothing more. Call it before the plugin's routes and the function it returns
 * after them. The 405 routes are the plugin's own, behind its hooks: where a key or a token guards
 * the plugin, a request without it gets the guard's answer, never the methods. A path no route
 * serves stays the router's 404.
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
        handler: (request, reply) => {
          request.unmatched = true
          return reply.code(405).header('allow', allow).send({ detail: 'Method Not Allowed' })
        }
      })
    }
  }
}
