import { Type, type Static } from '@sinclair/typebox'
import { JOB_STATUSES } from '../domain/job.js'
import { DEFAULT_PAGE_SIZE, MAX_EXPAND_VALUES, MAX_ID_LENGTH, MAX_PAGE_SIZE, TenancyQuerySchema } from './batch-requests.js'
import { DateTimeQuery } from './datetime-query.js'

/** `job_ids` values a list accepts at most. */
export const MAX_JOB_IDS = 100

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const Timestamp = Type.String({ format: 'date-time' })

export const JobStatusSchema = Type.Union(JOB_STATUSES.map((s) => Type.Literal(s)), { description: 'Current job status' })

export const JobIdParamsSchema = Type.Object({ job_id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }) })

const Expand = (values: string) =>
  Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: MAX_EXPAND_VALUES, description: `Fields to include. The mock fills: ${values}; others are ignored.` }))

export const GetParseJobQuerySchema = Type.Object({
  expand: Expand('text, markdown, items, metadata, usage'),
  image_filenames: Type.Optional(Type.String({ maxLength: 1024 })),
  ...TenancyQuerySchema.properties
})

export const GetExtractJobQuerySchema = Type.Object({ expand: Expand('extract_metadata, usage'), ...TenancyQuerySchema.properties })

const ListQuery = {
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `Maximum number of items to return (default ${DEFAULT_PAGE_SIZE})` })),
  page_token: Type.Optional(Type.String({ maxLength: 512, description: 'Token for retrieving next page' })),
  created_at_on_or_after: Type.Optional(DateTimeQuery('Jobs created at or after')),
  created_at_on_or_before: Type.Optional(DateTimeQuery('Jobs created at or before')),
  job_ids: Type.Optional(Type.Array(Type.String({ maxLength: MAX_ID_LENGTH }), { maxItems: MAX_JOB_IDS, description: 'Only these jobs' })),
  ...TenancyQuerySchema.properties
}

export const ListParseJobsQuerySchema = Type.Object({ ...ListQuery, status: Type.Optional(JobStatusSchema) })
export type ListParseJobsQuery = Static<typeof ListParseJobsQuerySchema>

export const ListExtractJobsQuerySchema = Type.Object({
  ...ListQuery,
  status: Type.Optional(Type.Union([...JOB_STATUSES, 'THROTTLED' as const].map((s) => Type.Literal(s)))),
  configuration_id: Type.Optional(Type.String({ maxLength: 200 })),
  document_input_type: Type.Optional(Type.String({ maxLength: 64 })),
  document_input_value: Type.Optional(Type.String({ maxLength: MAX_ID_LENGTH, description: 'Deprecated: use file_input' })),
  file_input: Type.Optional(Type.String({ maxLength: MAX_ID_LENGTH })),
  expand: Expand('extract_metadata, usage')
})
export type ListExtractJobsQuery = Static<typeof ListExtractJobsQuerySchema>

const Usage = Type.Object({ credits: Type.Optional(Nullable(Type.Number())) }, { description: 'Usage recorded against a job.' })

export const ParseJobSchema = Type.Object(
  {
    id: Type.String({ description: 'Unique parse job identifier' }),
    project_id: Type.String(),
    status: JobStatusSchema,
    created_at: Nullable(Timestamp),
    updated_at: Nullable(Timestamp),
    error_message: Nullable(Type.String()),
    name: Nullable(Type.String({ description: 'The name of the file parsed' })),
    tier: Nullable(Type.String()),
    user_metadata: Nullable(Type.Record(Type.String(), Type.String())),
    usage: Type.Optional(Nullable(Usage))
  },
  { description: 'A parse job.' }
)

const FailedPage = Type.Object({ page_number: Type.Integer(), success: Type.Literal(false), error: Type.String() })

const PageItemSchema = Type.Object({
  type: Type.Union([Type.Literal('heading'), Type.Literal('text'), Type.Literal('table')]),
  md: Type.String(),
  value: Type.Optional(Type.String()),
  level: Type.Optional(Type.Integer()),
  csv: Type.Optional(Type.String()),
  html: Type.Optional(Type.String()),
  rows: Type.Optional(Type.Array(Type.Array(Type.String())))
})

export const ParseResultSchema = Type.Object(
  {
    job: ParseJobSchema,
    markdown: Type.Optional(
      Nullable(Type.Object({ pages: Type.Array(Type.Union([Type.Object({ page_number: Type.Integer(), success: Type.Literal(true), markdown: Type.String() }), FailedPage])) }))
    ),
    text: Type.Optional(Nullable(Type.Object({ pages: Type.Array(Type.Object({ page_number: Type.Integer(), text: Type.String() })) }))),
    items: Type.Optional(
      Nullable(
        Type.Object({
          pages: Type.Array(
            Type.Union([
              Type.Object({ page_number: Type.Integer(), success: Type.Literal(true), page_width: Type.Number(), page_height: Type.Number(), items: Type.Array(PageItemSchema) }),
              FailedPage
            ])
          )
        })
      )
    ),
    metadata: Type.Optional(
      Nullable(
        Type.Object({
          pages: Type.Array(
            Type.Object({
              page_number: Type.Integer(),
              confidence: Nullable(Type.Number()),
              cost_optimized: Nullable(Type.Boolean()),
              printed_page_number: Nullable(Type.String()),
              triggered_auto_mode: Nullable(Type.Boolean())
            })
          ),
          document: Nullable(
            Type.Object({
              confidence: Nullable(Type.Number()),
              confidence_breakdown: Nullable(Type.Object({ min_page_score: Type.Number(), scored_pages: Type.Integer(), total_pages: Type.Integer() }))
            })
          )
        })
      )
    )
  },
  { description: 'A parse job, and with `expand` its content (null until the job is COMPLETED).' }
)

export const ParseJobListSchema = Type.Object({ items: Type.Array(ParseJobSchema), next_page_token: Nullable(Type.String()) })

const Json = Type.Unknown()

export const ExtractJobSchema = Type.Object(
  {
    id: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    file_input: Type.String({ description: 'The directory file (`dfl-`) the job extracted from' }),
    project_id: Type.String(),
    status: JobStatusSchema,
    configuration_id: Nullable(Type.String()),
    error_message: Nullable(Type.String()),
    extract_result: Nullable(Type.Record(Type.String(), Json)),
    extract_metadata: Type.Optional(
      Nullable(
        Type.Object({
          field_metadata: Nullable(Type.Object({ document_metadata: Nullable(Type.Record(Type.String(), Json)) })),
          parse_job_id: Nullable(Type.String()),
          parse_tier: Nullable(Type.String())
        })
      )
    ),
    usage: Type.Optional(
      Nullable(Type.Object({ credits: Nullable(Type.Number()), extract_credits: Nullable(Type.Number()), parse_credits: Nullable(Type.Number()) }))
    )
  },
  { description: 'An extraction job.' }
)

export const ExtractJobListSchema = Type.Object({ items: Type.Array(ExtractJobSchema), next_page_token: Nullable(Type.String()) })

export type ParseJobAnswer = Static<typeof ParseJobSchema>
export type ParseResultAnswer = Static<typeof ParseResultSchema>
export type ExtractJobAnswer = Static<typeof ExtractJobSchema>
