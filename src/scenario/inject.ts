import type { BatchSpec } from '../schemas/scenario.js'
import type { BatchRecord } from '../domain/timeline.js'
import { hashSeed } from '../ids.js'
import type { World } from '../store/world.js'
import { addBatch } from '../store/running-cap.js'
import { seededFaker } from '../store/seeded-faker.js'
import { specifiedBatch } from './explicit.js'
import type { Ctx } from './layout.js'

/**
 * Adds one batch described like a scenario batch to a live world, laid out at `now`
 * (its `created_ago_ms` counts back from there). Throws ScenarioFault like a scenario would.
 */
export function injectBatch(world: World, spec: BatchSpec, now: number): BatchRecord {
  const ctx: Ctx = {
    rng: (key) => seededFaker(hashSeed(world.seed, key)),
    seed: world.seed,
    epoch: now,
    defaults: world.defaults,
    directories: world.directories,
    exclusive: world.exclusiveDirectories,
    store: world.store,
    add: (record) => addBatch(world, record, now)
  }
  const id = specifiedBatch(ctx, spec, '', `inject:${world.store.size}`)
  return world.store.get(id) as BatchRecord
}
