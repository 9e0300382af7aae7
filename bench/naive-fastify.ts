// What a hand-written stub gets: minimal Fastify routes with TypeBox response schemas,
// serializing the same (parsed) objects on every request.
import Fastify from 'fastify'
import { readFileSync } from 'node:fs'
import { BatchSchema } from '../src/schemas/batch.js'
import { BatchListSchema } from '../src/schemas/batch-requests.js'

const bodies = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Record<string, string>
const objects = new Map(Object.entries(bodies).map(([key, body]) => [key.split(' ')[1]?.split('?')[0] + (key.includes('expand=results') ? '?x' : ''), JSON.parse(body)]))
const posted = new Map(Object.entries(bodies).flatMap(([key, body]) => (key.startsWith('POST ') ? [[key.slice(5), JSON.parse(body)]] : [])))
const app = Fastify()
app.get('/api/v2/batches/:id', { schema: { response: { 200: BatchSchema } } }, async (request) => {
  const url = request.url.split('?')[0] as string
  return objects.get(url + (request.url.includes('expand=results') ? '?x' : ''))
})
// The list and the create (cpu-per-request.ts): the same bytes bare-server.ts answers, parsed.
const list = Object.entries(bodies).find(([key]) => key.startsWith('GET /api/v2/batches?'))
if (list) {
  const page = JSON.parse(list[1])
  app.get('/api/v2/batches', { schema: { response: { 200: BatchListSchema } } }, async () => page)
}
const created = posted.get('/api/v2/batches')
if (created) app.post('/api/v2/batches', { schema: { response: { 200: BatchSchema } } }, async () => created)
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`listening on ${address}\n`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
