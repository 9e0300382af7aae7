import t, { type Test } from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { BATCH_STATUSES } from '../../src/schemas/batch.js'
import { advance, build, get, post, scenario, walk } from '../helper.js'
import { cpuTimed } from '../cpu-time.js'

// Issue 10 item 14: a status-filtered list that matched nothing scanned every batch (294 ms
// a request over 200k). A status index, kept current from the batches' timelines, now
// answers it; these tests hold it to a brute-force filter and show it does not scan.

const BODY = { config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-x' }

type Item = { id: string; status: string }

/** Every batch newest first, unfiltered, with its status as the list shows it. */
const all = async (app: FastifyInstance): Promise<Item[]> => (await walk<Item>(app, '/api/v2/batches?page_size=100')).items

const filtered = async (app: FastifyInstance, status: string, pageSize: number): Promise<string[]> =>
  (await walk<Item>(app, `/api/v2/batches?status=${status}&page_size=${pageSize}`)).items.map((b) => b.id)

const batchSpec = fc.record({
  outcome: fc.constantFrom(...BATCH_STATUSES),
  created_ago_ms: fc.integer({ min: 0, max: 20_000 }),
  files: fc.integer({ min: 0, max: 4 }),
  timeline: fc.record({ pending_ms: fc.integer({ min: 0, max: 5000 }), throttled_ms: fc.integer({ min: 0, max: 3000 }), running_ms: fc.integer({ min: 0, max: 8000 }) }),
  progression: fc.constantFrom('time', 'time', 'time', 'polls', 'immediate')
})

const step = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 6000 }) }),
  fc.record({ kind: fc.constant('create' as const) }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('poll' as const), pick: fc.nat() })
)

t.test('status-filtered lists match a brute-force filter, through clock moves, creates, cancels and polls', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(batchSpec, { maxLength: 10 }), fc.array(step, { maxLength: 8 }), fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), async (batches, steps, cap) => {
      const app = await build(t, {
        scenario: scenario(
          batches.map((b, i) => ({ id: `bat-${i}`, ...b })),
          { defaults: { timeline: { pending_ms: 1000, running_ms: 3000 }, cancel_delay_ms: 500, ...(cap !== undefined && { max_running_per_project: cap }) } }
        )
      })
      const check = async (): Promise<void> => {
        const everything = await all(app)
        for (const status of BATCH_STATUSES) {
          const expected = everything.filter((b) => b.status === status).map((b) => b.id)
          const got = await filtered(app, status, 4)
          if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${status}: got ${got}, expected ${expected}`)
        }
      }
      await check() // builds the index
      for (const s of steps) {
        const ids = (await all(app)).map((b) => b.id)
        if (s.kind === 'advance') await advance(app, s.ms)
        else if (s.kind === 'create') await post(app, '/api/v2/batches', BODY)
        else if (ids.length > 0 && s.kind === 'cancel') await post(app, `/api/v2/batches/${ids[s.pick % ids.length]}/cancel`)
        else if (ids.length > 0) await get(app, `/api/v2/batches/${ids[s.pick % ids.length]}`)
        await check()
      }
      await app.close()
    }),
    { seed: 20261129, numRuns: Number(process.env.RUNS ?? 50) }
  )
})

/** ms per status-filtered list that matches nothing, over `n` batches (best of a few). */
async function emptyListMs(t: Test, n: number): Promise<number> {
  // Every batch COMPLETED long ago: a list of RUNNING ones matches none.
  const app = await build(t, { scenario: scenario([], { generate: [{ count: n, statuses: { COMPLETED: 1, RUNNING: 0, PENDING: 0, THROTTLED: 0, FAILED: 0, CANCELLED: 0 }, files: { min: 1, max: 1 } }] }) })
  await get(app, '/api/v2/batches?status=RUNNING') // builds the index: once
  let best = Infinity
  for (let i = 0; i < 5; i++) {
    const { value: { body }, ms } = await cpuTimed(() => get(app, '/api/v2/batches?status=RUNNING'))
    best = Math.min(best, ms)
    if (body.items.length !== 0) throw new Error('expected no RUNNING batch')
  }
  return best
}

t.test('a status-filtered list that matches nothing does not scan every batch', async (t) => {
  const small = await emptyListMs(t, 5_000)
  const large = await emptyListMs(t, 50_000)
  // Ten times the batches: ~10x when every batch is read (~75 ms over 50k), ~1x with the index.
  t.ok(large < Math.max(small * 5, 10), `10x the batches: ${small.toFixed(2)} ms vs ${large.toFixed(2)} ms`)
})
