// The cost rows of `npm run bench` (BENCH_ONLY=cost runs them alone): heap per created batch
// (10k, and the full million) and status-filtered lists over 100k batches, in-process so the
// heap is the mock's alone. Run with --expose-gc; prints one JSON object.
import { fileURLToPath } from 'node:url'

// The built package (npm run build), as a user imports it; compiled to bench/dist/bench/.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const { buildApp } = (await import(`${ROOT}dist/index.js`)) as typeof import('../src/index.js')

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const CREATE = { config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }
const AUTH = { authorization: 'Bearer bench' }

async function heap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!()
    await new Promise((r) => setImmediate(r))
  }
  return process.memoryUsage().heapUsed
}

async function creates(n: number): Promise<{ bytesPerBatch: number; heapMb: number; seconds: number }> {
  const app = await buildApp({ scenario: { name: 'bench-empty', seed: 1 }, clock: 'manual', maxBatches: n + 1 })
  await app.inject({ method: 'POST', url: '/api/v2/batches', headers: AUTH, payload: CREATE })
  const before = await heap()
  const started = performance.now()
  for (let i = 0; i < n; i++) app.mock.create(CREATE as never, null, {})
  const seconds = (performance.now() - started) / 1000
  const after = await heap()
  await app.close()
  return { bytesPerBatch: (after - before) / n, heapMb: after / 2 ** 20, seconds }
}

async function listMs(app: Awaited<ReturnType<typeof buildApp>>, url: string, rounds = 200): Promise<number> {
  for (let i = 0; i < 20; i++) await app.inject({ url, headers: AUTH })
  const started = performance.now()
  for (let i = 0; i < rounds; i++) {
    const res = await app.inject({ url, headers: AUTH })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`)
  }
  return (performance.now() - started) / rounds
}

async function lists(): Promise<Record<string, number>> {
  // 100k batches, none RUNNING: `status=RUNNING` matches nothing, `status=COMPLETED` fills a page.
  const statuses = { COMPLETED: 8, FAILED: 1, CANCELLED: 1, PENDING: 0, THROTTLED: 0, RUNNING: 0 }
  const app = await buildApp({ scenario: { name: 'bench-status', seed: 1, generate: [{ count: 100_000, statuses, files: { min: 0, max: 3 } }] }, clock: 'manual' })
  const result = {
    unfiltered: await listMs(app, '/api/v2/batches?page_size=50'),
    matchingNothing: await listMs(app, '/api/v2/batches?status=RUNNING&page_size=50'),
    matchingAPage: await listMs(app, '/api/v2/batches?status=COMPLETED&page_size=50')
  }
  await app.close()
  return result
}

const small = await creates(10_000)
const million = await creates(1_000_000)
process.stdout.write(`${JSON.stringify({ creates10k: small, creates1M: million, listMs: await lists() })}\n`)
