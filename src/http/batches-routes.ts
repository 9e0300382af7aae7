import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { BatchSchema } from '../schemas/batch.js'
import {
  BatchIdParamsSchema,
  BatchListSchema,
  CreateBatchBodySchema,
  DEFAULT_PAGE_SIZE,
  GetBatchQuerySchema,
  ListBatchesQuerySchema,
  TenancyQuerySchema
} from '../schemas/batch-requests.js'
import { HttpErrorSchema, ValidationErrorSchema } from '../schemas/errors.js'
import type { BatchRecord } from '../domain/batch-record.js'
import type { BatchService } from '../service/batches.js'
import type { Answers } from './answers.js'
import { listKey, type ListAnswers } from './list-answers.js'
import { authHook } from './auth.js'
import { answerWrongMethods } from './wrong-methods.js'
import { compatPageSize, invalidPageToken } from './list-paging.js'

export interface BatchesRoutesOptions {
  service: BatchService
  answers: Answers
  /** List pages as bytes, kept while they stand (shared with the fast path). */
  pages: ListAnswers
  auth: boolean
}

/** Sends JSON text as it is: it was serialized (and cached by lifecycle step) already. */
function sendJson(reply: { type(t: string): { send(body: unknown): unknown } }, json: Buffer): void {
  reply.type('application/json; charset=utf-8').send(json)
}

/** The largest create body read (413 past it); the fast path (fast-create.ts) leaves larger ones to the route. */
export const CREATE_BODY_LIMIT = 64 * 1024

const errors = { 401: HttpErrorSchema, 404: HttpErrorSchema, 422: ValidationErrorSchema }

export const batchesRoutes: FastifyPluginAsyncTypebox<BatchesRoutesOptions> = async (app, { service, answers, pages, auth }) => {
  app.addHook('onRequest', authHook(service, auth))
  // A method a path below does not serve: 405 with `Allow`, from the routes as registered.
  const routesIn = answerWrongMethods(app)

  const answer = (reply: Parameters<typeof sendJson>[0], batch: BatchRecord): void => sendJson(reply, answers.json(batch, service.readTime(batch), false))
  const doc = (operationId: string, summary: string) => ({ tags: ['batches'], operationId, summary, security: [{ bearer: [] }] })

  app.get('/:batch_id', { schema: { ...doc('getBatch', 'Get a batch by ID'), params: BatchIdParamsSchema, querystring: GetBatchQuerySchema, response: { 200: BatchSchema, ...errors } } }, (request, reply) => {
    const { expand, ...narrowing } = request.query
    const batch = service.find(request.params.batch_id, request.tenant, narrowing)
    sendJson(reply, answers.json(batch, service.poll(batch), expand?.includes('results') ?? false))
  })

  const lenient = service.mode === 'compat'
  app.get('', { preValidation: lenient ? compatPageSize : [], schema: { ...doc('listBatches', 'List batches, newest first'), querystring: ListBatchesQuerySchema, response: { 200: BatchListSchema, ...errors } } }, (request, reply) => {
    const query = request.query
    const page = service.list({ ...query, page_size: query.page_size ?? DEFAULT_PAGE_SIZE }, request.tenant)
    if (!page.tokenValid && !lenient) {
      throw invalidPageToken(query.page_token)
    }
    const { now } = page
    sendJson(reply, pages.json(listKey(request.url, request.tenant), page.items, page.nextToken, (b) => service.readTime(b, now), service.world.store.version))
  })

  app.post(
    '',
    { bodyLimit: CREATE_BODY_LIMIT, schema: { ...doc('createBatch', 'Create a batch over a source directory'), querystring: TenancyQuerySchema, body: CreateBatchBodySchema, response: { 200: BatchSchema, 413: HttpErrorSchema, 429: HttpErrorSchema, ...errors } } },
    (request, reply) => answer(reply, service.create(request.body, request.tenant, request.query))
  )

  app.post(
    '/:batch_id/cancel',
    { schema: { ...doc('cancelBatch', 'Cancel a running batch'), params: BatchIdParamsSchema, querystring: TenancyQuerySchema, response: { 200: BatchSchema, 400: HttpErrorSchema, ...errors } } },
    (request, reply) => answer(reply, service.cancel(request.params.batch_id, request.tenant, request.query))
  )

  routesIn()
}
