// The English build alone: the package's main entry loads every locale (~0.4 s at start-up).
import { faker as english } from '@faker-js/faker/locale/en'
import type { BatchStatus, JobType } from '../schemas/batch.js'
import type { FileSpec } from '../schemas/scenario.js'
import { hashSeed } from '../ids.js'
// Kept until every importer takes them from ids.ts.
export { hashedId, hashSeed } from '../ids.js'

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

export const DEFAULT_CONFIGURATION_IDS: Record<JobType, readonly string[]> = {
  parse_v2: ['cfg-PARSE_AGENTIC', 'cfg-PARSE_AGENTIC_PLUS', 'cfg-PARSE_COST_EFFECTIVE', 'cfg-PARSE_FAST'],
  extract_v2: ['cfg-EXTRACT_MULTIMODAL', 'cfg-EXTRACT_PREMIUM', 'cfg-EXTRACT_FAST']
}

export type Faker = typeof english

// faker.seed alone does not make faker.date.* reproducible; a fixed reference date does.
english.setDefaultRefDate(new Date('2026-01-01T00:00:00.000Z'))

/**
 * The faker, reseeded: every answer until the next call follows from `seed` alone. There
 * is one instance; each entity (directory file, batch, job id) seeds it from its own key,
 * so nothing generated depends on what was generated before it.
 */
export function seededFaker(seed: number): Faker {
  english.seed(seed)
  return english
}

export function prefixedId(faker: Faker, prefix: string): string {
  return `${prefix}-${faker.string.uuid()}`
}

const UNSUPPORTED_EXTENSIONS = ['exe', 'dwg', 'zip', 'iso', 'dmg', 'psd']

/** A mapping error as LlamaCloud words them: why a job could not be created for a file. */
export function fileErrorMessage(faker: Faker, fileName: string): string {
  return errorMessageFrom((items) => faker.helpers.arrayElement(items), fileName)
}

function errorMessageFrom(pick: <T>(items: readonly T[]) => T, fileName: string): string {
  const faker = { helpers: { arrayElement: pick } }
  const ext = fileName.includes('.') ? fileName.slice(fileName.lastIndexOf('.') + 1) : ''
  const messages = [
    `Unsupported file type '.${faker.helpers.arrayElement(UNSUPPORTED_EXTENSIONS)}' for ${fileName}`,
    `File ${fileName} exceeds the maximum size of 300 MB`,
    `File ${fileName} is password-protected and cannot be opened`,
    `File ${fileName} is empty (0 bytes)`,
    `Could not download ${fileName} from the data source: 403 Forbidden`,
    `File ${fileName} is corrupted or not a valid ${ext.toUpperCase() || 'document'}`,
    'Job creation quota exceeded for this project; retry the batch later'
  ]
  return faker.helpers.arrayElement(messages)
}

const DOCUMENT_EXTENSIONS = ['pdf', 'pdf', 'pdf', 'docx', 'pptx', 'xlsx', 'png', 'jpg', 'html', 'txt']

export function documentName(faker: Faker): string {
  return `${faker.system.commonFileName(faker.helpers.arrayElement(DOCUMENT_EXTENSIONS))}`
}

/** A file with a realistic name that fails to map with probability `errorRate`. */
function generatedFile(faker: Faker, errorRate: number): DirectoryFile {
  const name = documentName(faker)
  const error = errorRate > 0 && faker.number.float({ min: 0, max: 1 }) < errorRate ? fileErrorMessage(faker, name) : null
  return { id: prefixedId(faker, 'dfl'), name, error }
}

/**
 * Incremental FNV-1a: the state after hashing `key`, to continue with the decimal digits of
 * an index. Two bases give two independent 32-bit hashes, 64 bits in all.
 */
export interface KeyHash {
  readonly a: number
  readonly b: number
}

export function keyHash(seed: number, key: string): KeyHash {
  let a = 0x811c9dc5 ^ (seed >>> 0)
  let b = 0x01234567 ^ Math.imul(seed >>> 0, 0x9e3779b1)
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  return { a, b }
}

/** The hash of `key` followed by the digits of `index`, written into `out` (a, b). */
function indexHash(h: KeyHash, index: number, out: Uint32Array): void {
  let a = h.a
  let b = h.b
  const digits = String(index)
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  out[0] = a
  out[1] = b
}

/** A 32-bit finaliser (murmur3's fmix32). */
function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const hex8 = (n: number): string => (HEX[n >>> 24] as string) + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255]
const scratch = new Uint32Array(2)
const words = new Uint32Array(4)

/**
 * Four well-mixed 32-bit words for (key, index), into `words`: a v4 uuid, or a choice,
 * costs a few multiplications instead of reseeding the faker (~50 µs a time).
 */
function wordsAt(h: KeyHash, index: number): Uint32Array {
  indexHash(h, index, scratch)
  const a = scratch[0] as number
  const b = scratch[1] as number
  words[0] = mix(a)
  words[1] = mix(b ^ 0x9e3779b9)
  words[2] = mix(a + Math.imul(b, 0x27d4eb2d))
  words[3] = mix(b + Math.imul(a, 0x165667b1))
  return words
}

function uuidOf(prefix: string, w: Uint32Array): string {
  const x = w[0] as number
  const y = w[1] as number
  const z = w[2] as number
  return `${prefix}-${hex8(x)}-${HEX[y >>> 24]}${HEX[(y >>> 16) & 255]}-4${hex8(y).slice(5)}-${'89ab'[z >>> 30]}${hex8(z).slice(1, 4)}-${hex8(z).slice(4)}${hex8(w[3] as number)}`
}

/** A v4-shaped id that follows from (key, index) alone, fast enough to make per file. */
export function indexedId(prefix: string, h: KeyHash, index: number): string {
  return uuidOf(prefix, wordsAt(h, index))
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

/** Files listed explicitly in a scenario: missing ids and names are filled in, deterministically. */
export function filesFromSpec(faker: Faker, specs: readonly FileSpec[], errorRate: number): DirectoryFile[] {
  return specs.map((spec) => {
    const generated = generatedFile(faker, errorRate)
    const name = spec.name ?? generated.name
    const error = spec.error !== undefined ? spec.error : generated.error === null ? null : fileErrorMessage(faker, name)
    return { id: spec.id ?? generated.id, name, error }
  })
}

/**
 * The directory the mock makes up for an id it was not told about: same seed and id,
 * same files, whatever else happened before.
 */
export function deriveDirectory(seed: number, id: string, files: { min: number; max: number }, errorRate: number): Directory {
  const count = seededFaker(hashSeed(seed, id)).number.int({ min: Math.min(files.min, files.max), max: Math.max(files.min, files.max) })
  return derivedDirectory(seed, id, count, errorRate)
}

export const DEFAULT_STATUS_WEIGHTS: Record<BatchStatus, number> = {
  COMPLETED: 50,
  RUNNING: 12,
  PENDING: 10,
  THROTTLED: 8,
  FAILED: 10,
  CANCELLED: 10
}
