import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { BatchService } from '../service/batches.js'
import { inspectOne, inspectPage } from '../service/inspect.js'
import type { Journal } from '../traffic/journal.js'
import { HttpErrorSchema, ValidationErrorSchema } from '../schemas/errors.js'
import {
  BatchInspectionSchema,
  DEFAULT_INSPECT_PAGE_SIZE,
  InspectBatchParamsSchema,
  InspectListQuerySchema,
  InspectListSchema,
  JournalEntryWholeSchema,
  RequestIdParamsSchema
} from '../schemas/inspect.js'
import { invalidPageToken } from './list-paging.js'

export interface InspectRoutesOptions {
  service: BatchService
  journal: Journal
}

/**
 * Read-only views of the control plane: one journal entry whole, and every project's batches
 * with their timelines. Registered inside the control routes, so the admin token guards them.
 * Reading never changes anything: no poll is counted, no compat batch is derived.
 */
export const inspectRoutes: FastifyPluginAsyncTypebox<InspectRoutesOptions> = async (app, { service, journal }) => {
  app.get('/requests/:id', { schema: { summary: 'One journal entry whole: headers and body', params: RequestIdParamsSchema, response: { 200: JournalEntryWholeSchema, 404: HttpErrorSchema } } }, async (request, reply) => {
    const entry = journal.entry(request.params.id)
    if (entry === null) return reply.code(404).send({ detail: `Request not found: ${request.params.id} (the journal keeps the last ${journal.capacity})` })
    return entry
  })

  app.get('/batches', { schema: { summary: "Every project's batches with their timelines, newest first", querystring: InspectListQuerySchema, response: { 200: InspectListSchema, 422: ValidationErrorSchema } } }, async (request) => {
    const { page_size, ...filters } = request.query
    const page = inspectPage(service, { ...filters, page_size: page_size ?? DEFAULT_INSPECT_PAGE_SIZE })
    if (!page.tokenValid) {
      throw invalidPageToken(filters.page_token)
    }
    return { now: new Date(page.now).toISOString(), items: page.items, next_page_token: page.nextToken }
  })

  app.get('/batches/:batch_id', { schema: { summary: 'One batch (any project) with its timeline and results', params: InspectBatchParamsSchema, response: { 200: BatchInspectionSchema, 404: HttpErrorSchema } } }, async (request, reply) => {
    const found = inspectOne(service, request.params.batch_id)
    if (found === null) return reply.code(404).send({ detail: 'Batch not found' })
    return found
  })
}
