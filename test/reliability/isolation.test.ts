import t from 'tap'
import fc from 'fast-check'
import { buildApp } from '../../src/app.js'
import type { Scenario } from '../../src/schemas/scenario.js'
import { START, walk } from '../helper.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261128)

const world = fc.record({
  projects: fc.integer({ min: 2, max: 4 }),
  keys: fc.array(fc.nat(3), { minLength: 2, maxLength: 5 }),
  batches: fc.array(fc.record({ project: fc.nat(3), ago: fc.nat(100_000), outcome: fc.constantFrom('COMPLETED' as const, 'RUNNING' as const, 'FAILED' as const) }), { minLength: 1, maxLength: 25 }),
  pageSize: fc.integer({ min: 1, max: 4 })
})

t.test('tenants never see each other: get, list (filters, page tokens) and cancel', async (t) => {
  let cases = 0
  let leaks = 0
  await fc.assert(
    fc.asyncProperty(world, async (w) => {
      const project = (n: number) => `prj-${String(n % w.projects).padStart(8, '0')}-0000-4000-8000-000000000000`
      const keys = w.keys.map((p, i) => ({ key: `key-${i}`, project_id: project(p) }))
      const batches = w.batches.map((b, i) => ({ id: `bat-${i}`, project_id: project(b.project), created_ago_ms: b.ago, outcome: b.outcome, files: 2, source_directory_id: `dir-${i % 3}` }))
      const scenario: Scenario = { name: 'tenants', seed: 1, start_time: START, api_keys: keys, batches }
      const app = await buildApp({ scenario, clock: 'manual' })
      try {
        const as = (key: string) => ({ authorization: `Bearer ${key}` })
        for (const { key, project_id } of keys) {
          const unknown = await app.inject({ url: '/api/v2/batches/bat-none', headers: as(key) })
          const cancelUnknown = await app.inject({ method: 'POST', url: '/api/v2/batches/bat-none/cancel', headers: as(key) })
          for (const b of batches) {
            cases++
            const own = b.project_id === project_id
            const got = await app.inject({ url: `/api/v2/batches/${b.id}?expand=results`, headers: as(key) })
            if (own ? got.statusCode !== 200 : got.statusCode !== 404 || got.body !== unknown.body) leaks++
            if (!own) {
              const version = app.mock.world.store.get(b.id)
              const cancel = await app.inject({ method: 'POST', url: `/api/v2/batches/${b.id}/cancel`, headers: as(key) })
              if (cancel.statusCode !== cancelUnknown.statusCode || app.mock.world.store.get(b.id) !== version) leaks++
            }
          }
          // Every filter and every page: only the key's own batches, each once.
          for (const filter of ['', '&status=COMPLETED', '&source_directory_id=dir-1', `&project_id=${project(0).slice(4)}`]) {
            const { items, tokens } = await walk<{ id: string; project_id: string }>(app, `/api/v2/batches?page_size=${w.pageSize}${filter}`, as(key))
            for (const item of items) if (item.project_id !== project_id) leaks++
            // A token issued to this key is worthless to every other key.
            for (const token of tokens) {
              for (const other of keys.filter((k) => k.key !== key)) {
                const replay = await app.inject({ url: `/api/v2/batches?page_size=${w.pageSize}${filter}&page_token=${encodeURIComponent(token)}`, headers: as(other.key) })
                if (replay.statusCode !== 422 && other.project_id !== project_id) leaks++
              }
            }
            if (new Set(items.map((i) => i.id)).size !== items.length) leaks++
          }
        }
      } finally {
        await app.close()
      }
      return leaks === 0
    }),
    { seed: SEED, numRuns: 60 }
  )
  t.equal(leaks, 0, `0 leaks in ${cases} key x batch cases`)
  t.ok(cases >= 1000, `thousands of cases (${cases})`)
})
