import t from 'tap'
import fc from 'fast-check'
import { cancelUnderCap, RunningCapQueue, scheduleUnderCap } from '../../src/domain/running-cap.js'
import { cancelBatch, statusAt } from '../../src/domain/lifecycle.js'
import { readTimeOf } from '../../src/domain/progression.js'
import { isTerminal } from '../../src/domain/status.js'
import type { BatchRecord } from '../../src/domain/batch-record.js'
import type { BatchStatus } from '../../src/schemas/batch.js'
import { record } from '../helper.js'

const batch = (id: string, createdAt: number, runningMs: number, outcome: BatchStatus = 'COMPLETED'): BatchRecord =>
  record({ id, createdAt, durations: { running_ms: runningMs }, outcome, files: 2 })
const timeline = (b: BatchRecord) => b.transitions.map((tr) => `${tr.status}@${tr.at}`)

t.test('cap 1: the second batch waits THROTTLED, then runs its whole course later', async (t) => {
  const [a, b] = scheduleUnderCap([batch('a', 0, 10_000), batch('b', 2000, 4000)], 1)
  t.same(timeline(a!), ['PENDING@0', 'RUNNING@1000', 'COMPLETED@11000'], 'the first is untouched')
  t.same(timeline(b!), ['PENDING@2000', 'THROTTLED@3000', 'RUNNING@11000', 'COMPLETED@15000'])
  t.same(Array.from(b!.mappedAt), [13000, 15000], 'its files map that much later too')
  t.equal(statusAt(b!, 10_999), 'THROTTLED')
})

t.test('a cap of 2 lets two run; the third takes the first slot to free', async (t) => {
  const out = scheduleUnderCap([batch('a', 0, 5000), batch('b', 0, 9000), batch('c', 100, 1000)], 2)
  t.same(timeline(out[2]!), ['PENDING@100', 'THROTTLED@1100', 'RUNNING@6000', 'COMPLETED@7000'])
})

t.test('cancelled batches hold their slot until the cancel took effect; stuck ones for good', async (t) => {
  const cancelled = record({ id: 'a', durations: { running_ms: 10_000 }, transitions: [{ status: 'PENDING', at: 0 }, { status: 'RUNNING', at: 1000 }, { status: 'CANCELLED', at: 3000 }], cancelRequestedAt: 2500 })
  t.same(timeline(scheduleUnderCap([cancelled, batch('b', 500, 1000)], 1)[1]!), ['PENDING@500', 'THROTTLED@1500', 'RUNNING@3000', 'COMPLETED@4000'])
  // b queued first (natural start 1.5 s) but waited for a; c queued after b: it gets b's slot when b's cancel took effect.
  const a = batch('a', 0, 4000)
  const bNatural = batch('b', 500, 4000)
  const bCancelled = record({ id: 'b', createdAt: 500, durations: { running_ms: 4000 }, transitions: [{ status: 'PENDING', at: 500 }, { status: 'THROTTLED', at: 1500 }, { status: 'RUNNING', at: 5000 }, { status: 'CANCELLED', at: 5100 }], cancelRequestedAt: 5000 })
  const c = scheduleUnderCap([a, bCancelled, batch('c', 501, 4000)], 1, (x) => (x.id === 'b' ? bNatural : x))[2]!
  t.same(timeline(c), ['PENDING@501', 'THROTTLED@1501', 'RUNNING@5100', 'COMPLETED@9100'], 'the queue order survives a cancellation')
  const stuck = scheduleUnderCap([batch('a', 0, 1000, 'RUNNING'), batch('b', 500, 1000)], 1)[1]!
  t.same(timeline(stuck), ['PENDING@500', 'THROTTLED@1500'])
  t.equal(statusAt(stuck, 1e12), 'THROTTLED', 'never gets a slot')
  t.ok(Array.from(stuck.mappedAt).every((at) => at === Infinity))
})

t.test('batches that would start together run in the order given', async (t) => {
  const input = [batch('a', 0, 3000), batch('b', 0, 3000), batch('c', 0, 3000)]
  const runs = (out: BatchRecord[]) => Object.fromEntries(out.map((b) => [b.id, b.transitions.find((tr) => tr.status === 'RUNNING')?.at]))
  t.same(runs(scheduleUnderCap(input, 1)), { a: 1000, b: 4000, c: 7000 })
  t.same(runs(scheduleUnderCap([...input].reverse(), 1)), { c: 1000, b: 4000, a: 7000 }, 'arrival order, not ids')
})

const polls = { kind: 'polls', every: 1 } as const
/**
 * A queue and every batch's record as the service reads it: what join and drop answer (batches
 * that took their slots), and for each batch still waiting the planned record the queue derives.
 */
