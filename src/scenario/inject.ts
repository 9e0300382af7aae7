import type { BatchSpec } from '../schemas/scenario.js'
import type { BatchRecord } from '../domain/batch-record.js'
import { hashSeed } from '../ids.js'
import type { World } from '../store/world.js'
import { seededFaker } from '../store/seeded-faker.js'
import { specifiedBatch } from './explicit.js'
import type { Ctx } from './layout.js'

/**
 * Lays out one batch described like a scenario batch for a live world at `now` (its
 * `created_ago_ms` counts back from there) and hands it to `add`: the service's, which plans
 * it under the running cap. Throws ScenarioFault like a scenario would.
 */
export function injectBatch(world: World, spec: BatchSpec, now: number, add: (record: BatchRecord) => void): BatchRecord {
  const ctx: Ctx = {
    rng: (key) => seededFaker(hashSeed(world.seed, key)),
    seed: world.seed,
    epoch: now,
    defaults: world.defaults,
    directories: world.directories,
    exclusive: world.exclusiveDirectories,
    store: world.store,
    add
  }
  const id = specifiedBatch(ctx, spec, '', `inject:${world.store.size}`)
  return world.store.get(id) as BatchRecord
}
