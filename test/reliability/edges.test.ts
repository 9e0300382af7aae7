import t from 'tap'
import { connect } from 'node:net'
import { startMock } from '../../src/index.js'
import { build, exampleScenario, get, post } from '../helper.js'
import { startCli } from '../cli-process.js'

/** Writes raw bytes to the server and reads until it closes the connection. */
function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let out = ''
    socket.on('data', (d) => (out += d))
    socket.on('close', () => resolve(out))
    socket.on('error', reject)
    socket.setTimeout(5000, () => socket.destroy(new Error('hung')))
    socket.end(bytes)
  })
}

t.test('what Node refuses before routing still gets a FastAPI body; the server stays up', async (t) => {
  const mock = await startMock({ scenario: exampleScenario(), clock: 'manual' })
  t.teardown(() => mock.close())
  const huge = await raw(mock.port, `GET /api/v2/batches?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)
  t.match(huge, /^HTTP\/1.1 431 /)
  t.match(huge, /\{"detail":"Request line or headers too large \(at most 16 KiB\)"\}/)
  const garbage = await raw(mock.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]))
  t.match(garbage, /^HTTP\/1.1 400 [\s\S]*"detail":"Malformed HTTP request"/)
  const res = await fetch(`${mock.url}/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`, { headers: { authorization: 'Bearer k' } })
  t.equal(res.status, 200, 'and answers the next valid request')
})

t.test('--admin-token protects the control plane only', async (t) => {
  const app = await build(t, { scenario: exampleScenario(), adminToken: 's3cret' })
  const denied = await get(app, '/_mock/clock', {})
  t.same([denied.status, denied.res.headers['www-authenticate']], [401, 'Bearer realm="mock-admin"'])
  t.type(denied.body.detail, 'string')
  t.equal((await get(app, '/_mock/health', { authorization: 'Bearer wrong' })).status, 401)
  t.equal((await post(app, '/_mock/reset', undefined, {})).status, 401)
  t.equal((await get(app, '/_mock/clock', { authorization: 'Bearer s3cret' })).status, 200)
  t.equal((await get(app, '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')).status, 200, '/api keeps its own keys')
})

t.test('a non-loopback host warns that the control plane is reachable', async (t) => {
  const open = await startCli(t, ['--port', '0', '--host', '0.0.0.0', '--scenario', 'empty'])
  await new Promise((r) => setTimeout(r, 100))
  t.match(open.stderr(), /warning: listening on 0\.0\.0\.0, not loopback; the control plane \/_mock\/\* is reachable by anyone .* set --admin-token/)
  open.child.kill('SIGTERM')
  const closed = await startCli(t, ['--port', '0', '--host', '0.0.0.0', '--scenario', 'empty', '--admin-token', 'x'])
  await new Promise((r) => setTimeout(r, 100))
  t.match(closed.stderr(), /protected by --admin-token/)
  closed.child.kill('SIGTERM')
  const local = await startCli(t, ['--port', '0', '--scenario', 'empty'])
  await new Promise((r) => setTimeout(r, 100))
  t.notMatch(local.stderr(), /warning/, 'no warning on loopback')
  local.child.kill('SIGTERM')
})

t.test('limits: more batches than a scenario may hold is refused', async (t) => {
  const r = await post(await build(t), '/_mock/scenario', { scenario: { generate: [{ count: 150_000, files: { min: 1, max: 1 } }, { count: 150_000, files: { min: 1, max: 1 } }] } })
  t.equal(r.status, 422)
  t.match(r.body.detail[0].msg, /at most 200000 batches/)
})
