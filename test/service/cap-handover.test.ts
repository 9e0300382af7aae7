import t, { type Test } from 'tap'
import fc from 'fast-check'
import { buildApp } from '../../src/app.js'
import type { BatchEvent } from '../../src/service/events.js'
import { get, post, scenario, START, START_MS } from '../helper.js'

/** An app under a real clock (speed 100) of `world`, closed with the test; `events` gathers what it publishes. */
async function realClock(t: Test, world: ReturnType<typeof scenario>): Promise<{ app: Awaited<ReturnType<typeof buildApp>>; events: BatchEvent[] }> {
  const events: BatchEvent[] = []
  const app = await buildApp({ clock: 'real', speed: 100, scenario: world, subscribers: [(e) => events.push(e)] })
  t.teardown(() => app.close())
  return { app, events }
}

/**
 * Waits (5 s of wall time at most: the real clock is the point) for `id`'s RUNNING to be published
 * with nobody asking, and checks it came at the start its timeline plans; answers that start.
 */
async function publishedRunningAtStart(t: Test, app: Awaited<ReturnType<typeof buildApp>>, events: BatchEvent[], id: string): Promise<number> {
  const running = (e: BatchEvent) => e.batchId === id && 'to' in e && e.to === 'RUNNING'
  const deadline = Date.now() + 5_000
  while (!events.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
  const seen = events.find(running)
  t.ok(seen, 'published with no request in between')
  const start = Date.parse((await get(app, `/_mock/batches/${id}`)).body.timeline.find((tr: { status: string }) => tr.status === 'RUNNING').at)
  t.equal(seen?.at, start, 'at its planned start')
  return start
}

// Under the running cap a waiting batch's record is derived from the queue and handed over to
// the store when its start comes (src/service/running-cap.ts). Under a real clock, nobody
// asking, the publisher's timer must still wake for that start and publish it.
t.test('under a real clock, a waiting batch that moved up is published RUNNING at its new start, unasked', async (t) => {
  const { app, events } = await realClock(
    t,
    scenario(
      [
        // p holds the only slot for an hour; it progresses by polls, so no timer follows it.
        { id: 'bat-p', files: 1, progression: 'polls', timeline: { pending_ms: 0, running_ms: 3_600_000 } },
        { id: 'bat-w', files: 1, timeline: { pending_ms: 0, running_ms: 1000 } }
      ],
      { defaults: { max_running_per_project: 1, cancel_delay_ms: 60_000 } }
    )
  )
  t.equal((await get(app, '/api/v2/batches/bat-w')).body.status, 'THROTTLED')
  t.equal((await post(app, '/api/v2/batches/bat-p/cancel')).status, 200)
  // Its cancel takes effect a mock minute after p's last read (0.6 s of wall time at speed 100): w starts then.
  const start = await publishedRunningAtStart(t, app, events, 'bat-w')
  const cancelledAt = events.find((e) => e.type === 'batch.cancel_requested')?.at as number
  t.ok(start < cancelledAt + 1_800_000, 'it moved up: it starts about a minute after the cancel, not an hour later')
})

t.test('under a real clock, a created batch that waits from its first instant is published RUNNING at its start, unasked', async (t) => {
  const { app, events } = await realClock(
    t,
    scenario(
      // p holds the only slot for a mock minute (0.6 s of wall time); it progresses by polls, so no timer follows it.
      [{ id: 'bat-p', files: 1, progression: 'polls', timeline: { pending_ms: 0, running_ms: 60_000 } }],
      { defaults: { max_running_per_project: 1, timeline: { pending_ms: 0, running_ms: 1000 } } }
    )
  )
  // Created THROTTLED at once: its record holds nothing due later, only its slot's start is.
  const created = await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' })
  t.equal(created.body.status, 'THROTTLED')
  await publishedRunningAtStart(t, app, events, created.body.id)
})

// The paths a waiting batch is read by must agree: a GET and a list read what the store holds
// (a stand-in while it waits), the control plane the planned record the queue derives, the
// status index and the scheduler follow the stand-in until the handover. Random creates, late
// arrivals, cancels and clock moves under a small cap; after each, every batch's GET status is
// its planned timeline's status now and its status list's; at the end every event published
// is a transition of that timeline, each once.
type Op = { kind: 'inject'; pending: number; running: number; ago: number } | { kind: 'create' } | { kind: 'cancel'; pick: number } | { kind: 'advance'; ms: number }
const grid = (n: number) => fc.integer({ min: 0, max: n }).map((k) => k * 500)
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('inject' as const), pending: grid(4), running: grid(8).map((ms) => ms + 500), ago: grid(8) }),
  fc.record({ kind: fc.constant('create' as const) }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat({ max: 11 }) }),
  fc.record({ kind: fc.constant('advance' as const), ms: grid(8) })
)
const STATUSES = ['PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']

