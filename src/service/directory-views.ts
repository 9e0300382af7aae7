import type { Directory, DirectoryFile } from '../domain/directory.js'
import { isFileEntry, type DirectoryMeta, type FileEntry, type FileMetadata } from '../domain/directory-files.js'
import { keyHash, uuidOf, wordsAt } from '../store/key-hash.js'
import type { World } from '../store/world.js'

/** A string under this metadata key makes the file fail to map in batches, with that message. */
export const MOCK_ERROR_KEY = 'mock_error'

export const NO_METADATA: FileMetadata = Object.freeze({})
const NAME_WORDS = ['Invoices', 'Contracts', 'Reports', 'Statements', 'Receipts', 'Claims', 'Filings', 'Policies']

/** The mapping error a file's metadata asks for (a non-empty string `mock_error`), or null. */
export function mockErrorOf(metadata: FileMetadata | null | undefined): string | null {
  const value = metadata?.[MOCK_ERROR_KEY]
  return typeof value === 'string' && value.length > 0 ? value : null
}

/** The name of a directory the API never wrote to: from the seed and its id. */
export function lazyName(seed: number, id: string): string {
  return `${NAME_WORDS[keyHash(seed, id).a >>> 29] as string} ${id.slice(4, 12)}`
}

/**
 * The fields of a directory the API never wrote to: it belongs to the project of the
 * first batch over it, else (declared by the scenario) to the default project, else
 * (made up for this id) to whoever asks.
 */
export function lazyMeta(world: World, dir: Directory, asker: () => string): DirectoryMeta {
  const first = world.store.firstOver(dir.id)
  const projectId = first?.projectId ?? (world.directories.has(dir.id) ? world.defaults.projectId : asker())
  const createdAt = Math.min(first?.createdAt ?? world.epoch, world.epoch)
  return {
    id: dir.id,
    name: lazyName(world.seed, dir.id),
    description: null,
    projectId,
    type: 'user',
    expiresAt: null,
    connectorSubscriptionId: null,
    systemMetadata: null,
    createdAt,
    updatedAt: createdAt,
    deletedAt: null
  }
}

/** A file as the files API shows it; one of a lazy directory gets its fields from the seed and its id. */
export function entryOf(world: World, file: DirectoryFile, index: number, meta: DirectoryMeta): FileEntry {
  if (isFileEntry(file)) return file
  const fileId = uuidOf('', wordsAt(keyHash(world.seed, `file:${file.id}`), 0)).slice(1)
  return { seq: index, id: file.id, name: file.name, error: file.error, uniqueId: file.name, fileId, metadata: NO_METADATA, createdAt: meta.createdAt, updatedAt: meta.createdAt }
}

/** The memory a file's fields hold, estimated (UTF-16 strings, an object's overhead). */
export function entryBytes(f: FileEntry): number {
  const strings = f.name.length + f.uniqueId.length + (f.fileId?.length ?? 0) + (f.error?.length ?? 0)
  return 200 + 2 * strings + (Object.keys(f.metadata).length > 0 ? 2 * JSON.stringify(f.metadata).length : 0)
}

/** The memory a directory's fields hold, estimated. */
export function metaBytes(m: DirectoryMeta): number {
  return 300 + 2 * (m.name.length + (m.description?.length ?? 0)) + (m.systemMetadata ? 2 * JSON.stringify(m.systemMetadata).length : 0)
}
