import t from 'tap'
import { buildApp } from '../../src/app.js'
import type { BatchEvent } from '../../src/service/events.js'
import { get, post, scenario } from '../helper.js'

// Under the running cap a waiting batch's record is derived from the queue and handed over to
// the store when its start comes (src/service/running-cap.ts). Under a real clock, nobody
// asking, the publisher's timer must still wake for that start and publish it.
t.test('under a real clock, a waiting batch that moved up is published RUNNING at its new start, unasked', async (t) => {
  const events: BatchEvent[] = []
  const app = await buildApp({
    clock: 'real',
    speed: 100,
    scenario: scenario(
      [
        // p holds the only slot for an hour; it progresses by polls, so no timer follows it.
        { id: 'bat-p', files: 1, progression: 'polls', timeline: { pending_ms: 0, running_ms: 3_600_000 } },
        { id: 'bat-w', files: 1, timeline: { pending_ms: 0, running_ms: 1000 } }
      ],
      { defaults: { max_running_per_project: 1, cancel_delay_ms: 60_000 } }
    ),
    subscribers: [(e) => events.push(e)]
  })
  t.teardown(() => app.close())
  t.equal((await get(app, '/api/v2/batches/bat-w')).body.status, 'THROTTLED')
  t.equal((await post(app, '/api/v2/batches/bat-p/cancel')).status, 200)
  // Its cancel takes effect a mock minute after p's last read (0.6 s of wall time at speed 100): w starts then.
  const running = (e: BatchEvent) => e.batchId === 'bat-w' && 'to' in e && e.to === 'RUNNING'
  const deadline = Date.now() + 5_000
  while (!events.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
  const seen = events.find(running)
  t.ok(seen, 'published with no request in between')
  const start = Date.parse((await get(app, '/_mock/batches/bat-w')).body.timeline.find((tr: { status: string }) => tr.status === 'RUNNING').at)
  t.equal(seen?.at, start, 'at its planned start')
  const cancelledAt = events.find((e) => e.type === 'batch.cancel_requested')?.at as number
  t.ok(start < cancelledAt + 1_800_000, 'it moved up: it starts about a minute after the cancel, not an hour later')
})
