import t from 'tap'
import { request } from 'node:http'
import { AUTH, advance, build, scenario } from '../helper.js'

const running = () => scenario([{ id: 'bat-run', files: 2, timeline: { pending_ms: 1000, running_ms: 4000 } }], { defaults: { cancel_delay_ms: 500 } })
const JSON_CT = { ...AUTH, 'content-type': 'application/json' }

t.test('a bodiless POST with Content-Type: application/json and no bytes is a POST with no body', async (t) => {
  const app = await build(t, { scenario: running() })
  await advance(app, 2000)
  for (const headers of [
    { ...JSON_CT, 'content-length': '0' },
    { ...AUTH, 'content-type': 'application/json; charset=utf-8', 'content-length': '0' },
    { ...JSON_CT, 'transfer-encoding': 'chunked' }
  ]) {
    const res = await app.inject({ method: 'POST', url: '/api/v2/batches/bat-run/cancel', headers, payload: '' })
    t.equal(res.statusCode, 200, `cancel with ${JSON.stringify(headers)}`)
    t.equal(res.json().id, 'bat-run')
  }
  await advance(app, 1000)
  const terminal = await app.inject({ method: 'POST', url: '/api/v2/batches/bat-run/cancel', headers: { ...JSON_CT, 'content-length': '0' } })
  t.equal(terminal.statusCode, 400)
  t.match(terminal.json().detail, /CANCELLED/)

  const reset = await app.inject({ method: 'POST', url: '/_mock/reset', headers: { 'content-type': 'application/json', 'content-length': '0' } })
  t.equal(reset.statusCode, 200, 'the control plane too')
  const clear = await app.inject({ method: 'DELETE', url: '/_mock/faults', headers: { 'content-type': 'application/json', 'content-length': '0' } })
  t.equal(clear.statusCode, 204, 'and a DELETE')
})

t.test('a create with no body is a 422 "missing" at ["body"], as FastAPI answers', async (t) => {
  const app = await build(t)
  for (const [headers, payload] of [[{ ...JSON_CT, 'content-length': '0' }, undefined], [AUTH, undefined], [JSON_CT, 'null']] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v2/batches', headers, ...(payload !== undefined && { payload }) })
    t.equal(res.statusCode, 422)
    t.same(res.json(), { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] })
  }
})

t.test('a chunked empty body on a real socket', async (t) => {
  const app = await build(t, { scenario: running() })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v2/batches/bat-run/cancel', headers: { ...JSON_CT, 'transfer-encoding': 'chunked', connection: 'close' } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(answer.status, 200, answer.body)
  t.equal(JSON.parse(answer.body).status, 'PENDING')
})

t.test('every bodiless POST, PUT, PATCH or DELETE the OpenAPI document lists takes an empty JSON body (httpx)', async (t) => {
  // The whole family, not the routes someone remembered: a route added later is covered too.
  const app = await build(t)
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: unknown }>> }
  const bodiless = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method, op]) => ['post', 'put', 'patch', 'delete'].includes(method) && op.requestBody === undefined)
      .map(([method]) => ({ method: method.toUpperCase() as 'POST', url: path.replace(/\{[^}]+\}/g, 'x-unknown') }))
  )
  t.ok(bodiless.length >= 8, `${bodiless.length} bodiless routes`)
  for (const { method, url } of bodiless) {
    const res = await app.inject({ method, url, headers: { ...JSON_CT, 'content-length': '0' }, payload: '' })
    const detail = res.body === '' ? '' : JSON.stringify(res.json().detail ?? '')
    t.ok(res.statusCode < 500 && res.statusCode !== 415 && !/decode|Content-Type|body/i.test(detail), `${method} ${url}: ${res.statusCode} ${detail.slice(0, 80)}`)
  }
})
