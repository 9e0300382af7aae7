import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { AUTH, build, rawExchange, scenario } from '../helper.js'
import { asControlPlane } from '../../src/http/control-plane.js'

// README's error table: a known path with a method it does not serve answers 405
// `{"detail": "Method Not Allowed"}` with `Allow` — on the control plane (/_mock) as on /api.

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
// The dashboard's files: hidden from the OpenAPI document, each a GET and its HEAD.
const UI_PATHS = ['/_mock', '/_mock/', '/_mock/ui', '/_mock/ui/', '/_mock/ui/dashboard.css', '/_mock/ui/dashboard.js']

/**
 * Every path under `prefix` and the methods it serves, from the OpenAPI document (made from the
 * registered routes), a `{param}` filled in; on the control plane a read's HEAD twin too (README: a
 * HEAD of a `/_mock` read answers as its GET; an API route has none, as FastAPI's).
 */
async function servedPaths(app: FastifyInstance, prefix: '/_mock' | '/api/'): Promise<Map<string, Set<string>>> {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> }
  const served = new Map<string, Set<string>>()
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith(prefix)) continue
    const methods = new Set(Object.keys(ops).map((m) => m.toUpperCase()))
    if (prefix === '/_mock' && methods.has('GET')) methods.add('HEAD')
    served.set(path.replace(/\{[^}]+\}/g, 'some-id'), methods)
  }
  if (prefix === '/_mock') for (const path of UI_PATHS) served.set(path, new Set(['GET', 'HEAD']))
  return served
}

/** A request's status and `Allow`, to compare with a 405's in one assertion. */
async function statusAndAllow(app: FastifyInstance, method: (typeof METHODS)[number], url: string, headers: Record<string, string> = {}): Promise<[number, unknown]> {
  const res = await app.inject({ method, url, headers })
  return [res.statusCode, res.headers.allow]
}

const allowOf = (header: unknown): string[] => String(header ?? '').split(',').map((m) => m.trim()).filter(Boolean).sort()

