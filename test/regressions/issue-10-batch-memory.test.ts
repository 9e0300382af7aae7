import t from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { FastifyInstance } from 'fastify'
import { build, get, post } from '../helper.js'
import { DEFAULT_MAX_BATCHES } from '../../src/service/batches.js'
import { cpuTimed } from '../cpu-time.js'

// Issue 10 item 5: a created batch cost ~1.3 KB, a compat GET of an unknown id ~2.5 KB
// (it stored the batch it made up), and nothing capped either, so the heap ran out after a
// few million creates. Now a create over a derived directory costs a few hundred bytes,
// compat GETs store nothing, and creates past --max-batches answer 429.

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** heapUsed once garbage is collected and swept (sweeping finishes after gc() returns). */
async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

const BODY = { config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }

/** Heap bytes per batch over `n` creates through the library API (the same code the route runs). */
async function bytesPerCreate(app: FastifyInstance, n: number): Promise<number> {
  const before = await heapAfterGc()
  for (let i = 0; i < n; i++) app.mock.create(BODY as never, null, {})
  return ((await heapAfterGc()) - before) / n
}

t.test('a created batch costs a few hundred bytes: a million stay under 500 MB', async (t) => {
  const app = await build(t, { maxBatches: 1_000_000 })
  await post(app, '/api/v2/batches', BODY) // warm: the directory, compiled code
  const perBatch = await bytesPerCreate(app, 20_000)
  t.equal(app.mock.world.store.size, 20_001)
  t.ok(perBatch < 500, `${perBatch.toFixed(0)} bytes a batch`)
  t.ok((perBatch * 1e6) / 2 ** 20 < 500, `1M creates: ${((perBatch * 1e6) / 2 ** 20).toFixed(0)} MB`)
  t.ok(perBatch * DEFAULT_MAX_BATCHES < 500 * 2 ** 20, 'and a store at the default cap fits with room to spare')
})

t.test('compat GETs of unknown ids store nothing', async (t) => {
  const app = await build(t, { mode: 'compat' })
  const known = (await post(app, '/api/v2/batches', BODY)).body.id
  /** Heap growth per GET of `n` urls (what inject itself keeps is the same for any GET). */
  const perGet = async (url: (i: number) => string, n = 3000): Promise<number> => {
    const before = await heapAfterGc()
    for (let i = 0; i < n; i++) {
      const { status } = await get(app, url(i))
      if (status !== 200) t.fail(`status ${status}`)
    }
    return ((await heapAfterGc()) - before) / n
  }
  await perGet((i) => `/api/v2/batches/bat-warm-${i}`, 200)
  const baseline = await perGet((i) => `/api/v2/batches/${known}?n=${i}`)
  const unknown = await perGet((i) => `/api/v2/batches/bat-unknown-${i}`)
  t.equal(app.mock.world.store.size, 1, 'no unknown id stored')
  t.ok(unknown - baseline < 300, `an unknown id read keeps ${(unknown - baseline).toFixed(0)} bytes more than a known one`)
  const a = (await get(app, '/api/v2/batches/bat-unknown-7?expand=results')).body
  const b = (await get(app, '/api/v2/batches/bat-unknown-7?expand=results')).body
  t.same(a, b, 'the same id answers the same batch each time')
  const cancelled = await post(app, '/api/v2/batches/bat-unknown-7/cancel')
  t.equal(cancelled.status, 200)
  t.ok(app.mock.world.store.size <= 2, 'only a cancelled batch may be stored')
  t.equal((await get(app, '/api/v2/batches/bat-unknown-7')).body.status, cancelled.body.status, 'and reads as the cancel left it')
})

t.test('creates past maxBatches answer 429, and the journal says why', async (t) => {
  const app = await build(t, { maxBatches: 5 })
  for (let i = 0; i < 5; i++) t.equal((await post(app, '/api/v2/batches', BODY)).status, 200)
  const refused = await post(app, '/api/v2/batches', BODY)
  t.equal(refused.status, 429)
  t.match(refused.body, { detail: /5 batches/ })
  t.equal(app.mock.world.store.size, 5)
  const journal = (await get(app, '/_mock/requests?status=429')).body
  t.match(JSON.stringify(journal), /max-batches|maxBatches/)
})

t.test('--max-batches and MOCK_MAX_BATCHES set the cap', async (t) => {
  const { resolveConfig } = await import('../../src/config.js')
  t.equal(resolveConfig([], {}).maxBatches, DEFAULT_MAX_BATCHES)
  t.equal(resolveConfig([], { MOCK_MAX_BATCHES: '12' }).maxBatches, 12)
  t.equal(resolveConfig(['--max-batches', '7'], { MOCK_MAX_BATCHES: '12' }).maxBatches, 7, 'the flag beats env')
  t.throws(() => resolveConfig(['--max-batches', '0'], {}), /--max-batches must be a whole number from 1/)
})

t.test('compat batches that progress by polls are stored only while there is room', async (t) => {
  const app = await build(t, { mode: 'compat', maxBatches: 3, scenario: { name: 'polls', seed: 1, defaults: { progression: 'polls', polls_per_step: 1 } } })
  const first = (await get(app, '/api/v2/batches/bat-p-0')).body.status
  const second = (await get(app, '/api/v2/batches/bat-p-0')).body.status
  t.not(first, second, 'each GET takes a step')
  for (let i = 0; i < 20; i++) t.equal((await get(app, `/api/v2/batches/bat-p-${i}`)).status, 200)
  t.equal(app.mock.world.store.size, 3, 'stored up to the cap')
  t.ok(app.mock.world.polls.size <= 3, `polls counted for stored batches only (${app.mock.world.polls.size})`)
})

t.test('a create costs the same with 2,000 or 20,000 batches over its directory (creates in one millisecond)', async (t) => {
  // Each create asks who owns its directory; that once sorted the directory's whole index,
  // and creates within one millisecond (a manual clock) arrive in random id order.
  const app = await build(t, { maxBatches: 1_000_000 })
  const perCreate = async (n: number): Promise<number> => (await cpuTimed(async () => {
    for (let i = 0; i < n; i++) app.mock.create(BODY as never, null, {})
  })).ms / n
  await perCreate(2_000)
  const small = await perCreate(2_000)
  await perCreate(16_000)
  const large = await perCreate(2_000)
  t.ok(large < small * 3, `per create: ${(small * 1000).toFixed(1)} µs at 4k batches, ${(large * 1000).toFixed(1)} µs at 20k`)
})
