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

/** `count` generated files, each made on demand from the seed, the directory id and its index. */
export function derivedDirectory(seed: number, id: string, count: number, errorRate: number): Directory {
  return { id, count, file: (i) => generatedFile(seededFaker(hashSeed(seed, `${id}#${i}`)), errorRate) }
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
