/** A file of a source directory; `error` is the mapping error a batch over it reports. */
export interface DirectoryFile {
  readonly id: string
  readonly name: string
  readonly error: string | null
}

/**
 * A source directory: its files by index. A derived directory makes each file on demand
 * from the seed, so large scenarios hold no per-file objects.
 */
export interface Directory {
  readonly id: string
  readonly count: number
  file(index: number): DirectoryFile
}

export function listedDirectory(id: string, files: readonly DirectoryFile[]): Directory {
  return { id, count: files.length, file: (i) => files[i] as DirectoryFile }
}
