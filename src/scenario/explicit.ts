import type { BatchSpec } from '../schemas/scenario.js'
import { listedDirectory, type Directory } from '../domain/directory.js'
import { derivedDirectory } from '../store/derived-directory.js'
import type { Faker } from '../store/seeded-faker.js'
import { filesFromSpec, prefixedId } from './generate.js'
import { buildRecord } from './records.js'
import { behaviourOf } from './defaults.js'
import { ScenarioFault } from './fault.js'
import { addNew, type Ctx } from './layout.js'

/** The directory a batch runs over: declared, inline, or derived from its id. */
export function directoryFor(ctx: Ctx, f: Faker, spec: BatchSpec, pointer: string): Directory {
  const errorRate = spec.file_error_rate ?? ctx.defaults.fileErrorRate
  const id = spec.source_directory_id ?? prefixedId(f, 'dir')
  if (spec.files !== undefined) {
    const dir = typeof spec.files === 'number' ? derivedDirectory(ctx.seed, id, spec.files, errorRate) : listedDirectory(id, filesFromSpec(f, spec.files, errorRate))
    return ctx.directories.declare(dir)
  }
  const known = ctx.directories.get(id)
  if (known) return known
  if (ctx.exclusive && spec.source_directory_id !== undefined) {
    throw new ScenarioFault(`${pointer}/source_directory_id`, `a directory declared under /directories (exclusive_directories is true), got ${id}`)
  }
  return ctx.directories.declare(ctx.directories.derive(id, errorRate))
}

/** A batch the scenario describes one by one; returns its id. */
export function specifiedBatch(ctx: Ctx, spec: BatchSpec, pointer: string, rngKey = `batch:${pointer}`): string {
  const f = ctx.rng(rngKey)
  const id = spec.id ?? prefixedId(f, 'bat')
  const dir = directoryFor(ctx, f, spec, pointer)
  const record = buildRecord(
    {
      id,
      projectId: spec.project_id ?? ctx.defaults.projectId,
      sourceDirectoryId: dir.id,
      config: { job: spec.job ?? { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } },
      createdAt: spec.created_at !== undefined ? Date.parse(spec.created_at) : ctx.epoch - (spec.created_ago_ms ?? 0),
      outcome: spec.outcome ?? 'COMPLETED',
      durations: { ...ctx.defaults.timeline, ...spec.timeline },
      directory: dir,
      failAfterFiles: spec.fail_after_files,
      ...(spec.webhook_configurations != null && { webhooks: { webhook_configurations: spec.webhook_configurations } }),
      ...behaviourOf(spec, ctx.defaults)
    },
    ctx.seed
  )
  addNew(ctx, pointer, record)
  return id
}
