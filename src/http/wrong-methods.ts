import type { FastifyInstance } from 'fastify'
import { methodNotAllowed } from './error-handler.js'

/** The order `Allow` lists a path's methods in. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/**
 * 405 with `Allow` (error-handler.ts methodNotAllowed) for each path a plugin's routes serve, for
 * the methods they do not: the methods come from the routes as registered (an onRoute hook, which
 * sees the plugin's child plugins' routes too), so a route added to the plugin needs nothing more.
 * Call it before the plugin's routes and the function it returns after them. The 405 routes are
 * the plugin's own, behind its hooks: where a token guards the plugin, a request without it gets
 * the guard's answer, never the methods. A path no route serves stays the router's 404.
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
      const allowed = [...methods].sort((a, b) => rank(a) - rank(b))
      // Registered on this plugin: its prefix is put back in front.
      methodNotAllowed(app, url.slice(app.prefix.length), allowed)
    }
  }
}

function rank(method: string): number {
  const i = ORDER.indexOf(method)
  return i === -1 ? ORDER.length : i
}