t.test('without an admin token', async (t) => {
  const app = await build(t)
  const paths = await servedPaths(app, '/_mock')

  t.test('every /_mock path: each method it does not serve answers 405 with Allow listing exactly the ones it does', async (t) => {
    t.ok(paths.size >= 20, `the route table was read (${paths.size} paths)`)
    for (const [url, served] of paths) {
      for (const method of METHODS) {
        if (served.has(method)) continue
        const res = await app.inject({ method, url })
        t.equal(res.statusCode, 405, `${method} ${url}`)
        t.same(allowOf(res.headers.allow), [...served].sort(), `${method} ${url}: Allow`)
        // A HEAD answer has no body to read.
        if (method !== 'HEAD') t.same(res.json(), { detail: 'Method Not Allowed' }, `${method} ${url}: body`)
      }
    }
  })

  // The same mechanism on /api (wrong-methods.ts): every path a route serves, whatever module it is in.
  t.test('every /api path: each method it does not serve answers 405 with Allow listing exactly the ones it does', async (t) => {
    const api = await servedPaths(app, '/api/')
    t.ok(api.size >= 15, `the route table was read (${api.size} paths)`)
    for (const [url, served] of api) {
      for (const method of METHODS) {
        if (served.has(method)) continue
        const res = await app.inject({ method, url, headers: AUTH })
        t.equal(res.statusCode, 405, `${method} ${url}`)
        t.same(allowOf(res.headers.allow), [...served].sort(), `${method} ${url}: Allow`)
      }
    }
  })

  // FastAPI's router answers a wrong method before the route's dependencies (the key) run, as it
  // redirects a trailing slash (trailing-slash.ts); a served method still needs the key.
  t.test('on /api the 405 comes before the key: none, a malformed one, one the scenario does not declare', async (t) => {
    const keyed = await build(t, { scenario: scenario([], { api_keys: [{ key: 'only-key', project_id: 'prj-aaaaaaaa-0000-4000-8000-000000000000' }] }) })
    for (const headers of [{}, { authorization: 'Basic x' }, { authorization: 'Bearer other-key' }]) {
      for (const [method, url, allow] of [
        ['DELETE', '/api/v2/batches', 'GET, POST'],
        ['HEAD', '/api/v2/batches/bat-1', 'GET'],
        ['GET', '/api/v2/parse/pjb-1/cancel', 'POST'],
        ['POST', '/api/v1/beta/directories/dir-1', 'GET, PATCH, DELETE']
      ] as const) {
        const res = await keyed.inject({ method, url, headers })
        t.equal(res.statusCode, 405, `${method} ${url} ${JSON.stringify(headers)}`)
        t.equal(res.headers.allow, allow, `${method} ${url}: Allow`)
      }
      t.equal((await keyed.inject({ method: 'GET', url: '/api/v2/batches', headers })).statusCode, 401, `a served method: 401 ${JSON.stringify(headers)}`)
    }
  })

  t.test('the methods a path serves still reach its route', async (t) => {
    for (const [url, served] of paths) {
      for (const method of served) {
        const res = await app.inject({ method, url, ...(method === 'POST' || method === 'PUT' ? { payload: {} } : {}) })
        t.not(res.statusCode, 405, `${method} ${url}`)
        // A 404 of the route's own (no such fault, request, batch), not the router's; a HEAD's has no body.
        if (res.statusCode === 404 && method !== 'HEAD') t.not(res.json().detail, 'Not Found', `${method} ${url}: a 404 of the route's own`)
      }
    }
  })

  t.test('the Allow header, as written, for a few paths', async (t) => {
    const cases: [string, string, string][] = [
      ['DELETE', '/_mock/clock', 'GET, HEAD'],
      ['GET', '/_mock/reset', 'POST'],
      ['PUT', '/_mock/faults', 'GET, HEAD, POST, DELETE'],
      ['GET', '/_mock/faults/rule-1', 'DELETE'],
      ['DELETE', '/_mock/requests/req-1', 'GET, HEAD'],
      ['PATCH', '/_mock/batches', 'GET, HEAD, POST'],
      ['POST', '/_mock/batches/bat-1', 'GET, HEAD'],
      ['GET', '/_mock/clock/advance', 'POST'],
      ['PUT', '/_mock/webhooks', 'GET, HEAD, DELETE'],
      ['GET', '/_mock/webhooks/flush', 'POST'],
      ['POST', '/_mock/ui/', 'GET, HEAD'],
      ['DELETE', '/_mock', 'GET, HEAD']
    ]
    for (const [method, url, allow] of cases) {
      const res = await app.inject({ method, url })
      t.equal(res.statusCode, 405, `${method} ${url}`)
      t.equal(res.headers.allow, allow, `${method} ${url}: Allow`)
    }
  })

  t.test('unknown /_mock paths stay 404', async (t) => {
    for (const [method, url] of [
      ['GET', '/_mock/nope'],
      ['DELETE', '/_mock/nope'],
      ['DELETE', '/_mock/clock/extra'],
      ['GET', '/_mock/clock/'],
      ['PUT', '/_mock/faults/a/b'],
      ['POST', '/_mock/ui/other.css'],
      ['GET', '/_mock/webhooks/other']
    ] as const) {
      const res = await app.inject({ method, url })
      t.equal(res.statusCode, 404, `${method} ${url}`)
      t.same(res.json(), { detail: 'Not Found' }, `${method} ${url}: body`)
      t.equal(res.headers.allow, undefined, `${method} ${url}: no Allow`)
    }
  })

  t.test('as curl sends it (`curl -X DELETE`), and as httpx does (JSON type, empty body)', async (t) => {
    const server = await build(t)
    await server.listen({ port: 0, host: '127.0.0.1' })
    const port = (server.server.address() as { port: number }).port
    const curl = await rawExchange(port, `DELETE /_mock/clock HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nConnection: close\r\n\r\n`)
    t.match(curl, /^HTTP\/1\.1 405 Method Not Allowed\r\n/, 'curl: status line')
    t.match(curl, /\r\nallow: GET, HEAD\r\n/i, 'curl: Allow')
    t.match(curl, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i, 'curl: JSON')
    t.ok(curl.endsWith('\r\n\r\n{"detail":"Method Not Allowed"}'), 'curl: body')
    const httpx = await rawExchange(port, `PUT /_mock/faults HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
    t.match(httpx, /^HTTP\/1\.1 405 Method Not Allowed\r\n/, 'httpx: status line')
    t.match(httpx, /\r\nallow: GET, HEAD, POST, DELETE\r\n/i, 'httpx: Allow')
    // As FastAPI: the router answers before any body is read, so a body that is not JSON is no 422.
    const bad = await rawExchange(port, `POST /_mock/clock HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{x}`)
    t.match(bad, /^HTTP\/1\.1 405 Method Not Allowed\r\n/, 'a body that is not JSON: still 405')
    // On /api (wrong-methods.ts) as httpx sends it on a kept-alive connection: a wrong method with a
    // JSON type, bodiless or with a body that is not JSON, no key; the next request on the same
    // connection is read whole after it.
    const api = (method: string, path: string, body: string, extra = '') =>
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: */*\r\nContent-Type: application/json\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`
    const kept = await rawExchange(
      port,
      api('PUT', '/api/v2/batches', '') + api('DELETE', '/api/v2/parse/pjb-1', '{x}') + api('PATCH', '/api/v2/batches/bat-1', '{"a":1}') + api('GET', '/api/v2/batches?page_size=1', '', 'Authorization: Bearer test-key\r\nConnection: close\r\n')
    )
    t.same([...kept.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ['405', '405', '405', '200'], 'httpx on /api: three 405s, then the next request on the same connection')
    t.same([...kept.matchAll(/\r\nallow: ([^\r]*)\r\n/gi)].map((m) => m[1]), ['GET, POST', 'GET', 'GET'], 'httpx on /api: each Allow')
  })
})

t.test('with an admin token', async (t) => {
  const app = await build(t, { adminToken: 'admin-secret' })
  const admin = { authorization: 'Bearer admin-secret' }
  const unauthorised = await app.inject({ method: 'GET', url: '/_mock/clock' })
  t.equal(unauthorised.statusCode, 401, 'a served method without the token: 401')

  t.test('no token or a wrong one: the 401 of any unauthorised control-plane request, never the methods', async (t) => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      for (const [method, url] of [
        ['DELETE', '/_mock/clock'],
        ['GET', '/_mock/reset'],
        ['PUT', '/_mock/faults'],
        ['GET', '/_mock/faults/rule-1'],
        ['DELETE', '/_mock/requests/req-1'],
        ['PUT', '/_mock/webhooks'],
        ['HEAD', '/_mock/webhooks/flush']
      ] as const) {
        const res = await app.inject({ method, url, headers })
        t.equal(res.statusCode, 401, `${method} ${url}`)
        t.equal(res.headers.allow, undefined, `${method} ${url}: no Allow`)
        t.equal(res.headers['www-authenticate'], unauthorised.headers['www-authenticate'], `${method} ${url}: WWW-Authenticate`)
        if (method !== 'HEAD') t.equal(res.body, unauthorised.body, `${method} ${url}: body`)
      }
    }
  })

  t.test('with the token: 405 with Allow', async (t) => {
    t.same(await statusAndAllow(app, 'DELETE', '/_mock/clock', admin), [405, 'GET, HEAD'])
    t.same(await statusAndAllow(app, 'PUT', '/_mock/batches/bat-1', admin), [405, 'GET, HEAD'], 'a path with a parameter')
  })

  t.test('unknown paths stay 404 with or without the token', async (t) => {
    for (const headers of [{}, admin]) {
      const res = await app.inject({ method: 'DELETE', url: '/_mock/nope', headers })
      t.equal(res.statusCode, 404)
      t.same(res.json(), { detail: 'Not Found' })
    }
  })

  t.test("the dashboard's files need no token: their 405 neither", async (t) => {
    t.same(await statusAndAllow(app, 'POST', '/_mock/ui'), [405, 'GET, HEAD'])
  })
})

