import { Type, type Static } from '@sinclair/typebox'
import { DateTimeQuery } from './datetime-query.js'

export const HealthSchema = Type.Object({ status: Type.Literal('ok') })

export const ClockStateSchema = Type.Object({
  now: Type.String({ format: 'date-time' }),
  mode: Type.Union([Type.Literal('real'), Type.Literal('manual')]),
  speed: Type.Number()
})
export type ClockState = Static<typeof ClockStateSchema>

export const ClockAdvanceBodySchema = Type.Object({
  ms: Type.Integer({ minimum: 0, maximum: 10 * 365 * 24 * 3600 * 1000, description: 'Milliseconds to move the clock forward' })
})
export type ClockAdvanceBody = Static<typeof ClockAdvanceBodySchema>

export const ClockSetBodySchema = Type.Object({
  now: Type.String({ format: 'date-time', description: 'The new time; never earlier than the current one' })
})
export type ClockSetBody = Static<typeof ClockSetBodySchema>

export const ResetResponseSchema = Type.Object({
  scenario: Type.String(),
  batches: Type.Integer(),
  clock: ClockStateSchema
})

export const JournalQuerySchema = Type.Object({
  method: Type.Optional(Type.String({ maxLength: 16 })),
  path_prefix: Type.Optional(Type.String({ maxLength: 1024 })),
  status: Type.Optional(Type.Integer({ minimum: 0, maximum: 599 })),
  since: Type.Optional(DateTimeQuery('Requests received at or after this wall-clock time')),
  matched: Type.Optional(Type.Boolean()),
  count: Type.Optional(Type.Boolean({ description: 'Answer only {count} of the matching entries' })),
  last: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Only the last N matching entries (newest last)' }))
})
export type JournalQuery = Static<typeof JournalQuerySchema>

export const JournalEntrySchema = Type.Object({
  id: Type.String(),
  time: Type.String({ format: 'date-time' }),
  mock_time: Type.String({ format: 'date-time' }),
  method: Type.String(),
  path: Type.String(),
  query: Type.String(),
  status: Type.Integer(),
  duration_ms: Type.Number(),
  matched: Type.Boolean(),
  fault: Type.Union([Type.String(), Type.Null()]),
  delay_ms: Type.Union([Type.Number(), Type.Null()], { description: 'The delay a fault rule added, ms' }),
  connection: Type.Union([Type.String(), Type.Null()], { description: 'How a connection fault broke the answer' })
})

export const JournalSchema = Type.Object({
  requests: Type.Optional(Type.Array(JournalEntrySchema)),
  count: Type.Integer(),
  capacity: Type.Integer(),
  total: Type.Integer({ description: 'Requests recorded since the last clear, including those the ring dropped' })
})

export const LoadScenarioBodySchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'A bundled scenario name or a path' })),
    scenario: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'An inline scenario object' }))
  },
  { additionalProperties: false }
)
export type LoadScenarioBody = Static<typeof LoadScenarioBodySchema>
