import type { Directory, DirectoryFile } from '../domain/directory.js'
import { hashSeed } from '../ids.js'
import { keyHash, uuidOf, wordsAt, type KeyHash } from './key-hash.js'
import { seededFaker } from './seeded-faker.js'

const UNSUPPORTED_EXTENSIONS = ['exe', 'dwg', 'zip', 'iso', 'dmg', 'psd']

export const DOCUMENT_EXTENSIONS = ['pdf', 'pdf', 'pdf', 'docx', 'pptx', 'xlsx', 'png', 'jpg', 'html', 'txt']

/** A mapping error as LlamaCloud words them, each choice made by `pick`. */
export function errorMessageFrom(pick: <T>(items: readonly T[]) => T, fileName: string): string {
  const ext = fileName.includes('.') ? fileName.slice(fileName.lastIndexOf('.') + 1) : ''
  const messages = [
    `Unsupported file type '.${pick(UNSUPPORTED_EXTENSIONS)}' for ${fileName}`,
    `File ${fileName} exceeds the maximum size of 300 MB`,
    `File ${fileName} is password-protected and cannot be opened`,
    `File ${fileName} is empty (0 bytes)`,
    `Could not download ${fileName} from the data source: 403 Forbidden`,
    `File ${fileName} is corrupted or not a valid ${ext.toUpperCase() || 'document'}`,
    'Job creation quota exceeded for this project; retry the batch later'
  ]
  return pick(messages)
}

const NAME_WORDS = ['invoice', 'report', 'contract', 'statement', 'summary', 'proposal', 'minutes', 'receipt', 'policy', 'brochure', 'manual', 'memo', 'budget', 'forecast', 'agreement', 'survey']

/** A derived directory's file: id and mapping error from a hash; no faker on this path. */
function hashedFile(h: KeyHash, index: number, errorRate: number): DirectoryFile {
  const w = wordsAt(h, index)
  const id = uuidOf('dfl', w)
  if (!(errorRate > 0 && (w[3] as number) / 2 ** 32 < errorRate)) return new HashedFile(id, w[1] as number, w[2] as number, w[3] as number)
  const file = new HashedFile(id, w[1] as number, w[2] as number, w[3] as number)
  const pick = <T>(items: readonly T[]): T => items[((w[0] as number) >>> 5) % items.length] as T
  return { id, name: file.name, error: errorMessageFrom(pick, file.name) }
}

/** A file that maps: its name is made only if someone asks (results never do). */
class HashedFile implements DirectoryFile {
  readonly error = null
  constructor(
    readonly id: string,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number
  ) {}

  get name(): string {
    return `${NAME_WORDS[(this.w1 >>> 7) % NAME_WORDS.length]}_${this.w2 % 10_000}.${DOCUMENT_EXTENSIONS[(this.w3 >>> 3) % DOCUMENT_EXTENSIONS.length]}`
  }
}

/** `count` generated files, each made on demand from the seed, the directory id and its index. */
export function derivedDirectory(seed: number, id: string, count: number, errorRate: number): Directory {
  const h = keyHash(seed, `${id}#`)
  return { id, count, file: (i) => hashedFile(h, i, errorRate) }
}

/**
 * The directory the mock makes up for an id it was not told about: same seed and id,
 * same files, whatever else happened before.
 */
export function deriveDirectory(seed: number, id: string, files: { min: number; max: number }, errorRate: number): Directory {
  const count = seededFaker(hashSeed(seed, id)).number.int({ min: Math.min(files.min, files.max), max: Math.max(files.min, files.max) })
  return derivedDirectory(seed, id, count, errorRate)
}
