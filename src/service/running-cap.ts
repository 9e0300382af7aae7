import { cancelBatch } from '../domain/lifecycle.js'
import { cancelUnderCap, RunningCapQueue } from '../domain/running-cap.js'
import type { BatchRecord } from '../domain/batch-record.js'
import { canonicalId } from '../ids.js'
import { MinHeap } from '../store/min-heap.js'
import type { World } from '../store/world.js'

/**
 * Under a running cap, a waiting batch's record is not stored: its planned start moves with
 * every cancel ahead of it, and rewriting every waiting record made a cancel O(k). The store
 * holds what it reads as while it waits (THROTTLED for good: exact up to its start, so the
 * status index and the transition scheduler can follow it), and answers reads with the
 * planned record the queue derives. When its start comes, `handOver` stores the planned
 * record: from then on it is a batch like any other.
 */
interface Handover {
  /** Each project queue's next start, as last pushed; stale entries are skipped when popped. */
  readonly heap: MinHeap<{ readonly at: number; readonly queue: RunningCapQueue }>
  readonly pushed: Map<RunningCapQueue, number>
  /** Records the store holds for waiting batches (each stands in for its queue's planned record). */
  readonly waiting: WeakSet<BatchRecord>
}

const handovers = new WeakMap<World, Handover>()

function handoverOf(world: World): Handover {
  let h = handovers.get(world)
  if (!h) {
    h = { heap: new MinHeap((a, b) => a.at < b.at), pushed: new Map(), waiting: new WeakSet() }
    handovers.set(world, h)
    const { waiting } = h
    // A waiting batch reads as its planned record, derived from its project's queue.
    world.store.resolveWith((stored) => (waiting.has(stored) ? (world.capQueues.get(canonicalId(stored.projectId))?.recordOf(stored.id) ?? stored) : stored))
  }
  return h
}

/** Tells the handover when `queue`'s next waiting batch starts (after any change to it). */
function schedule(world: World, queue: RunningCapQueue): void {
  const h = handoverOf(world)
  const at = queue.nextStart()
  if (h.pushed.get(queue) === at) return
  h.pushed.set(queue, at)
  if (at !== Infinity) h.heap.push({ at, queue })
  // Each change may leave a stale entry behind: past twice the queues, start afresh.
  if (h.heap.size > 2 * h.pushed.size + 1024) {
    h.heap.clear()
    for (const [q, t] of h.pushed) if (t !== Infinity) h.heap.push({ at: t, queue: q })
  }
}

/** Stores what a batch reads as: its record, or while it waits for a slot, what it reads as until then. */
function store(world: World, queue: RunningCapQueue, id: string, record: BatchRecord | null, add: boolean): void {
  const h = handoverOf(world)
  let stored = record
  if (stored === null) {
    stored = queue.waitingRecordOf(id) as BatchRecord
    h.waiting.add(stored)
  }
  if (add) world.store.add(stored)
  else world.store.replace(stored)
}

/**
 * Waiting batches whose start has come by `now` take their slots: their planned records are
 * stored, in start order. Runs before anything reads or changes the world at `now`, and before
 * transitions due by `now` are published. O(log projects) when none is due.
 */
export function handOver(world: World, now: number): void {
  const h = handovers.get(world)
  if (!h) return
  for (let top = h.heap.peek(); top !== undefined && top.at <= now; top = h.heap.peek()) {
    h.heap.pop()
    if (h.pushed.get(top.queue) !== top.at) continue
    h.pushed.delete(top.queue)
    for (const record of top.queue.commit(now)) world.store.replace(record)
    schedule(world, top.queue)
  }
}

/** When the next waiting batch of any project starts, or Infinity. */
export function nextHandover(world: World): number {
  const h = handovers.get(world)
  if (!h) return Infinity
  for (let top = h.heap.peek(); top !== undefined; top = h.heap.peek()) {
    if (h.pushed.get(top.queue) === top.at) return top.at
    h.heap.pop()
  }
  return Infinity
}

/** Plans every project of a newly laid out world under its running cap (no-op without one), at `now`. */
export function planWorld(world: World, now: number): void {
  const cap = world.defaults.maxRunningPerProject
  if (cap === null) return
  // Each project's batches in the order the scenario gave them: its arrival order.
  const byProject = new Map<string, BatchRecord[]>()
  for (const batch of world.store.values()) {
    const project = canonicalId(batch.projectId)
    const list = byProject.get(project)
    if (list) list.push(batch)
    else byProject.set(project, [batch])
  }
  handoverOf(world)
  for (const [project, batches] of byProject) {
    const { queue, records } = RunningCapQueue.plan(cap, batches, now)
    world.capQueues.set(project, queue)
    records.forEach((record, i) => {
      if (queue.waits(record.id)) store(world, queue, record.id, null, false)
      else if (record !== batches[i]) world.store.replace(record)
    })
    schedule(world, queue)
  }
}

function queueOf(world: World, projectId: string): RunningCapQueue | null {
  const cap = world.defaults.maxRunningPerProject
  if (cap === null) return null
  const project = canonicalId(projectId)
  let queue = world.capQueues.get(project)
  if (!queue) {
    queue = new RunningCapQueue(cap)
    world.capQueues.set(project, queue)
  }
  return queue
}

/** Adds a batch arriving at `now` to a live world; under a running cap it joins its project's queue. */
export function addBatch(world: World, batch: BatchRecord, now: number): void {
  const queue = queueOf(world, batch.projectId)
  if (!queue) return world.store.add(batch)
  const { record, started } = queue.join(batch, now)
  for (const s of started) world.store.replace(s)
  store(world, queue, batch.id, record, true)
  schedule(world, queue)
}

/** Swaps in a batch cancelled at `now`; under a running cap, waiting batches may move up. */
export function replaceBatch(world: World, batch: BatchRecord, now: number): void {
  const queue = world.capQueues.get(canonicalId(batch.projectId))
  if (!queue) return world.store.replace(batch)
  const started = queue.drop(batch, now)
  world.store.replace(batch)
  for (const s of started) world.store.replace(s)
  schedule(world, queue)
}

/**
 * Cancels a batch read at `at` (the clock, or its last poll step) when the clock reads `now`;
 * under a running cap a cancel never runs past the batch's planned run (cancelUnderCap).
 */
export function cancelInWorld(world: World, batch: BatchRecord, at: number, now: number): void {
  const delay = world.defaults.cancelDelayMs
  const cancelled = world.defaults.maxRunningPerProject === null ? cancelBatch(batch, at, delay) : cancelUnderCap(batch, at, delay)
  replaceBatch(world, cancelled, now)
}
