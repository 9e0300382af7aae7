import type { BatchStatus, JobType } from '../schemas/batch.js'
import type { GenerateSpec } from '../schemas/scenario.js'
import type { Outcome, TimelineDurations } from '../domain/timeline.js'
import { derivedDirectory } from '../store/derived-directory.js'
import type { Faker } from '../store/seeded-faker.js'
import { DEFAULT_CONFIGURATION_IDS, DEFAULT_STATUS_WEIGHTS, prefixedId } from './generate.js'
import { buildRecord } from './records.js'
import { behaviourOf } from './defaults.js'
import { ScenarioFault } from './fault.js'
import { addNew, type Ctx } from './layout.js'

const SECOND = 1000
const MINUTE = 60 * SECOND

/**
 * Durations and a creation time that put a batch in `status` at the epoch, then let it
 * carry on to a natural end — so under a real clock a RUNNING batch really completes.
 */
export function placeInTime(f: Faker, status: BatchStatus, epoch: number, within: number): { createdAt: number; durations: TimelineDurations; outcome: Outcome } {
  const pending = f.number.int({ min: 500, max: 5 * SECOND })
  switch (status) {
    case 'PENDING': {
      const age = f.number.int({ min: 0, max: 20 * SECOND })
      return { createdAt: epoch - age, durations: { pending_ms: age + f.number.int({ min: 30 * SECOND, max: 5 * MINUTE }), throttled_ms: 0, running_ms: f.number.int({ min: 10 * SECOND, max: 5 * MINUTE }) }, outcome: 'COMPLETED' }
    }
    case 'THROTTLED': {
      const age = f.number.int({ min: pending + SECOND, max: pending + 2 * MINUTE })
      return { createdAt: epoch - age, durations: { pending_ms: pending, throttled_ms: age - pending + f.number.int({ min: MINUTE, max: 10 * MINUTE }), running_ms: f.number.int({ min: 10 * SECOND, max: 5 * MINUTE }) }, outcome: 'COMPLETED' }
    }
    case 'RUNNING': {
      const age = f.number.int({ min: pending + SECOND, max: pending + 10 * MINUTE })
      const outcome = f.number.int({ min: 1, max: 10 }) === 1 ? 'FAILED' : 'COMPLETED'
      return { createdAt: epoch - age, durations: { pending_ms: pending, throttled_ms: 0, running_ms: age - pending + f.number.int({ min: MINUTE, max: 30 * MINUTE }) }, outcome }
    }
    default: {
      const running = f.number.int({ min: 5 * SECOND, max: 20 * MINUTE })
      const throttled = f.number.int({ min: 1, max: 5 }) === 1 ? f.number.int({ min: 10 * SECOND, max: 10 * MINUTE }) : 0
      const total = pending + throttled + running
      const age = total + f.number.int({ min: MINUTE, max: Math.max(within - total, MINUTE + 1) })
      return { createdAt: epoch - age, durations: { pending_ms: pending, throttled_ms: throttled, running_ms: running }, outcome: status }
    }
  }
}

/** The `count` batches one `generate:` entry asks for, from one seeded sequence. */
export function generatedBatches(ctx: Ctx, spec: GenerateSpec, pointer: string): void {
  const weights = spec.statuses ?? DEFAULT_STATUS_WEIGHTS
  const choices = (Object.entries(weights) as [string, number][]).filter(([, w]) => w > 0).map(([value, weight]) => ({ value: value as BatchStatus, weight }))
  if (choices.length === 0) throw new ScenarioFault(`${pointer}/statuses`, 'at least one status with a weight above 0')
  const files = spec.files ?? { min: 1, max: 40 }
  if (files.min > files.max) throw new ScenarioFault(`${pointer}/files`, `min (${files.min}) <= max (${files.max})`)
  const jobTypes: readonly JobType[] = spec.job_types ?? ['parse_v2', 'extract_v2']
  const errorRate = spec.file_error_rate ?? ctx.defaults.fileErrorRate
  // One seeded sequence for the whole list: reseeding costs more than drawing a batch.
  const f = ctx.rng(pointer)
  for (let i = 0; i < spec.count; i++) {
    const status = f.helpers.weightedArrayElement(choices)
    const type = f.helpers.arrayElement(jobTypes)
    const configurationId = f.helpers.arrayElement(spec.configuration_ids?.[type] ?? DEFAULT_CONFIGURATION_IDS[type])
    // Most directories are small, a few run to the maximum: u³ skews toward `min`.
    const count = files.min + Math.floor((files.max - files.min + 1) * f.number.float({ min: 0, max: 1 }) ** 3)
    const dir = ctx.directories.declare(derivedDirectory(ctx.seed, prefixedId(f, 'dir'), Math.min(count, files.max), errorRate))
    const placed = placeInTime(f, status, ctx.epoch, spec.created_within_ms ?? 7 * 24 * 60 * MINUTE)
    const id = prefixedId(f, 'bat')
    const record = buildRecord(
      {
        id,
        projectId: spec.project_id ?? ctx.defaults.projectId,
        sourceDirectoryId: dir.id,
        config: { job: { type, configuration_id: configurationId } },
        ...placed,
        directory: dir,
        ...behaviourOf(spec, ctx.defaults)
      },
      ctx.seed
    )
    addNew(ctx, pointer, record)
  }
}
