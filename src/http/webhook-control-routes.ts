import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { DeliveriesQuerySchema, DeliveriesSchema, FlushQuerySchema, FlushTimeoutSchema, PendingSchema } from '../schemas/webhooks.js'
import { ValidationErrorSchema } from '../schemas/errors.js'
import { FlushTimeoutError } from '../webhooks/dispatcher.js'
import { DEFAULT_FLUSH_TIMEOUT_MS, type Webhooks } from '../webhooks/webhooks.js'
import { asControlPlane } from './control-plane.js'

export interface WebhookControlRoutesOptions {
  webhooks: Webhooks
  adminToken?: string | undefined
}

/** `/_mock/webhooks`: what was delivered (every attempt), and a flush a test can await. */
export const webhookControlRoutes: FastifyPluginAsyncTypebox<WebhookControlRoutesOptions> = async (app, { webhooks, adminToken }) => {
  const routesIn = asControlPlane(app, adminToken)

  app.get('', { schema: { querystring: DeliveriesQuerySchema, response: { 200: DeliveriesSchema, 422: ValidationErrorSchema } } }, async (request) => {
    // `last`: what the dashboard asks each second; the journal walks back from the newest and stops there.
    const deliveries = webhooks.deliveries(request.query)
    return { deliveries, count: deliveries.length, capacity: webhooks.journal.capacity, total: webhooks.journal.total }
  })

  app.delete('', { schema: { response: { 204: Type.Null() } } }, async (_request, reply) => {
    webhooks.journal.clear()
    return reply.code(204).send(null)
  })

  app.post('/flush', { schema: { querystring: FlushQuerySchema, response: { 200: PendingSchema, 408: FlushTimeoutSchema, 422: ValidationErrorSchema } } }, async (request, reply) => {
    try {
      await webhooks.flush(request.query.timeout_ms ?? DEFAULT_FLUSH_TIMEOUT_MS)
      return webhooks.pending
    } catch (e) {
      if (e instanceof FlushTimeoutError) return reply.code(408).send({ detail: e.message, ...e.pending })
      throw e
    }
  })

  // A method a path above does not serve: 405 with `Allow`.
  routesIn()
}
