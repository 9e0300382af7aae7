import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import multipart from '@fastify/multipart'
import { Value } from '@sinclair/typebox/value'
import type { FastifyRequest } from 'fastify'
import type { DirectoryMeta, FileEntry, FileMetadata } from '../domain/directory-files.js'
import { DEFAULT_PAGE_SIZE, MAX_ID_LENGTH } from '../schemas/batch-requests.js'
import {
  AddFileBodySchema,
  CreateDirectoryBodySchema,
  DirectoryFileListSchema,
  DirectoryFileParamsSchema,
  DirectoryFileSchema,
  DirectoryIdParamsSchema,
  DirectoryListSchema,
  DirectorySchema,
  DirectoryTenancyQuerySchema,
  FileMetadataSchema,
  GetFileQuerySchema,
  ListDirectoriesQuerySchema,
  ListFilesQuerySchema,
  MAX_NAME_LENGTH,
  UpdateDirectoryBodySchema,
  UpdateFileBodySchema,
  UploadFileBodySchema,
  type DirectoryAnswer,
  type DirectoryFileAnswer
} from '../schemas/directories.js'
import { HttpErrorSchema, ValidationErrorSchema } from '../schemas/errors.js'
import type { DirectoryService, FileUpload } from '../service/directories.js'
import type { BatchService } from '../service/batches.js'
import { authHook } from './auth.js'
import { methodNotAllowed, RequestValidationError } from './error-handler.js'
import { validatorCompiler } from './validator.js'

/** Bytes one uploaded file may have; beyond, the upload answers 413. */
export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
/** Text fields of an upload: bytes each, and how many. */
const MAX_UPLOAD_FIELD_BYTES = 64 * 1024
const MAX_UPLOAD_FIELDS = 16

export interface DirectoriesRoutesOptions {
  service: BatchService
  directories: DirectoryService
  auth: boolean
  maxUploadBytes: number
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

function directoryAnswer(d: DirectoryMeta): DirectoryAnswer {
  return {
    id: d.id,
    name: d.name,
    project_id: d.projectId,
    description: d.description,
    type: d.type,
    connector_subscription_id: d.connectorSubscriptionId,
    system_metadata: d.systemMetadata as DirectoryAnswer['system_metadata'],
    expires_at: d.expiresAt,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    deleted_at: iso(d.deletedAt)
  }
}

function fileAnswer(d: DirectoryMeta, f: FileEntry): DirectoryFileAnswer {
  return {
    id: f.id,
    directory_id: d.id,
    display_name: f.name,
    project_id: d.projectId,
    unique_id: f.uniqueId,
    file_id: f.fileId,
    metadata: f.metadata as DirectoryFileAnswer['metadata'],
    download_url: null,
    created_at: iso(f.createdAt),
    updated_at: iso(f.updatedAt),
    deleted_at: null
  }
}

const errors = { 401: HttpErrorSchema, 404: HttpErrorSchema, 422: ValidationErrorSchema }
const invalidToken = (input: unknown) =>
  new RequestValidationError([{ type: 'value_error', loc: ['query', 'page_token'], msg: 'Value error, page_token was not issued by this server for this query', input }])
const invalidField = (field: string, msg: string, input: unknown, type = 'value_error') => new RequestValidationError([{ type, loc: ['body', field], msg, input }])

/** Reads a multipart upload: the file's bytes are counted and hashed as they stream by, never kept. */
async function readUpload(request: FastifyRequest, maxUploadBytes: number): Promise<FileUpload> {
  if (!request.isMultipart()) throw invalidField('upload_file', 'Field required', null, 'missing')
  const fields: Record<string, string> = {}
  let file: { filename: string; bytes: number; sha256: string } | undefined
  try {
    for await (const part of request.parts({ limits: { fileSize: maxUploadBytes, files: 1, fields: MAX_UPLOAD_FIELDS, fieldSize: MAX_UPLOAD_FIELD_BYTES, parts: MAX_UPLOAD_FIELDS + 1 } })) {
      if (part.type === 'file') {
        const hash = createHash('sha256')
        let bytes = 0
        for await (const chunk of part.file as AsyncIterable<Buffer>) {
          bytes += chunk.length
          hash.update(chunk)
        }
        if (part.fieldname === 'upload_file') file = { filename: part.filename || 'upload', bytes, sha256: hash.digest('hex') }
      } else if (typeof part.value === 'string') {
        if (part.valueTruncated) throw invalidField(part.fieldname, `String should have at most ${MAX_UPLOAD_FIELD_BYTES} bytes`, part.value.slice(0, 64), 'string_too_long')
        fields[part.fieldname] = part.value
      }
    }
  } catch (e) {
    const err = e as { code?: string }
    if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw Object.assign(new Error(`File too large: an upload holds at most ${maxUploadBytes} bytes (--max-upload-bytes)`), { statusCode: 413 })
    throw e
  }
  if (!file) throw invalidField('upload_file', 'Field required', null, 'missing')
  if (file.filename.length > MAX_NAME_LENGTH) throw invalidField('upload_file', `Value error, the file name has at most ${MAX_NAME_LENGTH} characters`, file.filename.slice(0, 64))
  for (const key of ['display_name', 'unique_id'] as const) {
    const value = fields[key]
    if (value !== undefined && value.length > MAX_NAME_LENGTH) throw invalidField(key, `String should have at most ${MAX_NAME_LENGTH} characters`, value.slice(0, 64), 'string_too_long')
  }
  const external = fields.external_file_id
  if (external !== undefined && external.length > MAX_ID_LENGTH) throw invalidField('external_file_id', `String should have at most ${MAX_ID_LENGTH} characters`, external.slice(0, 64), 'string_too_long')
  let metadata: FileMetadata | undefined
  if (fields.metadata !== undefined && fields.metadata !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(fields.metadata)
    } catch {
      throw invalidField('metadata', 'Value error, metadata must be a JSON object', fields.metadata.slice(0, 64))
    }
    if (parsed !== null && !Value.Check(FileMetadataSchema, parsed)) {
      throw invalidField('metadata', 'Value error, metadata must be a JSON object of at most 64 keys, each a string, number, boolean, null or list of strings', fields.metadata.slice(0, 64))
    }
    metadata = (parsed ?? undefined) as FileMetadata | undefined
  }
  return { ...file, display_name: fields.display_name || undefined, unique_id: fields.unique_id || undefined, external_file_id: external || undefined, metadata }
}

