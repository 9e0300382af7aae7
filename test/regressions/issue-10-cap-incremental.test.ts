import t from 'tap'
import { performance } from 'node:perf_hooks'
import { build, post, scenario } from '../helper.js'

// Issue 10 item 13: under a running cap, a create used to re-plan the whole project (O(k log k)
// for k batches). It now joins the queue's tail: its cost must not grow with k.
const body = { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' }
type App = Awaited<ReturnType<typeof build>>

async function projectOf(t: Parameters<typeof build>[0], existing: number): Promise<App> {
  const app = await build(t, {
    scenario: scenario([], {
      defaults: { max_running_per_project: 5, project_id: 'prj-big', timeline: { pending_ms: 1000, running_ms: 60_000 } },
      // Batches that started running by now (or ended): a create queues behind them all.
      generate: [{ count: existing, project_id: 'prj-big', files: { min: 1, max: 1 }, statuses: { COMPLETED: 60, FAILED: 10, CANCELLED: 10, RUNNING: 20, PENDING: 0, THROTTLED: 0 } }]
    })
  })
  for (let i = 0; i < 5; i++) await post(app, '/api/v2/batches', body) // warm up
  return app
}

/** Milliseconds per create over one round of at least 30 ms (and at least 3 creates). */
async function round(app: App): Promise<number> {
  const start = performance.now()
  let n = 0
  while (n < 3 || performance.now() - start < 30) {
    const res = await post(app, '/api/v2/batches', body)
    if (res.status !== 200) throw new Error(`create: ${res.status}`)
    n++
  }
  return (performance.now() - start) / n
}

t.test('a create under the cap costs about the same at 1,500 and 15,000 batches in the project', async (t) => {
  const small = await projectOf(t, 1_500)
  const large = await projectOf(t, 15_000)
  // Rounds alternate between the two, so a busy machine slows both alike; the best of each counts.
  let [bestSmall, bestLarge] = [Infinity, Infinity]
  for (let i = 0; i < 5; i++) {
    bestSmall = Math.min(bestSmall, await round(small))
    bestLarge = Math.min(bestLarge, await round(large))
  }
  const ratio = bestLarge / bestSmall
  t.comment(`per create: ${bestSmall.toFixed(3)} ms at 1,500, ${bestLarge.toFixed(3)} ms at 15,000 (x${ratio.toFixed(2)})`)
  // Re-planning the project grew tenfold or more here; joining the queue's tail does not grow.
  t.ok(ratio < 5, `10x the batches costs ${ratio.toFixed(2)}x per create, not ~10x or more`)
})
