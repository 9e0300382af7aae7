import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { TenancyQuerySchema } from '../schemas/batch-requests.js'
import { HttpErrorSchema, ValidationErrorSchema } from '../schemas/errors.js'
import { WebhookConfigCreateSchema, WebhookConfigListSchema, WebhookConfigParamsSchema, WebhookConfigSchema, WebhookConfigUpdateSchema } from '../schemas/webhooks.js'
import type { BatchService } from '../service/batches.js'
import { projectFor } from '../service/tenancy.js'
import { TooManyConfigsError } from '../webhooks/config-store.js'
import type { Webhooks } from '../webhooks/webhooks.js'
import { authHook } from './auth.js'
import { answerWrongMethods } from './wrong-methods.js'

export interface WebhookConfigRoutesOptions {
  service: BatchService
  webhooks: Webhooks
  auth: boolean
}

const NOT_FOUND = { detail: 'Webhook configuration not found' }
const errors = { 401: HttpErrorSchema, 404: HttpErrorSchema, 422: ValidationErrorSchema }

/** `/api/v1/beta/webhook-configs`: saved webhook configurations, as `client.webhookConfigs` calls them. */
export const webhookConfigRoutes: FastifyPluginAsyncTypebox<WebhookConfigRoutesOptions> = async (app, { service, webhooks, auth }) => {
  app.addHook('onRequest', authHook(service, auth))
  // A method a path below does not serve: 405 with `Allow`, from the routes as registered.
  const routesIn = answerWrongMethods(app)
  const { configs } = webhooks
  const doc = (operationId: string, summary: string) => ({ tags: ['webhook-configs'], operationId, summary, security: [{ bearer: [] }] })

  app.post(
    '',
    { bodyLimit: 64 * 1024, schema: { ...doc('createWebhookConfig', 'Create a saved webhook configuration'), querystring: TenancyQuerySchema, body: WebhookConfigCreateSchema, response: { 200: WebhookConfigSchema, 413: HttpErrorSchema, 429: HttpErrorSchema, ...errors } } },
    async (request, reply) => {
      const tenantId = projectFor(service.world, service.mode, request.tenant, request.query)
      webhooks.checkConfig(request.body)
      try {
        return configs.create(request.body, tenantId, service.now())
      } catch (e) {
        if (e instanceof TooManyConfigsError) return reply.code(429).send({ detail: e.message })
        throw e
      }
    }
  )

  app.get('', { schema: { ...doc('listWebhookConfigs', 'List saved webhook configurations, newest first'), querystring: TenancyQuerySchema, response: { 200: WebhookConfigListSchema, ...errors } } }, async (request) =>
    configs.list(service.world, request.tenant, request.query)
  )

  app.get('/:config_id', { schema: { ...doc('getWebhookConfig', 'Get a saved webhook configuration'), params: WebhookConfigParamsSchema, querystring: TenancyQuerySchema, response: { 200: WebhookConfigSchema, ...errors } } }, async (request, reply) => {
    return configs.get(service.world, request.params.config_id, request.tenant, request.query) ?? reply.code(404).send(NOT_FOUND)
  })

  app.put(
    '/:config_id',
    { bodyLimit: 64 * 1024, schema: { ...doc('updateWebhookConfig', 'Update a saved webhook configuration (only the fields sent)'), params: WebhookConfigParamsSchema, querystring: TenancyQuerySchema, body: WebhookConfigUpdateSchema, response: { 200: WebhookConfigSchema, 413: HttpErrorSchema, ...errors } } },
    async (request, reply) => {
      const { world } = service
      if (configs.get(world, request.params.config_id, request.tenant, request.query) === null) return reply.code(404).send(NOT_FOUND)
      webhooks.checkConfig(request.body)
      return configs.update(world, request.params.config_id, request.tenant, request.query, request.body, service.now()) ?? reply.code(404).send(NOT_FOUND)
    }
  )

  app.delete('/:config_id', { schema: { ...doc('deleteWebhookConfig', 'Delete a saved webhook configuration'), params: WebhookConfigParamsSchema, querystring: TenancyQuerySchema, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    if (!configs.delete(service.world, request.params.config_id, request.tenant, request.query)) return reply.code(404).send(NOT_FOUND)
    return reply.code(204).send(null)
  })

  routesIn()
}
