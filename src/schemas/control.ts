import { Type, type Static } from '@sinclair/typebox'

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
