import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { manualClock, realClock } from '../../src/clock.js'
import type { BatchEvent } from '../../src/service/events.js'
import { AUTH, get, post, scenario, START, START_MS } from '../helper.js'

// A mixed scenario: batches on the clock under a running cap of 1 (so one waits THROTTLED),
// one that fails, one cancelled mid-run, one that progresses by polls; plus a batch created
// and an immediate one injected while the mock runs.
const mixed = scenario(
  [
    { id: 'bat-a', files: 3, timeline: { pending_ms: 1000, running_ms: 4000 } },
    { id: 'bat-b', files: 2, timeline: { pending_ms: 500, running_ms: 2000 } },
    { id: 'bat-f', files: 4, project_id: 'prj-other', outcome: 'FAILED', timeline: { pending_ms: 800, throttled_ms: 700, running_ms: 3000 } },
    { id: 'bat-c', files: 2, project_id: 'prj-third', timeline: { pending_ms: 200, running_ms: 6000 } },
    { id: 'bat-p', files: 1, project_id: 'prj-polls', progression: 'polls' }
  ],
  { defaults: { max_running_per_project: 1, cancel_delay_ms: 300 } }
)
const TIMED = ['bat-a', 'bat-b', 'bat-f', 'bat-c']
const CANCEL_AT = 2500
const END = 20_000

type Seen = Pick<BatchEvent, 'type' | 'batchId' | 'at'> & { from?: string | null; to?: string }
const brief = (e: BatchEvent): Seen => ('to' in e ? { type: e.type, batchId: e.batchId, from: e.from, to: e.to, at: e.at - START_MS } : { type: e.type, batchId: e.batchId, at: e.at - START_MS })

async function setClock(app: FastifyInstance, offset: number): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/_mock/clock/set', payload: { now: new Date(START_MS + offset).toISOString() } })
  if (res.statusCode !== 200) throw new Error(res.body)
}

const statusOf = async (app: FastifyInstance, id: string): Promise<string> => (await get(app, `/api/v2/batches/${id}`)).body.status

/**
 * Runs the same story on a fresh mock, stopping the clock at `checkpoints` (and where the
 * story acts), and calls `look` at each stop.
 */
async function story(t: Pick<Test, 'teardown'>, checkpoints: number[], look: (app: FastifyInstance, at: number) => Promise<void> = async () => {}): Promise<{ events: BatchEvent[]; created: string }> {
  const events: BatchEvent[] = []
  const app = await buildApp({ clock: 'manual', startTime: START, scenario: mixed, subscribers: [(e) => events.push(e)] })
  t.teardown(() => app.close())
  let created = ''
  const stops = [...new Set([100, CANCEL_AT, END, ...checkpoints])].filter((at) => at > 0).sort((a, b) => a - b)
  for (const at of stops) {
    await setClock(app, at)
    if (at === 100) {
      created = (await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'cfg-x' } }, source_directory_id: 'dir-new' }, { ...AUTH, 'content-type': 'application/json' })).body.id
      await post(app, '/_mock/batches', { id: 'bat-i', files: 2, project_id: 'prj-immediate', progression: 'immediate' })
    }
    if (at === CANCEL_AT) await post(app, '/api/v2/batches/bat-c/cancel')
    await look(app, at)
  }
  return { events, created }
}

