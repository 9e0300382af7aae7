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