function tracked(cap: number) {
  const q = new RunningCapQueue(cap)
  const recs = new Map<string, BatchRecord>()
  const keep = (rs: readonly BatchRecord[]) => rs.forEach((r) => recs.set(r.id, r))
  const refresh = () => {
    for (const id of recs.keys()) if (q.waits(id)) recs.set(id, q.recordOf(id) as BatchRecord)
  }
  return {
    recs,
    add(r: BatchRecord, now: number): BatchRecord {
      const { record: rec, started } = q.join(r, now)
      keep(started)
      recs.set(r.id, rec ?? (q.recordOf(r.id) as BatchRecord))
      refresh()
      return recs.get(r.id) as BatchRecord
    },
    /** Swaps in `c`, the batch cancelled at `now`. */
    cancelled(c: BatchRecord, now: number): BatchRecord {
      keep(q.drop(c, now))
      recs.set(c.id, c)
      refresh()
      return c
    }
  }
}
function world(cap: number) {
  const w = tracked(cap)
  return {
    recs: w.recs,
    add: w.add,
    cancel: (id: string, at: number, delay: number, now: number) => w.cancelled(cancelUnderCap(w.recs.get(id) as BatchRecord, at, delay), now),
    runningAt: (t: number) => [...w.recs.values()].filter((r) => statusAt(r, t) === 'RUNNING').map((r) => r.id)
  }
}

t.test('polls: a waiting batch read RUNNING ahead of the clock and cancelled keeps its slot from a late arrival', async (t) => {
  const w = world(1)
  w.add(record({ id: 'a', durations: { pending_ms: 1000, running_ms: 1000 }, progression: polls }), 0)
  t.same(timeline(w.add(record({ id: 'b', durations: { pending_ms: 1000, running_ms: 4000 }, progression: polls }), 0)), ['PENDING@0', 'THROTTLED@1000', 'RUNNING@2000', 'COMPLETED@6000'])
  w.cancel('b', 2000, 3000, 0) // its third GET read RUNNING at 2 s; the clock is at 0
  w.cancel('a', 0, 0, 0)
  const c = w.add(record({ id: 'c', createdAt: -2000, durations: { pending_ms: 1000, running_ms: 7000 }, progression: polls }), 100)
  t.same(timeline(c), ['PENDING@-2000', 'THROTTLED@-1000', 'RUNNING@5000', 'COMPLETED@12000'], 'c waits for b\'s cancel to take effect')
  for (const at of [-1000, 2000, 4999, 5000, 11_999]) t.ok(w.runningAt(at).length <= 1, `one RUNNING at ${at}: ${w.runningAt(at).join()}`)
})

t.test('under a cap, a cancel never makes a run longer than planned: the slot is promised on', async (t) => {
  const w = world(1)
  w.add(record({ id: 'x', durations: { pending_ms: 0, running_ms: 3000 } }), 0)
  t.same(timeline(w.add(record({ id: 'b', durations: { pending_ms: 0, running_ms: 4000 }, progression: polls }), 0)), ['PENDING@0', 'THROTTLED@0', 'RUNNING@3000', 'COMPLETED@7000'])
  w.cancel('b', 3000, 500, 0) // read RUNNING at 3 s ahead of the clock: it runs 3–3.5 s
  t.same(timeline(w.cancel('x', 2900, 1000, 2900)), ['PENDING@0', 'RUNNING@0', 'CANCELLED@3000'], 'x is cancelled when its run would have ended, not at 3.9 s')
  t.same(timeline(cancelBatch(record({ id: 'y', durations: { pending_ms: 0, running_ms: 3000 } }), 2900, 1000)), ['PENDING@0', 'RUNNING@0', 'CANCELLED@3900'], 'without a cap the delay counts in full')
  t.same(w.runningAt(3000), ['b'])
})

t.test('a fixed waiter at the head takes its slot at once: a batch behind it that started keeps its start', async (t) => {
  const w = world(2)
  w.add(record({ id: 'x1', durations: { pending_ms: 0, running_ms: 1000 }, outcome: 'RUNNING' }), 0)
  w.add(record({ id: 'x2', durations: { pending_ms: 0, running_ms: 10_000 } }), 0)
  t.same(timeline(w.add(record({ id: 'b', durations: { pending_ms: 1000, running_ms: 4000 }, progression: polls }), 0)), ['PENDING@0', 'THROTTLED@1000', 'RUNNING@10000', 'COMPLETED@14000'])
  w.add(record({ id: 'd', durations: { pending_ms: 1000, running_ms: 4000 } }), 0)
  w.add(record({ id: 'e', durations: { pending_ms: 1000, running_ms: 4000 } }), 0)
  w.cancel('b', 10_000, 500, 0) // read RUNNING at 10 s ahead of the clock
  w.cancel('x1', 1000, 0, 1000)
  w.cancel('x2', 2000, 0, 2000)
  const d = statusAt(w.recs.get('d') as BatchRecord, 2500)
  t.equal(d, 'RUNNING', 'd runs at 2.5 s')
  w.cancel('e', 3000, 0, 3000) // a re-plan at 3 s
  t.equal(statusAt(w.recs.get('d') as BatchRecord, 2500), d, 'what was readable at 2.5 s still is')
  for (const at of [1000, 2500, 10_000, 10_499]) t.ok(w.runningAt(at).length <= 2, `at most two RUNNING at ${at}`)
})