// The mechanism, on a control-plane plugin of its own: a new route gets its 405 with nothing more.
t.test('a new control-plane plugin: its paths get their 405 from its routes', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(
    async (plugin) => {
      const routesIn = asControlPlane(plugin, 'tok')
      plugin.get('/thing', async () => ({ ok: true }))
      plugin.post('/thing', async () => ({ ok: true }))
      plugin.delete('/thing/:id', async () => ({ ok: true }))
      routesIn()
    },
    { prefix: '/_mock/new' }
  )
  const admin = { authorization: 'Bearer tok' }
  t.same(await statusAndAllow(app, 'PUT', '/_mock/new/thing', admin), [405, 'GET, HEAD, POST'])
  t.same(await statusAndAllow(app, 'GET', '/_mock/new/thing/x', admin), [405, 'DELETE'])
  t.equal((await app.inject({ method: 'PUT', url: '/_mock/new/thing' })).statusCode, 401, 'the token first')
  t.equal((await app.inject({ method: 'PUT', url: '/_mock/new/other', headers: admin })).statusCode, 404, 'a path no route serves')

  const forgot = Fastify()
  t.teardown(() => forgot.close())
  await forgot.register(async (plugin) => {
    asControlPlane(plugin, undefined)
    plugin.get('/_mock/forgot', async () => ({ ok: true }))
  })
  await t.rejects(async () => { await forgot.ready() }, /never answered/, 'a plugin that never adds its 405s does not start')
})
