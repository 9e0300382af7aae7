// The practical limit for Node here: node:http writing precomputed bytes, nothing else.
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

const bodies = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Record<string, string>
const buffers = new Map(Object.entries(bodies).map(([key, body]) => [key, Buffer.from(body)]))
const server = createServer((req, res) => {
  const body = buffers.get(`${req.method} ${req.url}`) ?? buffers.get(`${req.method} ${(req.url ?? '').split('?')[0]}`)
  if (!body) {
    res.writeHead(404).end()
    return
  }
  req.resume()
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }).end(body))
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`)
  // The same start-up marks as the CLI's (bench/startup.ts), for the parts it has.
  if (process.env.MOCK_STARTUP_TIMING === '1') {
    const { timeOrigin, nodeTiming } = performance
    process.stderr.write(`${JSON.stringify({ startupTiming: { timeOrigin, bootstrapComplete: timeOrigin + nodeTiming.bootstrapComplete, listening: timeOrigin + performance.now() } })}\n`)
  }
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