t.test('every transition once, in due order, as a GET at its time shows it (manual clock)', async (t) => {
  const { events, created } = await story(t, [])
  const changes = events.filter((e) => e.type === 'batch.status_changed')
  t.ok(changes.length >= 15, `${changes.length} status changes seen`)
  for (let i = 1; i < events.length; i++) t.ok((events[i] as BatchEvent).at >= (events[i - 1] as BatchEvent).at, 'due order')
  const ofBatch = (id: string) => changes.filter((e) => e.batchId === id).map((e) => ('to' in e ? e.to : ''))
  // bat-b would start first (0.5 s): under the cap of 1, bat-a waits for it.
  t.same(ofBatch('bat-a'), ['THROTTLED', 'RUNNING', 'COMPLETED'], 'the cap holds bat-a back')
  t.same(ofBatch('bat-b'), ['RUNNING', 'COMPLETED'], 'scenario batches: what happens after the start, not before')

  t.same(ofBatch('bat-f'), ['THROTTLED', 'RUNNING', 'FAILED'])
  t.same(ofBatch('bat-c'), ['RUNNING', 'CANCELLED'])
  t.same(ofBatch('bat-i'), ['PENDING', 'RUNNING', 'COMPLETED'], 'an immediate batch reaches its end at once')
  t.same(ofBatch(created).slice(0, 1), ['PENDING'], 'a created batch starts PENDING')
  t.same(events.filter((e) => e.type !== 'batch.status_changed').map(brief), [
    { type: 'batch.created', batchId: created, at: 100 },
    { type: 'batch.created', batchId: 'bat-i', at: 100 },
    { type: 'batch.cancel_requested', batchId: 'bat-c', at: CANCEL_AT }
  ])
  t.same(ofBatch('bat-p'), [], 'a batch that progresses by polls moves only when polled')

  // The same story again, stopping the clock at every event: a GET there shows each event's status.
  const times = [...new Set(changes.map((e) => e.at - START_MS))]
  const last = new Map<string, string>()
  const again = await story(t, times, async (app, at) => {
    for (const e of changes) if (e.at - START_MS <= at && 'to' in e) last.set(e.batchId, e.to)
    for (const id of [...TIMED, created]) if (last.has(id)) t.equal(await statusOf(app, id), last.get(id), `${id} at +${at} ms`)
  })
  t.same(again.events.map(brief), events.map(brief), 'stopping the clock more often changes nothing')
})

t.test('a batch that progresses by polls publishes each step on the GET that takes it', async (t) => {
  const events: BatchEvent[] = []
  const app = await buildApp({ clock: 'manual', startTime: START, scenario: mixed, subscribers: [(e) => events.push(e)] })
  t.teardown(() => app.close())
  const shown: string[] = []
  for (let i = 0; i < 4; i++) shown.push(await statusOf(app, 'bat-p'))
  t.same(shown, ['PENDING', 'RUNNING', 'COMPLETED', 'COMPLETED'])
  t.same(events.map(brief), [
    { type: 'batch.status_changed', batchId: 'bat-p', from: 'PENDING', to: 'RUNNING', at: 0 },
    { type: 'batch.status_changed', batchId: 'bat-p', from: 'RUNNING', to: 'COMPLETED', at: 0 }
  ])
})

t.test('under a real clock one timer publishes transitions as they fall due', async (t) => {
  const events: BatchEvent[] = []
  const app = await buildApp({ clock: 'real', speed: 1000, scenario: scenario([]), subscribers: [(e) => events.push(e)] })
  t.teardown(() => app.close())
  const id = (await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'cfg-x' } }, source_directory_id: 'dir-new' })).body.id
  // The default timeline is 1 s PENDING and 4 s RUNNING: 5 ms of wall time at speed 1000.
  const deadline = Date.now() + 5_000
  while (!events.some((e) => 'to' in e && e.to === 'COMPLETED') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
  t.same(events.filter((e) => 'to' in e).map((e) => ('to' in e ? e.to : '')), ['PENDING', 'RUNNING', 'COMPLETED'])
  t.equal(await statusOf(app, id), 'COMPLETED', 'a GET agrees')
  const completed = events.at(-1) as BatchEvent
  t.ok(completed.at <= app.mock.now(), 'published no earlier than its due time')
})

t.test('a subscriber that throws stops neither the change nor the other subscribers', async (t) => {
  const seen: string[] = []
  const app = await buildApp({
    clock: 'manual',
    startTime: START,
    scenario: scenario([{ id: 'bat-a', files: 1 }]),
    subscribers: [
      () => {
        throw new Error('boom')
      },
      (e) => seen.push(e.type)
    ]
  })
  t.teardown(() => app.close())
  await setClock(app, 60_000)
  t.equal(await statusOf(app, 'bat-a'), 'COMPLETED')
  t.same(seen, ['batch.status_changed', 'batch.status_changed'])
})

