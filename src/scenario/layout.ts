import type { BatchRecord } from '../domain/batch-record.js'
import type { BatchStore } from '../store/batch-store.js'
import type { Directories } from '../store/directories.js'
import type { ResolvedDefaults } from '../store/world.js'
import type { Faker } from '../store/seeded-faker.js'
import { ScenarioFault } from './fault.js'

/** What laying batches out needs: the seeded randomness, the defaults, where they go. */
export interface Ctx {
  /** The faker seeded for one entity of the scenario, named by `key`. */
  readonly rng: (key: string) => Faker
  readonly seed: number
  readonly epoch: number
  readonly defaults: ResolvedDefaults
  readonly directories: Directories
  readonly exclusive: boolean
  readonly store: BatchStore
  /** Puts a new batch in the store (a live world also plans it under its running cap). */
  readonly add: (record: BatchRecord) => void
}

/** Adds a batch whose id is not taken yet; a taken one is a ScenarioFault at `pointer`. */
export function addNew(ctx: Ctx, pointer: string, record: BatchRecord): void {
  if (ctx.store.has(record.id)) throw new ScenarioFault(`${pointer}/id`, `a batch id used once, but ${record.id} is already taken`)
  ctx.add(record)
}
