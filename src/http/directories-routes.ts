import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { isoTime } from '../domain/iso-time.js'
import multipart from '@fastify/multipart'
import type { DirectoryMeta, FileEntry } from '../domain/directory-files.js'
import { DEFAULT_PAGE_SIZE } from '../schemas/batch-requests.js'
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
  GetFileQuerySchema,
  ListDirectoriesQuerySchema,
  ListFilesQuerySchema,
  UpdateDirectoryBodySchema,
  UpdateFileBodySchema,
  UploadFileBodySchema,
  type DirectoryAnswer,
  type DirectoryFileAnswer
} from '../schemas/directories.js'
import { HttpErrorSchema, ValidationErrorSchema } from '../schemas/errors.js'
import type { DirectoryService } from '../service/directories.js'
import type { BatchService } from '../service/batches.js'
import { authHook } from './auth.js'
import { answerWrongMethods } from './wrong-methods.js'
import { compatPageSize, invalidPageToken } from './list-paging.js'
import { validatorCompiler } from './validator.js'
import { readUpload } from './directory-upload.js'

export interface DirectoriesRoutesOptions {
  service: BatchService
  directories: DirectoryService
  auth: boolean
  maxUploadBytes: number
}

const iso = (ms: number | null): string | null => (ms === null ? null : isoTime(ms))

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

/** The directories API (`/api/v1/beta/directories`) and its files, as the SDK's `beta.directories` calls it. */
export const directoriesRoutes: FastifyPluginAsyncTypebox<DirectoriesRoutesOptions> = async (app, { service, directories, auth, maxUploadBytes }) => {
  app.addHook('onRequest', authHook(service, auth))
  // A method a path below does not serve: 405 with `Allow`, from the routes as registered.
  const routesIn = answerWrongMethods(app)
  const doc = (operationId: string, summary: string) => ({ tags: ['directories'], operationId, summary, security: [{ bearer: [] }] })
  // Compat mode, as for batches: `page_size=0` is the default, a token never issued reads as the first page.
  const lenient = service.mode === 'compat'

  app.post(
    '',
    { bodyLimit: 64 * 1024, schema: { ...doc('createDirectory', 'Create a directory'), querystring: DirectoryTenancyQuerySchema, body: CreateDirectoryBodySchema, response: { 200: DirectorySchema, 400: HttpErrorSchema, 413: HttpErrorSchema, ...errors } } },
    (request) => directoryAnswer(directories.create(request.body, request.tenant, request.query))
  )

  app.get('', { preValidation: lenient ? compatPageSize : [], schema: { ...doc('listDirectories', 'List directories'), querystring: ListDirectoriesQuerySchema, response: { 200: DirectoryListSchema, ...errors } } }, (request) => {
    const page = directories.list({ ...request.query, page_size: request.query.page_size ?? DEFAULT_PAGE_SIZE }, request.tenant)
    if (!page.tokenValid && !lenient) throw invalidPageToken(request.query.page_token)
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
    if (!page.tokenValid && !lenient) throw invalidPageToken(request.query.page_token)
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
  // Multipart is parsed in this route's scope only: to the JSON routes a form is bytes, refused (422) as FastAPI does.
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: maxUploadBytes, files: 1 } })
    const base = validatorCompiler()
    scope.withTypeProvider<TypeBoxTypeProvider>().post(
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
  })

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

  routesIn()
}
