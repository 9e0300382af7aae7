import { scheduleUnderCap } from '../domain/running-cap.js'
import type { BatchRecord } from '../domain/timeline.js'
import type { World } from './world.js'

/** Re-plans one project under the world's running cap (no-op without one). */
export function reschedule(world: World, projectId: string): void {
  const cap = world.defaults.maxRunningPerProject
  if (cap === null) return
  // A cancelled batch is fixed as it is; the others are planned from their natural timelines.
  const batches = world.store.inProject(projectId).map((b) => (b.cancelRequestedAt !== null ? b : (world.natural.get(b.id) ?? b)))
  for (const planned of scheduleUnderCap(batches, cap, (b) => world.natural.get(b.id) ?? b)) world.store.replace(planned)
}

/** Adds a batch to a live world, planning its project again under a running cap. */
export function addBatch(world: World, batch: BatchRecord): void {
  world.store.add(batch)
  if (world.defaults.maxRunningPerProject === null) return
  world.natural.set(batch.id, batch)
  reschedule(world, batch.projectId)
}

/** Swaps in a changed batch (a cancellation), planning its project again. */
export function replaceBatch(world: World, batch: BatchRecord): void {
  world.store.replace(batch)
  reschedule(world, batch.projectId)
}
