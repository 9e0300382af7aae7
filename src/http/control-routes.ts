import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Clock } from '../clock.js'
import type { MockState } from '../mock-state.js'
import { ClockAdvanceBodySchema, ClockSetBodySchema, ClockStateSchema, HealthSchema, ResetResponseSchema, type ClockState } from '../schemas/control.js'
import { HttpErrorSchema, ValidationErrorSchema } from '../schemas/errors.js'

export interface ControlRoutesOptions {
  state: MockState
}

export function clockState(clock: Clock): ClockState {
  return { now: new Date(clock.now()).toISOString(), mode: clock.mode, speed: clock.speed }
}

const errors = { 400: HttpErrorSchema, 422: ValidationErrorSchema }

export const controlRoutes: FastifyPluginAsyncTypebox<ControlRoutesOptions> = async (app, { state }) => {
  const { clock } = state

  app.get('/health', { schema: { response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const }))

  app.get('/clock', { schema: { response: { 200: ClockStateSchema } } }, async () => clockState(clock))

  app.post('/clock/advance', { schema: { body: ClockAdvanceBodySchema, response: { 200: ClockStateSchema, ...errors } } }, async (request) => {
    clock.advance(request.body.ms)
    return clockState(clock)
  })

  app.post('/clock/set', { schema: { body: ClockSetBodySchema, response: { 200: ClockStateSchema, ...errors } } }, async (request) => {
    clock.set(Date.parse(request.body.now))
    return clockState(clock)
  })

  app.post('/reset', { schema: { response: { 200: ResetResponseSchema } } }, async () => {
    state.reset()
    return { scenario: state.loaded.name, batches: state.world.store.size, clock: clockState(clock) }
  })
}
