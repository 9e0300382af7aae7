import { Type, type Static } from '@sinclair/typebox'
import { DateTimeQuery } from './datetime-query.js'

/** Event names the SDK's `webhook_events` accepts (resources/webhook-configs.d.ts). The mock emits the `batch.*` ones. */
export const WEBHOOK_EVENT_TYPES = [
  'batch.cancelled', 'batch.error', 'batch.pending', 'batch.running', 'batch.success',
  'classify.cancelled', 'classify.error', 'classify.partial_success', 'classify.pending', 'classify.running', 'classify.success',
  'extract.cancelled', 'extract.error', 'extract.partial_success', 'extract.pending', 'extract.success',
  'parse.cancelled', 'parse.error', 'parse.partial_success', 'parse.pending', 'parse.running', 'parse.success',
  'sheets.cancelled', 'sheets.error', 'sheets.partial_success', 'sheets.pending', 'sheets.success',
  'split.cancelled', 'split.error', 'split.pending', 'split.processing', 'split.success',
  'unmapped_event'
] as const

export const MAX_WEBHOOK_URL_LENGTH = 2048
export const MAX_WEBHOOK_HEADERS = 64

const WebhookEventSchema = Type.Union(WEBHOOK_EVENT_TYPES.map((e) => Type.Literal(e)))
const Events = Type.Union([Type.Array(WebhookEventSchema, { minItems: 1, maxItems: 64 }), Type.Null()], {
  description: 'Events to subscribe to; null = all. An empty list is rejected.'
})
const Headers = Type.Union([Type.Record(Type.String(), Type.String({ maxLength: 4096 }), { maxProperties: MAX_WEBHOOK_HEADERS }), Type.Null()])
const OutputFormat = Type.Union([Type.Literal('json'), Type.Literal('string'), Type.Null()])
const Secret = Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])
const Url = Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_URL_LENGTH })

/** What a create and an update both take besides `webhook_url` (required to create; null in an update leaves it). */
const ConfigFields = {
  webhook_events: Type.Optional(Events),
  webhook_headers: Type.Optional(Headers),
  webhook_output_format: Type.Optional(OutputFormat),
  webhook_signing_secret: Type.Optional(Secret)
}

export const WebhookConfigCreateSchema = Type.Object({ webhook_url: Url, ...ConfigFields })
export type WebhookConfigCreate = Static<typeof WebhookConfigCreateSchema>

export const WebhookConfigUpdateSchema = Type.Object({ webhook_url: Type.Optional(Type.Union([Url, Type.Null()])), ...ConfigFields })
export type WebhookConfigUpdate = Static<typeof WebhookConfigUpdateSchema>

export const WebhookConfigSchema = Type.Object({
  id: Type.String(),
  tenant_id: Type.String(),
  tenant_type: Type.Literal('project'),
  webhook_url: Type.String(),
  webhook_events: Type.Union([Type.Array(Type.String()), Type.Null()]),
  webhook_headers: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  webhook_output_format: Type.Union([Type.Literal('json'), Type.Literal('string'), Type.Null()]),
  has_secret: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' })
})
export type WebhookConfig = Static<typeof WebhookConfigSchema>

export const WebhookConfigListSchema = Type.Array(WebhookConfigSchema)

export const WebhookConfigParamsSchema = Type.Object({ config_id: Type.String({ minLength: 1, maxLength: 128 }) })

/** Scenario `defaults.webhooks`: how deliveries are retried, and seeded chaos for idempotent receivers. */
export const WebhookBehaviourSchema = Type.Object(
  {
    retry_backoff_ms: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 60_000 }), { minItems: 1, maxItems: 10, description: 'Wait before attempt n+1 (the last value repeats); default [1000, 2000, 4000]' })
    ),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'Attempts in all per delivery; default 3' })),
    duplicate_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of deliveries sent twice (same event_id)' })),
    shuffle: Type.Optional(Type.Boolean({ description: 'Send queued deliveries in a seeded random order' }))
  },
  { additionalProperties: false }
)
export type WebhookBehaviour = Static<typeof WebhookBehaviourSchema>

export const DeliveryOutcomeSchema = Type.Union([Type.Literal('delivered'), Type.Literal('retrying'), Type.Literal('failed'), Type.Literal('dropped')])
export type DeliveryOutcome = Static<typeof DeliveryOutcomeSchema>

export const DeliverySchema = Type.Object({
  delivery_id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  batch_id: Type.String(),
  url: Type.String(),
  attempt: Type.Integer(),
  outcome: DeliveryOutcomeSchema,
  status: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status, or null" }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why no 2xx came back (timeout, connection refused, dropped, ...)' }),
  duration_ms: Type.Union([Type.Number(), Type.Null()]),
  event_time: Type.String({ format: 'date-time', description: 'Mock time of the transition' }),
  queued_at: Type.String({ format: 'date-time' }),
  started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finished_at: Type.String({ format: 'date-time' }),
  request: Type.Object({ headers: Type.Record(Type.String(), Type.String()), body: Type.String() })
})
export type Delivery = Static<typeof DeliverySchema>

export const DeliveriesQuerySchema = Type.Object({
  batch_id: Type.Optional(Type.String({ maxLength: 128 })),
  event_type: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Integer({ minimum: 0, maximum: 599 })),
  outcome: Type.Optional(DeliveryOutcomeSchema),
  since: Type.Optional(DateTimeQuery('Attempts finished at or after this wall-clock time')),
  last: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Only the last N matching attempts (newest last)' }))
})
export type DeliveriesQuery = Static<typeof DeliveriesQuerySchema>

export const DeliveriesSchema = Type.Object({
  deliveries: Type.Array(DeliverySchema),
  count: Type.Integer(),
  capacity: Type.Integer(),
  total: Type.Integer({ description: 'Attempts recorded since the last clear, including those the ring dropped' })
})

export const PendingSchema = Type.Object({ queued: Type.Integer(), in_flight: Type.Integer(), retrying: Type.Integer() })
export type Pending = Static<typeof PendingSchema>

export const FlushQuerySchema = Type.Object({
  timeout_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'How long to wait at most (default 10000)' }))
})

export const FlushTimeoutSchema = Type.Object({ detail: Type.String(), ...PendingSchema.properties })
