import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { DEFAULT_PAGE_SIZE } from '../schemas/batch-requests.js'
import { HttpErrorSchema, ValidationErrorSchema } from '../schemas/errors.js'
import {
  ExtractJobListSchema,
  ExtractJobSchema,
  GetExtractJobQuerySchema,
  GetParseJobQuerySchema,
  JobIdParamsSchema,
  ListExtractJobsQuerySchema,
  ListParseJobsQuerySchema,
  ParseJobListSchema,
  ParseJobSchema,
  ParseResultSchema
} from '../schemas/jobs.js'
import { TenancyQuerySchema } from '../schemas/batch-requests.js'
import type { BatchService } from '../service/batches.js'
import type { JobListRequest } from '../service/job-listing.js'
import type { JobService } from '../service/jobs.js'
import { authHook } from './auth.js'
import { answerWrongMethods } from './wrong-methods.js'
import { compatPageSize, invalidPageToken } from './list-paging.js'
import { extractJobAnswer, parseJobAnswer, parseResultAnswer } from './job-answers.js'

export interface JobRoutesOptions {
  service: BatchService
  jobs: JobService
  auth: boolean
}

const errors = { 401: HttpErrorSchema, 404: HttpErrorSchema, 422: ValidationErrorSchema }

/** The parse and extract jobs batches make: `/api/v2/parse/{id}`, `/api/v2/extract/{id}`, their lists and cancels. */
export const jobRoutes: FastifyPluginAsyncTypebox<JobRoutesOptions> = async (app, { service, jobs, auth }) => {
  app.addHook('onRequest', authHook(service, auth))
  // A method a path below does not serve: 405 with `Allow`, from the routes as registered.
  const routesIn = answerWrongMethods(app)
  const doc = (tag: string, operationId: string, summary: string) => ({ tags: [tag], operationId, summary, security: [{ bearer: [] }] })
  const lenient = service.mode === 'compat'
  /** A page; too many long walks going on is JobListsBusyError (error-handler.ts: 503, `Retry-After: 1`). */
  const list = async (req: Omit<JobListRequest, 'page_size'> & { page_size?: number | undefined }, request: FastifyRequest) => {
    // A walk of many slices stops when its client is gone: nobody reads the page.
    const gone = () => request.raw.socket?.destroyed === true
    const page = await jobs.list({ ...req, page_size: req.page_size ?? DEFAULT_PAGE_SIZE }, request.tenant, gone)
    if (!page.tokenValid && !lenient) throw invalidPageToken(req.page_token)
    return page
  }

  app.get('/parse/:job_id', { schema: { ...doc('parse', 'getParseJob', 'Get a parse job, with expand=markdown|text|items|metadata for its content'), params: JobIdParamsSchema, querystring: GetParseJobQuerySchema, response: { 200: ParseResultSchema, ...errors } } }, (request) => {
    const { expand, image_filenames: _ignored, ...narrowing } = request.query
    return parseResultAnswer(jobs.find(request.params.job_id, 'parse_v2', request.tenant, narrowing), expand ?? [])
  })

  app.get('/parse', { preValidation: lenient ? compatPageSize : [], schema: { ...doc('parse', 'listParseJobs', 'List parse jobs, newest batch first'), querystring: ListParseJobsQuerySchema, response: { 200: ParseJobListSchema, 503: HttpErrorSchema, ...errors } } }, async (request) => {
    const page = await list({ ...request.query, type: 'parse_v2' }, request)
    return { items: page.items.map((job) => parseJobAnswer(job, false)), next_page_token: page.nextToken }
  })

  app.post('/parse/:job_id/cancel', { schema: { ...doc('parse', 'cancelParseJob', 'Cancel a parse job'), params: JobIdParamsSchema, querystring: TenancyQuerySchema, response: { 200: ParseJobSchema, 400: HttpErrorSchema, 429: HttpErrorSchema, ...errors } } }, (request) =>
    parseJobAnswer(jobs.cancel(request.params.job_id, 'parse_v2', request.tenant, request.query), false)
  )

  app.get('/extract/:job_id', { schema: { ...doc('extract', 'getExtractJob', 'Get an extract job, with expand=extract_metadata|usage'), params: JobIdParamsSchema, querystring: GetExtractJobQuerySchema, response: { 200: ExtractJobSchema, ...errors } } }, (request) => {
    const { expand, ...narrowing } = request.query
    return extractJobAnswer(jobs.find(request.params.job_id, 'extract_v2', request.tenant, narrowing), expand ?? [])
  })

  app.get('/extract', { preValidation: lenient ? compatPageSize : [], schema: { ...doc('extract', 'listExtractJobs', 'List extract jobs, newest batch first'), querystring: ListExtractJobsQuerySchema, response: { 200: ExtractJobListSchema, 503: HttpErrorSchema, ...errors } } }, async (request) => {
    const { expand, document_input_value, document_input_type: _type, status, ...query } = request.query
    // THROTTLED is a status the SDK lets a filter name; no mock job is ever in it.
    if (status === 'THROTTLED') return { items: [], next_page_token: null }
    const page = await list({ ...query, status, file_input: query.file_input ?? document_input_value, type: 'extract_v2' }, request)
    return { items: page.items.map((job) => extractJobAnswer(job, expand ?? [])), next_page_token: page.nextToken }
  })

  app.post('/extract/:job_id/cancel', { schema: { ...doc('extract', 'cancelExtractJob', 'Cancel an extract job'), params: JobIdParamsSchema, querystring: TenancyQuerySchema, response: { 200: ExtractJobSchema, 400: HttpErrorSchema, 429: HttpErrorSchema, ...errors } } }, (request) =>
    extractJobAnswer(jobs.cancel(request.params.job_id, 'extract_v2', request.tenant, request.query), [])
  )

  routesIn()
}
