import t from 'tap'
import { cancelBatch, statusAt } from '../../src/domain/lifecycle.js'
import type { BatchRecord } from '../../src/domain/batch-record.js'
import { TransitionScheduler, type StatusChange } from '../../src/service/scheduler.js'
import { MinHeap } from '../../src/store/min-heap.js'
import { record } from '../helper.js'

function follow(records: BatchRecord[], watermark = 0): { scheduler: TransitionScheduler; byId: Map<string, BatchRecord>; seen: string[]; drain: (until: number) => void } {
  const byId = new Map(records.map((r) => [r.id, r]))
  const scheduler = new TransitionScheduler((id) => byId.get(id), watermark)
  for (const r of records) scheduler.follow(r)
  const seen: string[] = []
  const drain = (until: number): void => scheduler.drain(until, (c: StatusChange) => seen.push(`${c.batch.id} ${c.from}>${c.to}@${c.at}`))
  return { scheduler, byId, seen, drain }
}

t.test('hands out every change once, in due order, only when the clock passes it', async (t) => {
  const a = record({ id: 'a', createdAt: 0 }) // RUNNING@1000, COMPLETED@3000
  const b = record({ id: 'b', createdAt: 500, durations: { throttled_ms: 1000 }, outcome: 'FAILED' }) // THROTTLED@1500, RUNNING@2500, FAILED@...
  const { scheduler, seen, drain } = follow([a, b])
  t.equal(scheduler.nextDue(), 500, 'b enters PENDING at its creation, which publishes nothing')
  drain(999)
  t.same(seen, [], 'nothing is due yet')
  drain(2500)
  t.same(seen, ['a PENDING>RUNNING@1000', 'b PENDING>THROTTLED@1500', 'b THROTTLED>RUNNING@2500'])
  drain(1e9)
  t.same(seen.slice(3), ['a RUNNING>COMPLETED@3000', `b RUNNING>FAILED@${b.transitions.at(-1)!.at}`])
  drain(2e9)
  t.equal(seen.length, 5, 'nothing twice')
  t.equal(scheduler.nextDue(), null)
})

t.test('every change carries the status a read at its time shows', async (t) => {
  const records = Array.from({ length: 30 }, (_, i) => record({ id: `b${i}`, createdAt: i * 137, durations: { pending_ms: (i * 71) % 900, throttled_ms: i % 3 === 0 ? 400 : 0 }, outcome: i % 4 === 0 ? 'FAILED' : 'COMPLETED' }))
  const byId = new Map(records.map((r) => [r.id, r]))
  // Started just before the first creation, so every transition is still to come.
  const scheduler = new TransitionScheduler((id) => byId.get(id), -1)
  records.forEach((r) => scheduler.follow(r))
  let last = -Infinity
  let count = 0
  for (let until = 0; until < 20_000; until += 333) {
    scheduler.drain(until, (c) => {
      t.ok(c.at >= last, 'due order')
      last = c.at
      t.equal(c.to, statusAt(c.batch, c.at))
      t.equal(c.from, statusAt(c.batch, c.at - 1))
      count++
    })
  }
  t.equal(count, records.reduce((n, r) => n + r.transitions.length - 1, 0), 'one change per transition after PENDING')
})

t.test('a replaced record is followed from the watermark on; its old plan is dropped', async (t) => {
  const a = record({ id: 'a' })
  const { scheduler, byId, seen, drain } = follow([a])
  drain(1500)
  const cancelled = cancelBatch(a, 1500, 500)
  byId.set('a', cancelled)
  scheduler.follow(cancelled)
  drain(1e9)
  t.same(seen, ['a PENDING>RUNNING@1000', 'a RUNNING>CANCELLED@2000'], 'no COMPLETED from the old plan')
})

t.test('what happened before the watermark is not handed out', async (t) => {
  const { seen, drain } = follow([record({ id: 'a' })], 2000)
  drain(1e9)
  t.same(seen, ['a RUNNING>COMPLETED@3000'])
})

t.test('the heap orders any input', async (t) => {
  const heap = new MinHeap<number>((a, b) => a < b)
  const input = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1009)
  input.forEach((n) => heap.push(n))
  const out: number[] = []
  while (heap.size > 0) out.push(heap.pop() as number)
  t.same(out, [...input].sort((a, b) => a - b))
  t.equal(heap.pop(), undefined)
})

t.test('records replaced many times over leave the heap bounded and the story intact', async (t) => {
  const records = Array.from({ length: 50 }, (_, i) => record({ id: `b${i}`, createdAt: 0, durations: { pending_ms: 1000 + (i % 5) * 10 } }))
  const byId = new Map(records.map((r) => [r.id, r]))
  const scheduler = new TransitionScheduler((id) => byId.get(id), -1)
  records.forEach((r) => scheduler.follow(r))
  // Each follow of an unchanged record leaves one stale entry: far past the compaction point.
  for (let round = 0; round < 100; round++) for (const r of records) scheduler.follow(r)
  t.ok(scheduler.entries <= 2 * records.length + 1024, `${scheduler.entries} heap entries for 50 batches after 5,000 follows`)
  const seen: string[] = []
  scheduler.drain(1e9, (c) => seen.push(`${c.batch.id} ${c.to}`))
  t.equal(seen.length, 100, 'RUNNING and COMPLETED once each for 50 batches, none lost, none twice')
  t.equal(new Set(seen).size, 100)
})