t.test('under a real clock a batch created after a quiet spell is reported once, created first', async (t) => {
  // A real clock whose elapsed time the test moves: an hour passes with nothing due.
  let elapsed = 0
  const clock = realClock(1, () => START_MS, () => elapsed)
  const events: BatchEvent[] = []
  const app = await buildApp({ clock, scenario: scenario([], { defaults: { timeline: { pending_ms: 0, running_ms: 4000 } } }), subscribers: [(e) => events.push(e)] })
  t.teardown(() => app.close())
  elapsed = 3_600_000
  await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'cfg-x' } }, source_directory_id: 'dir-new' })
  await post(app, '/_mock/batches', { id: 'bat-late', files: 1, created_ago_ms: 1_800_000, timeline: { pending_ms: 1000, running_ms: 4000 } })
  t.same(events.map((e) => `${e.type}${'to' in e ? ` ${e.from}>${e.to}` : ''} @${e.at - START_MS}`), [
    'batch.created @3600000',
    'batch.status_changed null>PENDING @3600000',
    'batch.status_changed PENDING>RUNNING @3600000',
    'batch.created @3600000',
    'batch.status_changed null>PENDING @3600000',
    'batch.status_changed PENDING>RUNNING @3600000',
    'batch.status_changed RUNNING>COMPLETED @3600000'
  ])
})

t.test('subscribers that act, or leave, while an event is delivered do not reorder or lose events', async (t) => {
  const seen: string[] = []
  let cancelled = false
  let app: FastifyInstance | undefined
  const once = (e: BatchEvent): void => {
    seen.push(`once ${e.type}`)
    unsubscribeOnce()
  }
  app = await buildApp({
    clock: 'manual',
    startTime: START,
    scenario: scenario([
      { id: 'bat-x', files: 1, timeline: { pending_ms: 1000, running_ms: 9000 } },
      { id: 'bat-y', files: 1, timeline: { pending_ms: 3000, running_ms: 9000 } }
    ]),
    subscribers: [
      (e) => {
        // Cancels bat-x (at the clock's now) when it sees it start running: the cancel's event
        // is delivered after this one, to everyone, not ahead of it.
        if (!cancelled && 'to' in e && e.batchId === 'bat-x' && e.to === 'RUNNING') {
          cancelled = true
          app!.mock.cancel('bat-x', null, {})
        }
      },
      (e) => seen.push(`${e.type} ${e.batchId}${'to' in e ? ` ${e.to}` : ''} @${e.at - START_MS}`)
    ]
  })
  t.teardown(() => app!.close())
  const unsubscribeOnce = app.mock.subscribe(once)
  await setClock(app, 4000)
  t.same(seen, [
    'batch.status_changed bat-x RUNNING @1000',
    'once batch.status_changed',
    'batch.cancel_requested bat-x @4000',
    'batch.status_changed bat-y RUNNING @3000'
  ], 'a subscriber that left after one event got one; the next subscriber got every event')
  await setClock(app, 5000)
  t.same(seen.slice(4), ['batch.status_changed bat-x CANCELLED @4500'])
})

t.test('a clock of the caller\'s own, moved directly, still publishes before the next read', async (t) => {
  const clock = manualClock(START_MS)
  const events: BatchEvent[] = []
  const app = await buildApp({ clock, scenario: scenario([{ id: 'bat-a', files: 1 }]), subscribers: [(e) => events.push(e)] })
  t.teardown(() => app.close())
  clock.advance(60_000)
  t.equal(await statusOf(app, 'bat-a'), 'COMPLETED')
  t.same(events.map((e) => ('to' in e ? e.to : e.type)), ['RUNNING', 'COMPLETED'])
})

t.test('compat mode: a batch stored when first polled is reported created', async (t) => {
  const events: BatchEvent[] = []
  const app = await buildApp({ clock: 'manual', startTime: START, mode: 'compat', scenario: scenario([], { defaults: { progression: 'polls' } }), subscribers: [(e) => events.push(e)] })
  t.teardown(() => app.close())
  const shown = [await statusOf(app, 'bat-unknown-1'), await statusOf(app, 'bat-unknown-1')]
  t.same(shown, ['PENDING', 'RUNNING'])
  t.same(events.map((e) => `${e.type}${'to' in e ? ` ${e.to}` : ''}`), ['batch.created', 'batch.status_changed PENDING', 'batch.status_changed RUNNING'])
})