type Op = { kind: 'add'; ago: number; pending: number; running: number; polls: boolean; stuck: boolean } | { kind: 'cancel'; pick: number } | { kind: 'poll'; pick: number; times: number; cancel: boolean } | { kind: 'advance'; ms: number }
/** Times on a 500 ms grid, so that starts, ends and cancels often meet. */
const grid = (n: number) => fc.integer({ min: 0, max: n }).map((k) => k * 500)
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), ago: grid(16), pending: grid(6), running: grid(12).map((ms) => ms + 1), polls: fc.boolean(), stuck: fc.constantFrom(false, false, false, false, true) }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('poll' as const), pick: fc.nat({ max: 7 }), times: fc.integer({ min: 1, max: 4 }), cancel: fc.boolean() }),
  fc.record({ kind: fc.constant('advance' as const), ms: grid(6) })
)
function overlap(recs: Iterable<BatchRecord>): number {
  const ev: [number, number][] = []
  for (const r of recs) {
    const i = r.transitions.findIndex((tr) => tr.status === 'RUNNING')
    if (i === -1) continue
    const s = r.transitions[i]!.at
    const e = r.transitions[i + 1]?.at ?? Infinity
    if (e > s) ev.push([s, 1], [e, -1])
  }
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let n = 0, max = 0
  for (const [, d] of ev) { n += d; max = Math.max(max, n) }
  return max
}
t.test('property: under polls, cancels of waiting batches and late arrivals the cap holds and nothing read at the clock changes', async (t) => {
  let runs = 0
  fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), grid(4), fc.array(op, { minLength: 1, maxLength: 20 }), (cap, delay, ops) => {
    runs++
    const w = tracked(cap)
    const recs = w.recs
    const pollsOf = new Map<string, number>()
    const ids: string[] = []
    const seen: { id: string; at: number; clock: number; status: string }[] = []
    let now = 0
    const cancelled = new Map<string, BatchRecord>()
    const readTime = (b: BatchRecord) => b.progression.kind === 'time' ? now : readTimeOf(b, now, Math.max((pollsOf.get(b.id) ?? 0) - 1, 0))
    for (const [i, o] of ops.entries()) {
      if (o.kind === 'advance') now += o.ms
      if (o.kind === 'add') {
        const id = `b${i}`
        const r = record({ id, createdAt: now - o.ago, durations: { pending_ms: o.pending, running_ms: o.running }, outcome: o.stuck ? 'RUNNING' : 'COMPLETED', progression: o.polls ? { kind: 'polls', every: 1 } : { kind: 'time' } })
        w.add(r, now)
        ids.push(id)
      }
      if ((o.kind === 'cancel' || o.kind === 'poll') && ids.length > 0) {
        const id = ids[o.pick % ids.length]!
        const b = recs.get(id)!
        if (o.kind === 'poll') {
          for (let k = 0; k < o.times; k++) {
            const p = pollsOf.get(id) ?? 0
            pollsOf.set(id, p + 1)
            if (b.progression.kind === 'polls') { const at = readTimeOf(b, now, p); seen.push({ id, at, clock: now, status: statusAt(b, at) }) }
          }
        }
        if (o.kind === 'cancel' || o.cancel) {
          const at = readTime(b)
          if (!isTerminal(statusAt(b, at)) && b.cancelRequestedAt === null) {
            cancelled.set(id, w.cancelled(cancelUnderCap(b, at, delay), now))
          }
        }
      }
      for (const r of recs.values()) if (r.progression.kind === 'time') seen.push({ id: r.id, at: now, clock: now, status: statusAt(r, now) })
      const max = overlap(recs.values())
      if (max > cap) throw new Error(`step ${i}: ${max} RUNNING over cap ${cap}`)
      for (const [id, c] of cancelled) if (recs.get(id) !== c) throw new Error(`step ${i}: cancelled ${id} was planned again`)
      for (const s of seen) {
        const r = recs.get(s.id)!
        if (s.at <= s.clock && s.at !== r.cancelRequestedAt && statusAt(r, s.at) !== s.status) throw new Error(`step ${i}: ${s.id} read ${s.status} at ${s.at}, now ${statusAt(r, s.at)}`)
      }
    }
  }), { seed: 3, numRuns: 12_000 })
  t.equal(runs, 12_000)
})
