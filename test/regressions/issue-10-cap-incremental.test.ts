import t from 'tap'
import { performance } from 'node:perf_hooks'
import { build, post, scenario } from '../helper.js'

// Issue 10 item 13: under a running cap, a create used to re-plan the whole project (O(k log k)
// for k batches). It now joins the queue's tail: its cost must not grow with k.
const body = { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' }

async function perCreateMs(t: Parameters<typeof build>[0], existing: number): Promise<number> {
  const app = await build(t, {
    scenario: scenario([], {
      defaults: { max_running_per_project: 5, project_id: 'prj-big', timeline: { pending_ms: 1000, running_ms: 60_000 } },
      // Batches that started running by now (or ended): a create queues behind them all.
      generate: [{ count: existing, project_id: 'prj-big', files: { min: 1, max: 1 }, statuses: { COMPLETED: 60, FAILED: 10, CANCELLED: 10, RUNNING: 20, PENDING: 0, THROTTLED: 0 } }]
    })
  })
  for (let i = 0; i < 5; i++) await post(app, '/api/v2/batches', body) // warm up
  // Best of three rounds; each round creates for at least 40 ms (and at least 5 batches).
  let best = Infinity
  for (let round = 0; round < 3; round++) {
    const start = performance.now()
    let n = 0
    while (n < 5 || performance.now() - start < 40) {
      const res = await post(app, '/api/v2/batches', body)
      if (res.status !== 200) throw new Error(`create: ${res.status}`)
      n++
    }
    best = Math.min(best, (performance.now() - start) / n)
  }
  await app.close()
  return best
}

t.test('a create under the cap costs about the same at 2,000 and 20,000 batches in the project', async (t) => {
  const small = await perCreateMs(t, 2_000)
  const large = await perCreateMs(t, 20_000)
  t.comment(`per create: ${small.toFixed(3)} ms at 2,000, ${large.toFixed(3)} ms at 20,000 (x${(large / small).toFixed(2)})`)
  // Re-planning the project grows about tenfold here; joining the queue's tail does not grow.
  t.ok(large / small < 3, `10x the batches costs ${(large / small).toFixed(2)}x per create, not ~10x or more`)
})
