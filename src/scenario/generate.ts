// The English build alone: the package's main entry loads every locale (~0.4 s at start-up).
import { faker as english } from '@faker-js/faker/locale/en'
import type { BatchStatus, JobType } from '../schemas/batch.js'
import type { FileSpec } from '../schemas/scenario.js'

/** A file of a source directory; `error` is the mapping error a batch over it reports. */
export interface DirectoryFile {
  readonly id: string
  readonly name: string
  readonly error: string | null
}

export interface Directory {
  readonly id: string
  readonly files: readonly DirectoryFile[]
}

export const DEFAULT_CONFIGURATION_IDS: Record<JobType, readonly string[]> = {
  parse_v2: ['cfg-PARSE_AGENTIC', 'cfg-PARSE_AGENTIC_PLUS', 'cfg-PARSE_COST_EFFECTIVE', 'cfg-PARSE_FAST'],
  extract_v2: ['cfg-EXTRACT_MULTIMODAL', 'cfg-EXTRACT_PREMIUM', 'cfg-EXTRACT_FAST']
}

/** FNV-1a: a stable 32-bit seed for "the same id always gives the same thing". */
export function hashSeed(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0)
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export type Faker = typeof english

/**
 * The faker, reseeded: every answer until the next call follows from `seed` and `refDate`
 * alone. There is one instance; each entity (directory, batch, job ids) seeds it from its
 * own key, so no entity's randomness depends on what was generated before it.
 */
export function seededFaker(seed: number, refDate: number): Faker {
  english.seed(seed)
  english.setDefaultRefDate(new Date(refDate))
  return english
}

export function prefixedId(faker: Faker, prefix: string): string {
  return `${prefix}-${faker.string.uuid()}`
}

const UNSUPPORTED_EXTENSIONS = ['exe', 'dwg', 'zip', 'iso', 'dmg', 'psd']

/** A mapping error as LlamaCloud words them: why a job could not be created for a file. */
export function fileErrorMessage(faker: Faker, fileName: string): string {
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

/** `count` files with realistic names, each failing with probability `errorRate`. */
export function generateFiles(faker: Faker, count: number, errorRate: number): DirectoryFile[] {
  const files: DirectoryFile[] = new Array(count)
  for (let i = 0; i < count; i++) {
    const name = documentName(faker)
    const error = errorRate > 0 && faker.number.float({ min: 0, max: 1 }) < errorRate ? fileErrorMessage(faker, name) : null
    files[i] = { id: prefixedId(faker, 'dfl'), name, error }
  }
  return files
}

/** Files listed explicitly in a scenario: missing ids and names are filled in, deterministically. */
export function filesFromSpec(faker: Faker, specs: readonly FileSpec[], errorRate: number): DirectoryFile[] {
  return specs.map((spec) => {
    const name = spec.name ?? documentName(faker)
    const error = spec.error !== undefined ? spec.error : errorRate > 0 && faker.number.float({ min: 0, max: 1 }) < errorRate ? fileErrorMessage(faker, name) : null
    return { id: spec.id ?? prefixedId(faker, 'dfl'), name, error }
  })
}

/**
 * The directory the mock makes up for an id it was not told about: same seed and id,
 * same files, whatever else happened before.
 */
export function deriveDirectory(seed: number, id: string, files: { min: number; max: number }, errorRate: number, refDate: number): Directory {
  const faker = seededFaker(hashSeed(seed, id), refDate)
  const count = faker.number.int({ min: Math.min(files.min, files.max), max: Math.max(files.min, files.max) })
  return { id, files: generateFiles(faker, count, errorRate) }
}

export const DEFAULT_STATUS_WEIGHTS: Record<BatchStatus, number> = {
  COMPLETED: 50,
  RUNNING: 12,
  PENDING: 10,
  THROTTLED: 8,
  FAILED: 10,
  CANCELLED: 10
}
