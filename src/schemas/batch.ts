import { Type, type Static } from '@sinclair/typebox'
import { BATCH_STATUSES, JOB_TYPES, type BatchStatus, type JobType } from '../domain/status.js'
import type * as Domain from '../domain/batch-record.js'

export { BATCH_STATUSES, JOB_TYPES, type BatchStatus, type JobType }

export const BatchStatusSchema = Type.Union(BATCH_STATUSES.map((s) => Type.Literal(s)), {
  description: 'Current batch status.'
})

export const JobTypeSchema = Type.Union(JOB_TYPES.map((s) => Type.Literal(s)), {
  description: 'Product job type to run for each source directory file.'
})

export const JobConfigSchema = Type.Object({
  type: JobTypeSchema,
  configuration_id: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'Product configuration ID or built-in preset ID matching the job type.'
  })
})

export const BatchConfigSchema = Type.Object(
  { job: JobConfigSchema },
  { description: 'Batch configuration snapshot.' }
)
export type BatchConfig = Static<typeof BatchConfigSchema>

export const JobReferenceSchema = Type.Object(
  { type: JobTypeSchema, id: Type.String({ description: 'Job ID, such as a parse job ID.' }) },
  { description: 'Reference to a job produced by a batch.' }
)
export type JobReference = Static<typeof JobReferenceSchema>

export const BatchResultSchema = Type.Object(
  {
    source_directory_file_id: Type.String(),
    job_reference: Type.Union([JobReferenceSchema, Type.Null()]),
    error_message: Type.Union([Type.String(), Type.Null()])
  },
  { description: 'Result projection for one source directory file in a batch.' }
)
export type BatchResult = Static<typeof BatchResultSchema>

export const BatchSchema = Type.Object(
  {
    id: Type.String({ description: 'Unique identifier' }),
    project_id: Type.String({ description: 'Project this batch belongs to.' }),
    source_directory_id: Type.String({ description: 'Directory being processed.' }),
    config: BatchConfigSchema,
    status: BatchStatusSchema,
    created_at: Type.String({ format: 'date-time', description: 'Creation datetime' }),
    updated_at: Type.String({ format: 'date-time', description: 'Update datetime' }),
    results: Type.Union([Type.Array(BatchResultSchema), Type.Null()], {
      description: 'Expanded per-file result mappings. Null unless requested with expand=results, or while the batch is still running.'
    })
  },
  { description: 'A top-level batch.' }
)
export type Batch = Static<typeof BatchSchema>

// The wire schemas and the domain's vocabulary describe one shape: a drift fails the build.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const sameShape: [Same<Batch, Domain.Batch>, Same<BatchResult, Domain.BatchResult>, Same<BatchConfig, Domain.BatchConfig>] = [true, true, true]
void sameShape
