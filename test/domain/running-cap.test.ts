import t from 'tap'
import { scheduleUnderCap } from '../../src/domain/running-cap.js'
import { statusAt } from '../../src/domain/lifecycle.js'
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
