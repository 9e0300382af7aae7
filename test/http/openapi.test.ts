import t from 'tap'
import { validate } from '@readme/openapi-parser'
import { build, get } from '../helper.js'
import { runCli } from '../cli-process.js'

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; operationId?: string }>> }

t.test('GET /openapi.json is a valid OpenAPI 3.1 document describing every /api route and status', async (t) => {
  const app = await build(t)
  const { status, body } = await get(app, '/openapi.json', {})
  t.equal(status, 200)
  const doc = body as Doc
  t.equal(doc.openapi, '3.1.0')
  const result = await validate(structuredClone(doc) as never)
  t.ok(result.valid, `a standard parser accepts it${result.valid ? '' : `: ${JSON.stringify(result.errors)}`}`)

  const api = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => p.startsWith('/api')))
  t.same(Object.keys(api).sort(), ['/api/v1/beta/webhook-configs', '/api/v1/beta/webhook-configs/{config_id}', '/api/v2/batches', '/api/v2/batches/{batch_id}', '/api/v2/batches/{batch_id}/cancel'])
  const statuses = (path: string, method: string) => Object.keys(api[path]?.[method]?.responses ?? {}).sort()
  t.same(statuses('/api/v2/batches/{batch_id}', 'get'), ['200', '401', '404', '422'])
  t.same(statuses('/api/v2/batches', 'get'), ['200', '401', '404', '422'])
  t.same(statuses('/api/v2/batches', 'post'), ['200', '401', '404', '413', '422', '429'])
  t.same(statuses('/api/v2/batches/{batch_id}/cancel', 'post'), ['200', '400', '401', '404', '422'])
  t.same(statuses('/api/v1/beta/webhook-configs/{config_id}', 'delete'), ['204', '401', '404', '422'])
  t.same(Object.values(api).flatMap((ops) => Object.values(ops).map((o) => o.operationId)).sort(), [
    'cancelBatch', 'createBatch', 'createWebhookConfig', 'deleteWebhookConfig', 'getBatch', 'getWebhookConfig', 'listBatches', 'listWebhookConfigs', 'updateWebhookConfig'
  ])
  t.ok(Object.keys(doc.paths).includes('/_mock/faults'), 'the control plane is described too')
  t.ok(Object.keys(doc.paths).includes('/_mock/webhooks/flush'), 'and its webhook routes')
})

t.test('--print-openapi prints the same document', async (t) => {
  const app = await build(t)
  const printed = await runCli(['--print-openapi'])
  t.equal(printed.code, 0)
  t.same(JSON.parse(printed.stdout), (await get(app, '/openapi.json', {})).body)
})
