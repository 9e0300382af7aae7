// What a hand-written stub gets: a minimal Fastify route with a TypeBox response schema,
// serializing the same (parsed) objects on every request.
import Fastify from 'fastify'
import { readFileSync } from 'node:fs'
import { BatchSchema } from '../src/schemas/batch.js'

const bodies = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Record<string, string>
const objects = new Map(Object.entries(bodies).map(([key, body]) => [key.split(' ')[1]?.split('?')[0] + (key.includes('expand=results') ? '?x' : ''), JSON.parse(body)]))
const app = Fastify()
app.get('/api/v2/batches/:id', { schema: { response: { 200: BatchSchema } } }, async (request) => {
  const url = request.url.split('?')[0] as string
  return objects.get(url + (request.url.includes('expand=results') ? '?x' : ''))
})
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`listening on ${address}\n`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
