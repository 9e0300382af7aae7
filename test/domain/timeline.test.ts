import t from 'tap'
import { buildTimeline } from '../../src/domain/timeline.js'

const d = { pending_ms: 1000, throttled_ms: 0, running_ms: 3000 }

t.test('COMPLETED maps every file evenly, the last as the batch ends', async (t) => {
  const { transitions, mappedAt } = buildTimeline(0, d, 'COMPLETED', 3)
  t.same(transitions, [
    { status: 'PENDING', at: 0 },
    { status: 'RUNNING', at: 1000 },
    { status: 'COMPLETED', at: 4000 }
  ])
  t.same(mappedAt, [2000, 3000, 4000])
})

t.test('THROTTLED appears only when it lasts', async (t) => {
  t.same(buildTimeline(0, { ...d, throttled_ms: 500 }, 'COMPLETED', 0).transitions.map((x) => [x.status, x.at]), [
    ['PENDING', 0],
    ['THROTTLED', 1000],
    ['RUNNING', 1500],
    ['COMPLETED', 4500]
  ])
})

t.test('FAILED stops after fail_after_files', async (t) => {
  const { transitions, mappedAt } = buildTimeline(0, d, 'FAILED', 4, 1)
  t.same(mappedAt, [1750, Infinity, Infinity, Infinity])
  t.same(transitions.at(-1), { status: 'FAILED', at: 2500 })
})

t.test('a non-terminal outcome is where the batch stays', async (t) => {
  t.same(buildTimeline(0, d, 'PENDING', 2).transitions.map((x) => x.status), ['PENDING'])
  t.same(buildTimeline(0, d, 'THROTTLED', 2).transitions.map((x) => x.status), ['PENDING', 'THROTTLED'])
  const running = buildTimeline(0, d, 'RUNNING', 4)
  t.same(running.transitions.map((x) => x.status), ['PENDING', 'RUNNING'])
  t.same(running.mappedAt.filter(Number.isFinite).length, 2)
})

t.test('CANCELLED keeps the files mapped by mid-run', async (t) => {
  const { transitions, mappedAt } = buildTimeline(0, d, 'CANCELLED', 4)
  t.same(transitions.at(-1), { status: 'CANCELLED', at: 2500 })
  t.same(mappedAt, [1750, 2500, Infinity, Infinity])
})
