import type { Directory, DirectoryFile } from './directory.js'

export type DirectoryType = 'user' | 'ephemeral' | 'index'
export type FileMetadata = Readonly<Record<string, string | number | boolean | null | readonly string[]>>

/** A directory's own fields, as the directories API shows them. */
export interface DirectoryMeta {
  readonly id: string
  readonly name: string
  readonly description: string | null
  readonly projectId: string
  readonly type: DirectoryType
  readonly expiresAt: string | null
  readonly connectorSubscriptionId: string | null
  readonly systemMetadata: Readonly<Record<string, unknown>> | null
  readonly createdAt: number
  readonly updatedAt: number
  readonly deletedAt: number | null
}

/**
 * A file of a directory the API wrote to: what a batch maps (`id`, `name`, `error`) and
 * what the files API shows. `seq` orders the directory's files (list cursors resume after
 * one). An upload keeps its size and hash, never its bytes.
 */
export interface FileEntry extends DirectoryFile {
  readonly seq: number
  readonly uniqueId: string
  readonly fileId: string | null
  readonly metadata: FileMetadata
  readonly createdAt: number
  readonly updatedAt: number
  readonly bytes?: number | undefined
  readonly sha256?: string | undefined
}

export function isFileEntry(file: DirectoryFile): file is FileEntry {
  return 'seq' in file
}

/**
 * A directory the API writes to. Its files are an array that is only ever appended to in
 * place; removing or replacing a file copies it first. So a snapshot — the array and its
 * length at that moment — never changes: a batch keeps the files it was created over
 * whatever happens to the directory later, and taking one costs O(1).
 */
export class EditableDirectory {
  #files: FileEntry[]
  #nextSeq: number

  constructor(
    public meta: DirectoryMeta,
    files: readonly FileEntry[] = []
  ) {
    this.#files = [...files]
    this.#nextSeq = files.length > 0 ? (files[files.length - 1] as FileEntry).seq + 1 : 0
  }

  get count(): number {
    return this.#files.length
  }

  get files(): readonly FileEntry[] {
    return this.#files
  }

  /** The next file's `seq`. */
  nextSeq(): number {
    return this.#nextSeq++
  }

  /** The directory as it is now, for a batch: never changes afterwards. */
  snapshot(): Directory {
    const files = this.#files
    const count = files.length
    return { id: this.meta.id, count, file: (i) => files[i] as FileEntry }
  }

  append(entry: FileEntry): void {
    this.#files.push(entry)
  }

  indexOf(fileId: string): number {
    return this.#files.findIndex((f) => f.id === fileId)
  }

  replace(index: number, entry: FileEntry): void {
    const copy = this.#files.slice()
    copy[index] = entry
    this.#files = copy
  }

  remove(index: number): FileEntry {
    const copy = this.#files.slice()
    const [gone] = copy.splice(index, 1)
    this.#files = copy
    return gone as FileEntry
  }

  /** A deleted directory keeps its fields (`deleted_at`), not its files. */
  markDeleted(at: number): void {
    this.meta = { ...this.meta, deletedAt: at, updatedAt: at }
    this.#files = []
  }

  /** The index of the first file whose `seq` is above `seq` (files are in `seq` order). */
  after(seq: number): number {
    let lo = 0
    let hi = this.#files.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#files[mid] as FileEntry).seq <= seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