t.test('under the running cap, at one instant the slot frees before the next batch takes it', async (t) => {
  const events: BatchEvent[] = []
  const app = await buildApp({
    clock: 'manual',
    startTime: START,
    scenario: scenario([], { defaults: { timeline: { pending_ms: 1000, running_ms: 10_000 }, max_running_per_project: 1, cancel_delay_ms: 500 } }),
    subscribers: [(e) => events.push(e)]
  })
  t.teardown(() => app.close())
  const body = { config: { job: { type: 'parse_v2', configuration_id: 'cfg-x' } }, source_directory_id: 'dir-x' }
  const [a, b, c] = [(await post(app, '/api/v2/batches', body)).body.id, (await post(app, '/api/v2/batches', body)).body.id, (await post(app, '/api/v2/batches', body)).body.id]
  await setClock(app, 2000)
  await post(app, `/api/v2/batches/${a}/cancel`) // b moves up: it takes a's slot at 2.5 s, c takes b's at 12.5 s
  await setClock(app, 40_000)
  const name = new Map([[a, 'a'], [b, 'b'], [c, 'c']])
  t.same(events.filter((e) => 'to' in e && e.at - START_MS >= 2500).map((e) => `${name.get(e.batchId)} ${'to' in e ? e.to : ''} @${e.at - START_MS}`), [
    'a CANCELLED @2500',
    'b RUNNING @2500',
    'b COMPLETED @12500',
    'c RUNNING @12500',
    'c COMPLETED @22500'
  ])
})

t.test('a cancel that takes effect at once (cancel_delay_ms: 0) publishes its CANCELLED, right after the request', async (t) => {
  for (const clock of ['manual', 'real'] as const) {
    const events: BatchEvent[] = []
    const app = await buildApp({
      clock,
      startTime: START,
      scenario: scenario(
        [
          { id: 'bat-run', files: 1, timeline: { pending_ms: 0, running_ms: 3_600_000 } },
          { id: 'bat-wait', files: 1, timeline: { pending_ms: 3_600_000 } },
          // Read at its last poll's step: the cancel is that step's change, no GET's.
          { id: 'bat-poll', files: 1, progression: 'polls', timeline: { pending_ms: 3_600_000 } },
          { id: 'bat-poll2', files: 1, progression: 'polls', polls_per_step: 1, timeline: { pending_ms: 1000, running_ms: 3_600_000 } }
        ],
        { defaults: { cancel_delay_ms: 0 } }
      ),
      subscribers: [(e) => events.push(e)]
    })
    t.teardown(() => app.close())
    const from = { 'bat-run': 'RUNNING', 'bat-wait': 'PENDING', 'bat-poll': 'PENDING', 'bat-poll2': 'RUNNING' }
    // bat-poll2's GETs step it to RUNNING first.
    for (let i = 0; i < 2; i++) await statusOf(app, 'bat-poll2')
    for (const [id, was] of Object.entries(from)) {
      const answer = await post(app, `/api/v2/batches/${id}/cancel`)
      t.equal(answer.body.status, 'CANCELLED', `${clock}: ${id} answered CANCELLED`)
      const mine = () => events.filter((e) => e.batchId === id && (!('to' in e) || e.to === 'CANCELLED')).map((e) => ('to' in e ? `${e.from}->${e.to}` : e.type))
      t.same(mine(), ['batch.cancel_requested', `${was}->CANCELLED`], `${clock}: ${id}'s events, once, by the time the cancel is answered`)
      t.equal(await statusOf(app, id), 'CANCELLED')
      t.equal(await statusOf(app, id), 'CANCELLED')
      t.same(mine(), ['batch.cancel_requested', `${was}->CANCELLED`], `${clock}: ${id}: GETs after it publish it again never`)
    }
  }
})
