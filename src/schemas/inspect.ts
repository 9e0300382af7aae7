import { Type, type Static } from '@sinclair/typebox'
import { BatchSchema, BatchStatusSchema } from './batch.js'
import { JournalEntrySchema } from './control.js'
import { PROJECT_ID_PATTERN, MAX_ID_LENGTH } from './batch-requests.js'

// The control plane's read-only views: one journal entry whole, and batches with their timelines.

export const JournalEntryWholeSchema = Type.Composite([
  JournalEntrySchema,
  Type.Object({
    headers: Type.Record(Type.String(), Type.String(), { description: 'Request headers, names in lower case; authorization, cookies and API-key headers redacted (a known scheme and the last 4 characters at most)' }),
    body: Type.Union([Type.String(), Type.Null()], { description: 'The request body as text, up to 16 KiB; null when there was none' }),
    body_bytes: Type.Integer({ description: "The body's full size in bytes (its Content-Length when the body was not kept)" }),
    body_truncated: Type.Boolean({ description: 'True when body holds only the first 16 KiB' }),
    detail_dropped: Type.Boolean({ description: "True when this entry's headers and body were let go to keep the journal's details under 64 MiB (its summary stays)" })
  })
])

export const RequestIdParamsSchema = Type.Object({ id: Type.String({ maxLength: 32, description: 'A journal id, `req-N`' }) })

export const DEFAULT_INSPECT_PAGE_SIZE = 100
export const MAX_INSPECT_PAGE_SIZE = 500

export const InspectListQuerySchema = Type.Object({
  project_id: Type.Optional(Type.String({ pattern: PROJECT_ID_PATTERN })),
  status: Type.Optional(BatchStatusSchema),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INSPECT_PAGE_SIZE, description: `Batches a page (default ${DEFAULT_INSPECT_PAGE_SIZE})` })),
  page_token: Type.Optional(Type.String({ maxLength: 512 }))
})
export type InspectListQuery = Static<typeof InspectListQuerySchema>

export const InspectBatchParamsSchema = Type.Object({ batch_id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }) })

const Time = Type.String({ format: 'date-time' })

export const TimelineStepSchema = Type.Object({
  status: BatchStatusSchema,
  at: Time,
  reached: Type.Boolean({ description: 'True once the batch has entered it (as a read now shows the batch)' })
})

export const BatchInspectionSchema = Type.Object({
  batch: BatchSchema,
  read_at: Type.String({ format: 'date-time', description: 'The mock time the batch is read at (for a batch progressing by polls: the step its last GET showed)' }),
  progression: Type.Union([Type.Literal('time'), Type.Literal('polls'), Type.Literal('immediate')]),
  polls: Type.Integer({ description: 'GETs of the batch so far through the API (lists and inspecting do not count)' }),
  timeline: Type.Array(TimelineStepSchema, { description: 'Every status it entered or will enter, with when' }),
  cancel_requested_at: Type.Union([Time, Type.Null()]),
  next_transition: Type.Union([Type.Object({ status: BatchStatusSchema, at: Time }), Type.Null()], { description: 'Null for a batch that will not move again' })
})
export type BatchInspection = Static<typeof BatchInspectionSchema>

export const InspectListSchema = Type.Object({
  now: Time,
  items: Type.Array(BatchInspectionSchema),
  next_page_token: Type.Union([Type.String(), Type.Null()])
})
export type InspectList = Static<typeof InspectListSchema>
