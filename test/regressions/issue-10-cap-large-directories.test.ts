import t from 'tap'
import { advance, build, get, post, scenario } from '../helper.js'

// From the review of the running cap: a batch that waited (THROTTLED) or was cancelled over a
// large directory got a typed array of 8 bytes a file (a 1M-file wait: 8 MB and ~85 ms each).
// Its mapping plan stays four numbers; what it answers is unchanged.
t.test('waiting and cancelled batches over 10k-file directories keep their plans small and right', async (t) => {
  const app = await build(t, {
    scenario: scenario([], {
      directories: [{ id: 'dir-big', files: 10_000 }],
      defaults: { max_running_per_project: 1, timeline: { pending_ms: 1000, running_ms: 10_000 }, cancel_delay_ms: 500 }
    })
  })
  const body = { config: { job: { type: 'parse_v2', configuration_id: 'cfg-x' } }, source_directory_id: 'dir-big' }
  const before = process.memoryUsage().arrayBuffers
  const ids: string[] = []
  for (let i = 0; i < 200; i++) ids.push((await post(app, '/api/v2/batches', body)).body.id)
  await advance(app, 6000)
  await post(app, `/api/v2/batches/${ids[0]}/cancel`) // the 199 waiting batches move up
  const grown = process.memoryUsage().arrayBuffers - before
  t.ok(grown < 4 * 2 ** 20, `200 batches over 10k files, one cancel: array buffers grew ${(grown / 2 ** 20).toFixed(1)} MB (8 bytes a file would be ~30 MB)`)
  // The answers: the cancelled batch keeps the files mapped by 6.5 s; the next runs from 6.5 s.
  await advance(app, 60_000)
  const first = (await get(app, `/api/v2/batches/${ids[0]}?expand=results`)).body
  t.equal(first.status, 'CANCELLED')
  t.equal(first.results.length, Math.floor((10_000 * 5500) / 10_000), 'files mapped before the cancel took effect')
  const second = (await get(app, `/api/v2/batches/${ids[1]}?expand=results`)).body
  t.same([second.status, second.results.length, second.updated_at], ['COMPLETED', 10_000, new Date(Date.parse(first.updated_at) + 10_000).toISOString()])
})