t.test('under the cap, GETs, status lists, timelines and events agree through random cancels', async (t) => {
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, 1, 500, 1000), fc.array(op, { minLength: 1, maxLength: 10 }), async (cap, delay, ops) => {
      runs++
      const events: BatchEvent[] = []
      const app = await buildApp({
        clock: 'manual',
        startTime: START,
        scenario: scenario(
          ['bat-s1', 'bat-s2', 'bat-s3'].map((id, i) => ({ id, files: 2, timeline: { pending_ms: 500 * i, running_ms: 2000 } })),
          { defaults: { max_running_per_project: cap, cancel_delay_ms: delay, timeline: { pending_ms: 1000, running_ms: 1500 } } }
        ),
        subscribers: [(e) => events.push(e)]
      })
      try {
        const ids = ['bat-s1', 'bat-s2', 'bat-s3']
        // When each appeared: what came before is published at once, as it reads then.
        const appeared = new Map(ids.map((id) => [id, START_MS]))
        const clock = async (): Promise<number> => Date.parse((await get(app, '/_mock/clock')).body.now)
        const body = { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' }
        const check = async (): Promise<void> => {
          const byStatus = new Map<string, string[]>()
          const now = await clock()
          for (const id of ids) {
            const status = (await get(app, `/api/v2/batches/${id}`)).body.status as string
            const timeline = (await get(app, `/_mock/batches/${id}`)).body.timeline as { status: string; at: string }[]
            const planned = timeline.filter((tr) => Date.parse(tr.at) <= now).at(-1)?.status ?? 'PENDING'
            if (status !== planned) throw new Error(`${id} reads ${status} at ${now - START_MS}, its timeline says ${planned}: ${JSON.stringify(timeline)}`)
            byStatus.set(status, [...(byStatus.get(status) ?? []), id])
          }
          for (const status of STATUSES) {
            const listed = (await get(app, `/api/v2/batches?status=${status}&page_size=100`)).body.items.map((b: { id: string }) => b.id).sort()
            const expected = (byStatus.get(status) ?? []).sort()
            if (JSON.stringify(listed) !== JSON.stringify(expected)) throw new Error(`${status} lists ${listed}, GETs say ${expected}`)
          }
          if ((byStatus.get('RUNNING')?.length ?? 0) > cap) throw new Error(`more than ${cap} RUNNING`)
          // Every other path shows the batch as its GET does: the plain list, the control plane's
          // one batch and its list (without moving it), and the batch's parse jobs.
          const gets = new Map<string, Record<string, unknown>>()
          for (const id of ids) gets.set(id, (await get(app, `/api/v2/batches/${id}`)).body)
          const listed = new Map<string, unknown>((await get(app, '/api/v2/batches?page_size=100')).body.items.map((b: { id: string }) => [b.id, b]))
          const inspected = new Map<string, { batch: Record<string, unknown>; next_transition: unknown }>((await get(app, '/_mock/batches?page_size=100')).body.items.map((i: { batch: { id: string } }) => [i.batch.id, i]))
          for (const id of ids) {
            const shown = gets.get(id) as Record<string, unknown>
            if (JSON.stringify(listed.get(id)) !== JSON.stringify(shown)) throw new Error(`${id}: listed ${JSON.stringify(listed.get(id))}, GET ${JSON.stringify(shown)}`)
            const one = (await get(app, `/_mock/batches/${id}`)).body
            for (const [name, i] of [['one', one], ['page', inspected.get(id)]] as const) {
              const b = i?.batch
              if (b?.status !== shown.status || b?.updated_at !== shown.updated_at || JSON.stringify(b?.progress) !== JSON.stringify(shown.progress)) throw new Error(`${id}: /_mock/batches (${name}) shows ${JSON.stringify(b)}, GET ${JSON.stringify(shown)}`)
            }
            if (JSON.stringify(one.next_transition) !== JSON.stringify(inspected.get(id)?.next_transition)) throw new Error(`${id}: next_transition ${JSON.stringify(one.next_transition)} vs page ${JSON.stringify(inspected.get(id)?.next_transition)}`)
          }
          // Three of the listed parse jobs (the newest, one between, the oldest) read one by one: as listed.
          const jobs = (await get(app, '/api/v2/parse?page_size=100')).body.items as { id: string }[]
          for (const job of new Set([jobs[0], jobs[jobs.length >> 1], jobs.at(-1)].filter((j) => j !== undefined))) {
            const one = (await get(app, `/api/v2/parse/${job.id}`)).body.job
            if (JSON.stringify(one) !== JSON.stringify(job)) throw new Error(`parse job listed ${JSON.stringify(job)}, GET ${JSON.stringify(one)}`)
          }
        }
        for (const o of ops) {
          if (o.kind === 'inject') {
            const res = await post(app, '/_mock/batches', { files: 1, timeline: { pending_ms: o.pending, running_ms: o.running }, created_ago_ms: o.ago })
            ids.push(res.body.id)
            appeared.set(res.body.id, await clock())
          } else if (o.kind === 'create') {
            ids.push((await post(app, '/api/v2/batches', body)).body.id)
            appeared.set(ids.at(-1) as string, await clock())
          } else if (o.kind === 'cancel') {
            await post(app, `/api/v2/batches/${ids[o.pick % ids.length] as string}/cancel`)
          } else {
            await app.inject({ method: 'POST', url: '/_mock/clock/advance', payload: { ms: o.ms } })
          }
          await check()
        }
        await app.inject({ method: 'POST', url: '/_mock/clock/advance', payload: { ms: 3_600_000 } })
        await check()
        for (const id of ids) {
          const timeline = (await get(app, `/_mock/batches/${id}`)).body.timeline as { status: string; at: string }[]
          const since = appeared.get(id) as number
          const published = events.filter((e) => e.batchId === id && 'to' in e && e.at > since).map((e) => ('to' in e ? `${e.to}@${e.at - START_MS}` : ''))
          const planned = timeline.filter((tr) => Date.parse(tr.at) > since).map((tr) => `${tr.status}@${Date.parse(tr.at) - START_MS}`)
          if (JSON.stringify(published) !== JSON.stringify(planned)) throw new Error(`${id}: published ${published}, planned ${planned}`)
        }
      } finally {
        await app.close()
      }
    }),
    { numRuns: 25, seed: 10 }
  )
  t.equal(runs, 25)
})