/** The directories API (`/api/v1/beta/directories`) and its files, as the SDK's `beta.directories` calls it. */
export const directoriesRoutes: FastifyPluginAsyncTypebox<DirectoriesRoutesOptions> = async (app, { service, directories, auth, maxUploadBytes }) => {
  app.addHook('onRequest', authHook(service, auth))
  await app.register(multipart, { limits: { fileSize: maxUploadBytes, files: 1 } })
  const doc = (operationId: string, summary: string) => ({ tags: ['directories'], operationId, summary, security: [{ bearer: [] }] })
  // Compat mode, as for batches: `page_size=0` is the default, a token never issued reads as the first page.
  const lenient = service.mode === 'compat'
  const compatPageSize = async (request: { query: unknown }): Promise<void> => {
    const query = request.query as Record<string, unknown>
    if (query.page_size === '0') delete query.page_size
  }

  app.post(
    '',
    { bodyLimit: 64 * 1024, schema: { ...doc('createDirectory', 'Create a directory'), querystring: DirectoryTenancyQuerySchema, body: CreateDirectoryBodySchema, response: { 200: DirectorySchema, 400: HttpErrorSchema, 413: HttpErrorSchema, ...errors } } },
    (request) => directoryAnswer(directories.create(request.body, request.tenant, request.query))
  )

  app.get('', { preValidation: lenient ? compatPageSize : [], schema: { ...doc('listDirectories', 'List directories'), querystring: ListDirectoriesQuerySchema, response: { 200: DirectoryListSchema, ...errors } } }, (request) => {
    const page = directories.list({ ...request.query, page_size: request.query.page_size ?? DEFAULT_PAGE_SIZE }, request.tenant)
    if (!page.tokenValid && !lenient) throw invalidToken(request.query.page_token)
    return { items: page.items.map(directoryAnswer), next_page_token: page.nextToken }
  })

  app.get('/:directory_id', { schema: { ...doc('getDirectory', 'Get a directory'), params: DirectoryIdParamsSchema, querystring: DirectoryTenancyQuerySchema, response: { 200: DirectorySchema, ...errors } } }, (request) =>
    directoryAnswer(directories.get(request.params.directory_id, request.tenant, request.query))
  )

  app.patch(
    '/:directory_id',
    { bodyLimit: 64 * 1024, schema: { ...doc('updateDirectory', 'Update a directory'), params: DirectoryIdParamsSchema, querystring: DirectoryTenancyQuerySchema, body: UpdateDirectoryBodySchema, response: { 200: DirectorySchema, 400: HttpErrorSchema, 413: HttpErrorSchema, ...errors } } },
    (request) => directoryAnswer(directories.update(request.params.directory_id, request.body ?? {}, request.tenant, request.query))
  )

  app.delete(
    '/:directory_id',
    { schema: { ...doc('deleteDirectory', 'Delete a directory; batches over it keep the files they were created over'), params: DirectoryIdParamsSchema, querystring: DirectoryTenancyQuerySchema, response: { 204: { type: 'null', description: 'Deleted' }, 400: HttpErrorSchema, ...errors } } },
    (request, reply) => {
      directories.delete(request.params.directory_id, request.tenant, request.query)
      return reply.code(204).send()
    }
  )

  app.get('/:directory_id/files', { preValidation: lenient ? compatPageSize : [], schema: { ...doc('listDirectoryFiles', "List a directory's files, in the directory's order"), params: DirectoryIdParamsSchema, querystring: ListFilesQuerySchema, response: { 200: DirectoryFileListSchema, ...errors } } }, (request) => {
    const page = directories.listFiles(request.params.directory_id, { ...request.query, page_size: request.query.page_size ?? DEFAULT_PAGE_SIZE }, request.tenant)
    if (!page.tokenValid && !lenient) throw invalidToken(request.query.page_token)
    return { items: page.items.map((f) => fileAnswer(page.directory, f)), next_page_token: page.nextToken }
  })

  app.post(
    '/:directory_id/files',
    { bodyLimit: 64 * 1024, schema: { ...doc('addDirectoryFile', 'Add a file to a directory by file_id'), params: DirectoryIdParamsSchema, querystring: DirectoryTenancyQuerySchema, body: AddFileBodySchema, response: { 200: DirectoryFileSchema, 400: HttpErrorSchema, 413: HttpErrorSchema, ...errors } } },
    (request) => {
      const { directory, file } = directories.addFile(request.params.directory_id, request.body, request.tenant, request.query)
      return fileAnswer(directory, file)
    }
  )

  // The body is multipart, read by @fastify/multipart in the handler: its schema documents it, ajv never sees it.
  const base = validatorCompiler()
  app.post(
    '/:directory_id/files/upload',
    {
      validatorCompiler: (req) => (req.httpPart === 'body' ? () => true : base(req)),
      schema: {
        ...doc('uploadDirectoryFile', 'Upload a file into a directory (multipart/form-data); its bytes are hashed and counted, never kept'),
        consumes: ['multipart/form-data'],
        params: DirectoryIdParamsSchema,
        querystring: DirectoryTenancyQuerySchema,
        body: UploadFileBodySchema,
        response: { 200: DirectoryFileSchema, 400: HttpErrorSchema, 413: HttpErrorSchema, ...errors }
      }
    },
    async (request) => {
      const upload = await readUpload(request, maxUploadBytes)
      const { directory, file } = directories.upload(request.params.directory_id, upload, request.tenant, request.query)
      return fileAnswer(directory, file)
    }
  )

  app.get('/:directory_id/files/:directory_file_id', { schema: { ...doc('getDirectoryFile', 'Get a file of a directory'), params: DirectoryFileParamsSchema, querystring: GetFileQuerySchema, response: { 200: DirectoryFileSchema, ...errors } } }, (request) => {
    const { expand: _expand, ...narrowing } = request.query
    const { directory, file } = directories.getFile(request.params.directory_id, request.params.directory_file_id, request.tenant, narrowing)
    return fileAnswer(directory, file)
  })

  app.patch(
    '/:directory_id/files/:directory_file_id',
    { bodyLimit: 64 * 1024, schema: { ...doc('updateDirectoryFile', 'Update a file of a directory, or move it to target_directory_id'), params: DirectoryFileParamsSchema, querystring: DirectoryTenancyQuerySchema, body: UpdateFileBodySchema, response: { 200: DirectoryFileSchema, 400: HttpErrorSchema, 413: HttpErrorSchema, ...errors } } },
    (request) => {
      const { directory, file } = directories.updateFile(request.params.directory_id, request.params.directory_file_id, request.body ?? {}, request.tenant, request.query)
      return fileAnswer(directory, file)
    }
  )

  app.delete(
    '/:directory_id/files/:directory_file_id',
    { schema: { ...doc('deleteDirectoryFile', 'Delete a file of a directory; batches over it keep it'), params: DirectoryFileParamsSchema, querystring: DirectoryTenancyQuerySchema, response: { 204: { type: 'null', description: 'Deleted' }, 400: HttpErrorSchema, ...errors } } },
    (request, reply) => {
      directories.deleteFile(request.params.directory_id, request.params.directory_file_id, request.tenant, request.query)
      return reply.code(204).send()
    }
  )

  methodNotAllowed(app, '', ['GET', 'POST'])
  methodNotAllowed(app, '/:directory_id', ['GET', 'PATCH', 'DELETE'])
  methodNotAllowed(app, '/:directory_id/files', ['GET', 'POST'])
  methodNotAllowed(app, '/:directory_id/files/upload', ['POST'])
  methodNotAllowed(app, '/:directory_id/files/:directory_file_id', ['GET', 'PATCH', 'DELETE'])
}
