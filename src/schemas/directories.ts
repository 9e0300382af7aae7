import { Type, type Static } from '@sinclair/typebox'
import { DEFAULT_PAGE_SIZE, MAX_ID_LENGTH, ORGANIZATION_ID_PATTERN, PROJECT_ID_PATTERN } from './batch-requests.js'
import { DateTimeQuery } from './datetime-query.js'

/** Files a page of a directory's files holds at most (a client joins results to files in few pages). */
export const MAX_FILES_PAGE_SIZE = 1000
export const MAX_DIRECTORIES_PAGE_SIZE = 100
export const MAX_NAME_LENGTH = 512
export const MAX_DESCRIPTION_LENGTH = 4096
export const MAX_METADATA_KEYS = 64
export const MAX_METADATA_KEY_LENGTH = 256
export const MAX_METADATA_VALUE_LENGTH = 4096

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])
const Id = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH })
const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])

const TenancyQuery = {
  organization_id: Type.Optional(Type.String({ pattern: ORGANIZATION_ID_PATTERN })),
  project_id: Type.Optional(Type.String({ pattern: PROJECT_ID_PATTERN }))
}

export const DirectoryTypeSchema = Type.Union([Type.Literal('user'), Type.Literal('ephemeral'), Type.Literal('index')])

export const DirectorySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    project_id: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    type: DirectoryTypeSchema,
    connector_subscription_id: Type.Union([Type.String(), Type.Null()]),
    system_metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    expires_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    deleted_at: Timestamp
  },
  { description: 'A directory of files a batch can run over.' }
)
export type DirectoryAnswer = Static<typeof DirectorySchema>

const MetadataValue = Type.Union([
  Type.String({ maxLength: MAX_METADATA_VALUE_LENGTH }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
  Type.Array(Type.String({ maxLength: MAX_METADATA_VALUE_LENGTH }), { maxItems: 64 })
])
// A Record's key schema becomes `patternProperties` and its maxLength is lost: `propertyNames` holds keys to it.
const MetadataKeys = { maxProperties: MAX_METADATA_KEYS, propertyNames: { maxLength: MAX_METADATA_KEY_LENGTH } }
export const FileMetadataSchema = Type.Record(Type.String({ maxLength: MAX_METADATA_KEY_LENGTH }), MetadataValue, MetadataKeys)

export const DirectoryFileSchema = Type.Object(
  {
    id: Type.String(),
    directory_id: Type.String(),
    display_name: Type.String(),
    project_id: Type.String(),
    unique_id: Type.String(),
    file_id: Type.Union([Type.String(), Type.Null()]),
    metadata: Type.Record(Type.String(), MetadataValue),
    download_url: Type.Null(),
    created_at: Timestamp,
    updated_at: Timestamp,
    deleted_at: Timestamp
  },
  { description: 'A file of a directory; `id` is what batch results name as `source_directory_file_id`.' }
)
export type DirectoryFileAnswer = Static<typeof DirectoryFileSchema>

export const DirectoryListSchema = Type.Object({ items: Type.Array(DirectorySchema), next_page_token: Type.Union([Type.String(), Type.Null()]) })
export const DirectoryFileListSchema = Type.Object({ items: Type.Array(DirectoryFileSchema), next_page_token: Type.Union([Type.String(), Type.Null()]) })

export const DirectoryIdParamsSchema = Type.Object({ directory_id: Id })
export const DirectoryFileParamsSchema = Type.Object({ directory_id: Id, directory_file_id: Id })

export const DirectoryTenancyQuerySchema = Type.Object(TenancyQuery)
export type DirectoryTenancyQuery = Static<typeof DirectoryTenancyQuerySchema>

export const CreateDirectoryBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
  description: Type.Optional(Nullable(Type.String({ maxLength: MAX_DESCRIPTION_LENGTH }))),
  type: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('ephemeral')])),
  connector_subscription_id: Type.Optional(Nullable(Type.String({ maxLength: MAX_ID_LENGTH }))),
  system_metadata: Type.Optional(Type.Union([Type.Record(Type.String({ maxLength: MAX_METADATA_KEY_LENGTH }), Type.Unknown(), MetadataKeys), Type.Null()])),
  // Read as pydantic reads a datetime (a naive one, as Python clients send, is UTC); kept as ISO 8601 UTC.
  expires_at: Type.Optional(Type.Union([DateTimeQuery('When the directory expires'), Type.Null()]))
})
export type CreateDirectoryBody = Static<typeof CreateDirectoryBodySchema>

export const UpdateDirectoryBodySchema = Type.Object({
  name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: MAX_DESCRIPTION_LENGTH })))
})
export type UpdateDirectoryBody = Static<typeof UpdateDirectoryBodySchema>

const PageQuery = (max: number) => ({
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: max, description: `Maximum number of items to return (default ${DEFAULT_PAGE_SIZE})` })),
  page_token: Type.Optional(Type.String({ maxLength: 512, description: 'Token for retrieving next page' }))
})

export const ListDirectoriesQuerySchema = Type.Object({
  ...PageQuery(MAX_DIRECTORIES_PAGE_SIZE),
  include_deleted: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
  type: Type.Optional(DirectoryTypeSchema),
  types: Type.Optional(Type.Array(DirectoryTypeSchema, { maxItems: 3 })),
  ...TenancyQuery
})
export type ListDirectoriesQuery = Static<typeof ListDirectoriesQuerySchema>

const Expand = Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16, description: 'Accepted; the mock has no expandable file fields.' }))

export const ListFilesQuerySchema = Type.Object({
  ...PageQuery(MAX_FILES_PAGE_SIZE),
  display_name: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
  display_name_contains: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
  file_id: Type.Optional(Type.String({ maxLength: MAX_ID_LENGTH })),
  unique_id: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
  include_deleted: Type.Optional(Type.Boolean()),
  expand: Expand,
  updated_at_on_or_after: Type.Optional(DateTimeQuery('Files updated at or after')),
  updated_at_on_or_before: Type.Optional(DateTimeQuery('Files updated at or before')),
  ...TenancyQuery
})
export type ListFilesQuery = Static<typeof ListFilesQuerySchema>

export const GetFileQuerySchema = Type.Object({ expand: Expand, ...TenancyQuery })

export const AddFileBodySchema = Type.Object({
  file_id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
  display_name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }))),
  unique_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }))),
  metadata: Type.Optional(Type.Union([FileMetadataSchema, Type.Null()]))
})
export type AddFileBody = Static<typeof AddFileBodySchema>

export const UpdateFileBodySchema = Type.Object({
  display_name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }))),
  unique_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }))),
  metadata: Type.Optional(Type.Union([FileMetadataSchema, Type.Null()])),
  target_directory_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH })))
})
export type UpdateFileBody = Static<typeof UpdateFileBodySchema>

/** The fields of a multipart upload besides `upload_file` (documentation: the body is read by @fastify/multipart). */
export const UploadFileBodySchema = Type.Object({
  upload_file: Type.String({ format: 'binary', description: 'The file; its bytes are hashed and counted, never kept.' }),
  display_name: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
  unique_id: Type.Optional(Type.String({ maxLength: MAX_NAME_LENGTH })),
  external_file_id: Type.Optional(Type.String({ maxLength: MAX_ID_LENGTH })),
  metadata: Type.Optional(Type.String({ description: 'A JSON object, as text. A string `mock_error` makes the file fail to map in batches.' }))
})
