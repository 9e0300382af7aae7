import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { validate } from '@readme/openapi-parser'
import { build, get } from '../helper.js'
import { CLI, runCli } from '../cli-process.js'

type Doc = { openapi: string; servers?: unknown; paths: Record<string, Record<string, { responses: Record<string, unknown>; operationId?: string }>> }

t.test('GET /openapi.json is a valid OpenAPI 3.1 document describing every /api route and status', async (t) => {
  const app = await build(t)
  const { status, body, res } = await get(app, '/openapi.json', {})
  t.equal(status, 200)
  // A HEAD, as Starlette answers one for FastAPI's document: the GET's status and headers, no body.
  const head = await app.inject({ method: 'HEAD', url: '/openapi.json' })
  t.equal(head.statusCode, 200, 'HEAD /openapi.json: 200')
  t.equal(head.headers['content-length'], res.headers['content-length'], "the GET's length")
  t.equal(head.body, '', 'no body')
  const doc = body as Doc
  t.equal(doc.openapi, '3.1.0')
  const result = await validate(structuredClone(doc) as never)
  t.ok(result.valid, `a standard parser accepts it${result.valid ? '' : `: ${JSON.stringify(result.errors)}`}`)

  const api = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v2')))
  t.same(Object.keys(api).sort(), [
    '/api/v2/batches',
    '/api/v2/batches/{batch_id}',
    '/api/v2/batches/{batch_id}/cancel',
    '/api/v2/extract',
    '/api/v2/extract/{job_id}',
    '/api/v2/extract/{job_id}/cancel',
    '/api/v2/parse',
    '/api/v2/parse/{job_id}',
    '/api/v2/parse/{job_id}/cancel'
  ])
  const statuses = (path: string, method: string) => Object.keys(api[path]?.[method]?.responses ?? {}).sort()
  t.same(statuses('/api/v2/batches/{batch_id}', 'get'), ['200', '401', '404', '422'])
  t.same(statuses('/api/v2/batches', 'get'), ['200', '401', '404', '422'])
  t.same(statuses('/api/v2/batches', 'post'), ['200', '401', '404', '413', '422', '429'])
  t.same(statuses('/api/v2/batches/{batch_id}/cancel', 'post'), ['200', '400', '401', '404', '422'])
  for (const kind of ['parse', 'extract']) {
    t.same(statuses(`/api/v2/${kind}/{job_id}`, 'get'), ['200', '401', '404', '422'], `GET /${kind}/{job_id}`)
    t.same(statuses(`/api/v2/${kind}`, 'get'), ['200', '401', '404', '422', '503'], `GET /${kind}` + ' (503: too many long walks at once)')
    t.same(statuses(`/api/v2/${kind}/{job_id}/cancel`, 'post'), ['200', '400', '401', '404', '422', '429'], `POST /${kind}/{job_id}/cancel`)
  }
  t.same(Object.values(api).flatMap((ops) => Object.values(ops).map((o) => o.operationId)).sort(), [
    'cancelBatch',
    'cancelExtractJob',
    'cancelParseJob',
    'createBatch',
    'getBatch',
    'getExtractJob',
    'getParseJob',
    'listBatches',
    'listExtractJobs',
    'listParseJobs'
  ])
  t.ok(Object.keys(doc.paths).includes('/_mock/faults'), 'the control plane is described too')

  // The directories API (issue 13): every route, its statuses and operation ids.
  const D = '/api/v1/beta/directories'
  const dirs = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => p.startsWith(D)))
  const routes = Object.entries(dirs).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method} ${path.slice(D.length) || '/'} ${op.operationId} ${Object.keys(op.responses).sort().join(',')}`))
  t.same(routes.sort(), [
    'delete /{directory_id} deleteDirectory 204,400,401,404,422',
    'delete /{directory_id}/files/{directory_file_id} deleteDirectoryFile 204,400,401,404,422',
    'get / listDirectories 200,401,404,422',
    'get /{directory_id} getDirectory 200,401,404,422',
    'get /{directory_id}/files listDirectoryFiles 200,401,404,422',
    'get /{directory_id}/files/{directory_file_id} getDirectoryFile 200,401,404,422',
    'patch /{directory_id} updateDirectory 200,400,401,404,413,422',
    'patch /{directory_id}/files/{directory_file_id} updateDirectoryFile 200,400,401,404,413,422',
    'post / createDirectory 200,400,401,404,413,422',
    'post /{directory_id}/files addDirectoryFile 200,400,401,404,413,422',
    'post /{directory_id}/files/upload uploadDirectoryFile 200,400,401,404,413,422'
  ])
  const upload = (dirs[`${D}/{directory_id}/files/upload`]?.post as unknown as { requestBody: { content: Record<string, { schema: { required: string[] } }> } }).requestBody
  t.same(upload.content['multipart/form-data']?.schema.required, ['upload_file'], 'the upload is documented as multipart')
  t.match(doc.servers, [{ url: 'http://127.0.0.1:4010' }], 'a servers entry')
  const control = Object.entries(doc.paths).filter(([p]) => p.startsWith('/_mock')).flatMap(([p, ops]) => Object.entries(ops).map(([m, o]) => ({ op: `${m} ${p}`, id: o.operationId })))
  t.ok(control.length >= 15, 'every control route is described')
  t.same(control.filter((c) => typeof c.id !== 'string' || !/^mock[A-Z]\w+$/.test(c.id)), [], 'each has an operationId')
  const ids = control.map((c) => c.id)
  t.equal(new Set(ids).size, ids.length, 'unique')
  t.equal(control.find((c) => c.op === 'get /_mock/requests/{id}')?.id, 'mockGetRequestsById')

  // Saved webhook configurations (issue 12).
  const hooks = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/beta/webhook-configs')))
  t.same(Object.keys(hooks).sort(), ['/api/v1/beta/webhook-configs', '/api/v1/beta/webhook-configs/{config_id}'])
  t.same(Object.keys(hooks['/api/v1/beta/webhook-configs/{config_id}']?.delete?.responses ?? {}).sort(), ['204', '401', '404', '422'])
  t.same(Object.values(hooks).flatMap((ops) => Object.values(ops).map((o) => o.operationId)).sort(), ['createWebhookConfig', 'deleteWebhookConfig', 'getWebhookConfig', 'listWebhookConfigs', 'updateWebhookConfig'])
  t.ok(Object.keys(doc.paths).includes('/_mock/webhooks/flush'), 'and its webhook routes')
})

t.test('--print-openapi prints the same document', async (t) => {
  const app = await build(t)
  const printed = await runCli(['--print-openapi'])
  t.equal(printed.code, 0)
  t.same(JSON.parse(printed.stdout), (await get(app, '/openapi.json', {})).body)
})

t.test('--print-openapi | head: a reader that stops early ends it quietly, as a Unix tool', async (t) => {
  const child = spawn(process.execPath, [CLI, '--print-openapi'], { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d))
  // `head -c 100`: one chunk read, then the pipe closed.
  const [first] = (await once(child.stdout, 'data')) as [Buffer]
  child.stdout.destroy()
  const [code] = (await once(child, 'exit')) as [number | null]
  t.match(String(first), /^\{/)
  t.equal(code, 0, 'exit 0')
  t.equal(err, '', 'no EPIPE stack on stderr')
})

