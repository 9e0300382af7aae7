import { createHash } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import type { FastifyRequest } from 'fastify'
import type { FileMetadata } from '../domain/directory-files.js'
import { MAX_ID_LENGTH } from '../schemas/batch-requests.js'
import { FileMetadataSchema, MAX_METADATA_KEY_LENGTH, MAX_NAME_LENGTH } from '../schemas/directories.js'
import type { FileUpload } from '../service/directories.js'
import { RequestValidationError } from './error-handler.js'

/** Bytes one uploaded file may have; beyond, the upload answers 413. */
export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
/** Text fields of an upload: bytes each, and how many. */
const MAX_UPLOAD_FIELD_BYTES = 64 * 1024
const MAX_UPLOAD_FIELDS = 16

/** Bytes an upload's whole body may have beyond its file and text fields: part headers, boundaries, a preamble. */
const UPLOAD_OVERHEAD_BYTES = 64 * 1024

/** Bytes an upload's whole body may have: busboy skips what is not a part (a preamble, an epilogue), so it is counted here. */
export const uploadBodyLimit = (maxUploadBytes: number): number => maxUploadBytes + MAX_UPLOAD_FIELDS * MAX_UPLOAD_FIELD_BYTES + UPLOAD_OVERHEAD_BYTES

const invalidField = (field: string, msg: string, input: unknown, type = 'value_error') => new RequestValidationError([{ type, loc: ['body', field], msg, input }])

/** Reads a multipart upload: the file's bytes are counted and hashed as they stream by, never kept. */
export async function readUpload(request: FastifyRequest, maxUploadBytes: number): Promise<FileUpload> {
  if (!request.isMultipart()) throw invalidField('upload_file', 'Field required', null, 'missing')
  const fields: Record<string, string> = {}
  let file: { filename: string; bytes: number; sha256: string } | undefined
  const bodyLimit = uploadBodyLimit(maxUploadBytes)
  const tooLarge = () => Object.assign(new Error(`Request body too large: an upload's body holds at most ${bodyLimit} bytes (--max-upload-bytes plus its fields)`), { statusCode: 413 })
  if (Number(request.headers['content-length']) > bodyLimit) throw tooLarge()
  const raw = request.raw
  let seen = 0
  // A chunked body has no length to check up front: its bytes are counted as they come, and
  // past the limit the parser is stopped with an error (@fastify/multipart listens on the request).
  const count = (chunk: Buffer): void => {
    seen += chunk.length
    if (seen <= bodyLimit) return
    raw.off('data', count)
    raw.emit('error', tooLarge())
  }
  const iterator = request.parts({ limits: { fileSize: maxUploadBytes, files: 1, fields: MAX_UPLOAD_FIELDS, fieldSize: MAX_UPLOAD_FIELD_BYTES, parts: MAX_UPLOAD_FIELDS + 1 } })
  // The first next() pipes the request into busboy (synchronously); the counter listens from then on.
  const first = iterator.next()
  // Ahead of busboy's listener: a chunk past the limit is refused before busboy parses it.
  raw.prependListener('data', count)
  async function* parts() {
    for (let r = await first; r.done !== true; r = await iterator.next()) yield r.value
  }
  try {
    for await (const part of parts()) {
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
    const err = e as { code?: string; statusCode?: number }
    if (seen > bodyLimit) throw tooLarge()
    if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw Object.assign(new Error(`File too large: an upload holds at most ${maxUploadBytes} bytes (--max-upload-bytes)`), { statusCode: 413 })
    if (e instanceof RequestValidationError || (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)) throw e
    // A body busboy cannot read (no boundary, cut short): the client's fault, as Starlette says it.
    throw Object.assign(new Error('There was an error parsing the body'), { statusCode: 400 })
  } finally {
    raw.off('data', count)
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
    // Value.Check knows no `propertyNames`: the key length is checked here.
    const longKey = parsed !== null && typeof parsed === 'object' && Object.keys(parsed).some((k) => k.length > MAX_METADATA_KEY_LENGTH)
    if (parsed !== null && (longKey || !Value.Check(FileMetadataSchema, parsed))) {
      throw invalidField('metadata', `Value error, metadata must be a JSON object of at most 64 keys (of at most ${MAX_METADATA_KEY_LENGTH} characters), each a string, number, boolean, null or list of strings`, fields.metadata.slice(0, 64))
    }
    metadata = (parsed ?? undefined) as FileMetadata | undefined
  }
  return { ...file, display_name: fields.display_name || undefined, unique_id: fields.unique_id || undefined, external_file_id: external || undefined, metadata }
}
