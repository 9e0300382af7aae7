import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { answerWrongMethods } from './wrong-methods.js'

/**
 * The dashboard: three static files from the package's `ui/` folder (no build step, no CDN),
 * read once at start-up. They hold no data, so they load without the admin token; everything
 * they show comes from the control plane's JSON, which the page asks for with the token.
 */
export const UI_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8'
} as const

/**
 * The package's `ui/` folder, from this module in `src/http/` or in a `dist/` bundle; null if it is
 * not there. Only this package's own: bundled into an app, the mock never serves the app's `ui/`.
 */
export function uiFolder(from: string = import.meta.dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'ui', 'index.html')) && packageName(join(dir, 'package.json')) === 'llamacloud-batches-mock') return join(dir, 'ui')
    if (dirname(dir) === dir) return null
  }
}

function packageName(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name
  } catch {
    return undefined
  }
}

// Scripts and styles only from the mock itself; no frames, no other origin. No Referer: the page's
// own address may hold `?token=` until its script drops it, and its CSS and script load before that.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

export const uiRoutes: FastifyPluginAsync = async (app) => {
  // A method a path below does not serve: 405 with `Allow` (no token: the files need none).
  const routesIn = answerWrongMethods(app)
  // The mock runs without its dashboard (a bundle of a bundle, say): the page answers 404 saying why.
  const folder = uiFolder()
  const files = new Map(folder === null ? [] : Object.entries(UI_FILES).map(([name, type]) => [name, { type, bytes: readFileSync(join(folder, name)) }]))
  const send = (reply: FastifyReply, name: keyof typeof UI_FILES): FastifyReply => {
    const file = files.get(name)
    if (file === undefined) return reply.code(404).send({ detail: "Not Found: the dashboard's files (the package's ui/ folder) are not installed" })
    return reply.type(file.type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').header('content-security-policy', CSP).header('referrer-policy', 'no-referrer').send(file.bytes)
  }
  const hide = { schema: { hide: true } }
  // The query goes along: `/_mock?token=…` hands the page its admin token like `/_mock/ui?token=…`.
  const toPage = async (request: FastifyRequest, reply: FastifyReply) => {
    const q = request.url.indexOf('?')
    return reply.redirect(`/_mock/ui/${q === -1 ? '' : request.url.slice(q)}`)
  }
  // Each with a HEAD twin, as the control plane's reads have (`curl -I`, a HEAD probe of wait-on).
  const both = (url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>): void => {
    app.route({ method: ['GET', 'HEAD'], url, ...hide, handler })
  }
  both('/_mock', toPage)
  both('/_mock/', toPage)
  both('/_mock/ui', async (_request, reply) => send(reply, 'index.html'))
  both('/_mock/ui/', async (_request, reply) => send(reply, 'index.html'))
  both('/_mock/ui/dashboard.css', async (_request, reply) => send(reply, 'dashboard.css'))
  both('/_mock/ui/dashboard.js', async (_request, reply) => send(reply, 'dashboard.js'))
  routesIn()
}
