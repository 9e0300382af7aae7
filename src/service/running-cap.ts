import { cancelBatch } from '../domain/lifecycle.js'
import { cancelUnderCap, RunningCapQueue } from '../domain/running-cap.js'
import type { BatchRecord } from '../domain/batch-record.js'
import { canonicalId } from '../ids.js'
import type { World } from '../store/world.js'

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
  for (const [project, batches] of byProject) {
    const { queue, records } = RunningCapQueue.plan(cap, batches, now)
    world.capQueues.set(project, queue)
    records.forEach((record, i) => {
      if (record !== batches[i]) world.store.replace(record)
    })
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
  const { record, moved } = queue.add(batch, now)
  world.store.add(record)
  for (const m of moved) world.store.replace(m)
}

/** Swaps in a batch cancelled at `now`; under a running cap, waiting batches may move up. */
export function replaceBatch(world: World, batch: BatchRecord, now: number): void {
  world.store.replace(batch)
  for (const m of world.capQueues.get(canonicalId(batch.projectId))?.cancel(batch, now) ?? []) world.store.replace(m)
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
