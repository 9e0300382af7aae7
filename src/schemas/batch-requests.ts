import { Type, type Static } from '@sinclair/typebox'
import { BatchConfigSchema, BatchSchema, BatchStatusSchema } from './batch.js'
import { DateTimeQuery } from './datetime-query.js'

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
// LlamaCloud documents these query ids as UUIDs, but answers carry them with a prefix
// (`prj-<uuid>`); accepting both lets a client send back the id it was given.
export const PROJECT_ID_PATTERN = `^(prj-)?${UUID}$`
export const ORGANIZATION_ID_PATTERN = `^(org-)?${UUID}$`
export const UUID_PATTERNS: ReadonlySet<string> = new Set([PROJECT_ID_PATTERN, ORGANIZATION_ID_PATTERN])

export const MAX_EXPAND_VALUES = 16
export const MAX_ID_LENGTH = 128

const TenancyQuery = {
  organization_id: Type.Optional(Type.String({ pattern: ORGANIZATION_ID_PATTERN })),
  project_id: Type.Optional(Type.String({ pattern: PROJECT_ID_PATTERN }))
}

export const BatchIdParamsSchema = Type.Object({
  batch_id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH })
})
export type BatchIdParams = Static<typeof BatchIdParamsSchema>

export const GetBatchQuerySchema = Type.Object({
  expand: Type.Optional(
    Type.Array(Type.String({ maxLength: 64 }), {
      maxItems: MAX_EXPAND_VALUES,
      description: 'Fields to expand. Supported value: results.'
    })
  ),
  ...TenancyQuery
})
export type GetBatchQuery = Static<typeof GetBatchQuerySchema>

export const TenancyQuerySchema = Type.Object(TenancyQuery)
export type TenancyQuery = Static<typeof TenancyQuerySchema>

export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

export const ListBatchesQuerySchema = Type.Object({
  page_size: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `Maximum number of items to return (default ${DEFAULT_PAGE_SIZE})` })
  ),
  page_token: Type.Optional(Type.String({ maxLength: 512, description: 'Token for retrieving next page' })),
  status: Type.Optional(BatchStatusSchema),
  source_directory_id: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH })),
  created_at_on_or_after: Type.Optional(DateTimeQuery('Batches created at or after')),
  created_at_on_or_before: Type.Optional(DateTimeQuery('Batches created at or before')),
  ...TenancyQuery
})
export type ListBatchesQuery = Static<typeof ListBatchesQuerySchema>

export const BatchListSchema = Type.Object({
  items: Type.Array(BatchSchema),
  next_page_token: Type.Union([Type.String(), Type.Null()])
})
export type BatchList = Static<typeof BatchListSchema>

export const WebhookConfigurationSchema = Type.Object({
  webhook_url: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
  webhook_events: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }), Type.Null()])),
  webhook_headers: Type.Optional(
    Type.Union([Type.Record(Type.String(), Type.String({ maxLength: 4096 }), { maxProperties: 64 }), Type.Null()])
  ),
  webhook_output_format: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  webhook_signing_secret: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]))
})

export const CreateBatchBodySchema = Type.Object({
  config: BatchConfigSchema,
  source_directory_id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
  webhook_configuration_ids: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: MAX_ID_LENGTH }), { maxItems: 64 }), Type.Null()])
  ),
  webhook_configurations: Type.Optional(Type.Union([Type.Array(WebhookConfigurationSchema, { maxItems: 64 }), Type.Null()]))
})
export type CreateBatchBody = Static<typeof CreateBatchBodySchema>
