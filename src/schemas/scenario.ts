import { Type, type Static } from '@sinclair/typebox'
import { BatchStatusSchema, JobConfigSchema, JobTypeSchema } from './batch.js'
import { FaultRuleSchema } from './faults.js'
import { WebhookConfigurationSchema } from './batch-requests.js'
import { WebhookBehaviourSchema } from './webhooks.js'

export const MAX_FILES_PER_BATCH = 10_000
/** The most batches a scenario may lay out, listed and generated together. */
export const MAX_SCENARIO_BATCHES = 200_000
/** The most files over all of a scenario's batches (each keeps a per-file array); see scenarioBudgetFault. */
export const MAX_SCENARIO_FILES = 2_000_000

const Duration = Type.Integer({ minimum: 0, maximum: 10 * 365 * 24 * 3600 * 1000 })
const Rate = Type.Number({ minimum: 0, maximum: 1 })
const Id = Type.String({ minLength: 1, maxLength: 128 })
const Timestamp = Type.String({ format: 'date-time' })
const ResultsPolicy = Type.Union([Type.Literal('null'), Type.Literal('partial'), Type.Null()])

export const TimelineSpecSchema = Type.Object(
  {
    pending_ms: Type.Optional(Duration),
    throttled_ms: Type.Optional(Duration),
    running_ms: Type.Optional(Duration)
  },
  { additionalProperties: false }
)
export type TimelineSpec = Static<typeof TimelineSpecSchema>

export const FileSpecSchema = Type.Object(
  {
    id: Type.Optional(Id),
    name: Type.Optional(Type.String({ maxLength: 512 })),
    error: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]))
  },
  { additionalProperties: false }
)
export type FileSpec = Static<typeof FileSpecSchema>

const FilesSpec = Type.Union([
  Type.Integer({ minimum: 0, maximum: MAX_FILES_PER_BATCH }),
  Type.Array(FileSpecSchema, { maxItems: MAX_FILES_PER_BATCH })
])

export const DirectorySpecSchema = Type.Object(
  { id: Id, files: FilesSpec, file_error_rate: Type.Optional(Rate) },
  { additionalProperties: false }
)
export type DirectorySpec = Static<typeof DirectorySpecSchema>

const Progression = Type.Union([Type.Literal('time'), Type.Literal('polls'), Type.Literal('immediate')], {
  description: 'time: with the clock; polls: one status per polls_per_step GETs; immediate: straight to the outcome'
})

const BatchBehaviour = {
  progression: Type.Optional(Progression),
  polls_per_step: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  timeline: Type.Optional(TimelineSpecSchema),
  results_while_running: Type.Optional(ResultsPolicy),
  results_when_failed: Type.Optional(ResultsPolicy)
}

export const BatchSpecSchema = Type.Object(
  {
    id: Type.Optional(Id),
    project_id: Type.Optional(Id),
    source_directory_id: Type.Optional(Id),
    job: Type.Optional(JobConfigSchema),
    created_at: Type.Optional(Timestamp),
    created_ago_ms: Type.Optional(Duration),
    outcome: Type.Optional(BatchStatusSchema),
    fail_after_files: Type.Optional(Type.Integer({ minimum: 0 })),
    files: Type.Optional(FilesSpec),
    file_error_rate: Type.Optional(Rate),
    webhook_configurations: Type.Optional(Type.Union([Type.Array(WebhookConfigurationSchema, { maxItems: 64 }), Type.Null()])),
    ...BatchBehaviour
  },
  { additionalProperties: false }
)
export type BatchSpec = Static<typeof BatchSpecSchema>

export const FixtureRefSchema = Type.Object(
  { fixture: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false }
)
export type FixtureRef = Static<typeof FixtureRefSchema>

// Any subset of the six statuses; an unknown one is an error naming it.
const Weight = Type.Optional(Type.Number({ minimum: 0 }))
const Weights = Type.Object(
  { PENDING: Weight, THROTTLED: Weight, RUNNING: Weight, COMPLETED: Weight, FAILED: Weight, CANCELLED: Weight },
  { additionalProperties: false }
)

export const GenerateSpecSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 0, maximum: MAX_SCENARIO_BATCHES }),
    project_id: Type.Optional(Id),
    statuses: Type.Optional(Weights),
    files: Type.Optional(
      Type.Object(
        { min: Type.Integer({ minimum: 0, maximum: MAX_FILES_PER_BATCH }), max: Type.Integer({ minimum: 0, maximum: MAX_FILES_PER_BATCH }) },
        { additionalProperties: false }
      )
    ),
    file_error_rate: Type.Optional(Rate),
    job_types: Type.Optional(Type.Array(JobTypeSchema, { minItems: 1 })),
    configuration_ids: Type.Optional(
      Type.Object(
        { parse_v2: Type.Optional(Type.Array(Id, { minItems: 1 })), extract_v2: Type.Optional(Type.Array(Id, { minItems: 1 })) },
        { additionalProperties: false }
      )
    ),
    created_within_ms: Type.Optional(Duration),
    ...BatchBehaviour
  },
  { additionalProperties: false }
)
export type GenerateSpec = Static<typeof GenerateSpecSchema>

export const ApiKeySpecSchema = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 256 }), project_id: Id, organization_id: Type.Optional(Id) },
  { additionalProperties: false }
)
export type ApiKeySpec = Static<typeof ApiKeySpecSchema>

export const ProjectSpecSchema = Type.Object({ id: Id, organization_id: Id }, { additionalProperties: false })

/** The parse/extract jobs a batch's mapped files make (see service/jobs.ts). */
export const JobDefaultsSchema = Type.Object(
  {
    pending_ms: Type.Optional(Duration),
    running_ms: Type.Optional(Duration),
    error_rate: Type.Optional(Rate),
    page_error_rate: Type.Optional(Rate)
  },
  { additionalProperties: false }
)

export const ScenarioDefaultsSchema = Type.Object(
  {
    ...BatchBehaviour,
    cancel_delay_ms: Type.Optional(Duration),
    file_error_rate: Type.Optional(Rate),
    directory_files: Type.Optional(
      Type.Object(
        { min: Type.Integer({ minimum: 0, maximum: MAX_FILES_PER_BATCH }), max: Type.Integer({ minimum: 0, maximum: MAX_FILES_PER_BATCH }) },
        { additionalProperties: false }
      )
    ),
    project_id: Type.Optional(Id),
    max_running_per_project: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, description: 'At most this many RUNNING batches per project; the rest wait THROTTLED' })
    ),
    jobs: Type.Optional(JobDefaultsSchema),
    webhooks: Type.Optional(WebhookBehaviourSchema)
  },
  { additionalProperties: false }
)
export type ScenarioDefaults = Static<typeof ScenarioDefaultsSchema>

export const ScenarioSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
    start_time: Type.Optional(Timestamp),
    defaults: Type.Optional(ScenarioDefaultsSchema),
    api_keys: Type.Optional(Type.Array(ApiKeySpecSchema)),
    projects: Type.Optional(Type.Array(ProjectSpecSchema)),
    exclusive_directories: Type.Optional(Type.Boolean()),
    directories: Type.Optional(Type.Array(DirectorySpecSchema)),
    batches: Type.Optional(Type.Array(Type.Union([FixtureRefSchema, BatchSpecSchema]))),
    generate: Type.Optional(Type.Array(GenerateSpecSchema)),
    faults: Type.Optional(Type.Array(FaultRuleSchema))
  },
  { additionalProperties: false }
)
export type Scenario = Static<typeof ScenarioSchema>
