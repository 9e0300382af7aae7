import type { BatchStatus, JobType } from '../schemas/batch.js'
import type { FileSpec } from '../schemas/scenario.js'
import type { DirectoryFile } from '../domain/directory.js'
import { DOCUMENT_EXTENSIONS, errorMessageFrom } from '../store/derived-directory.js'
import type { Faker } from '../store/seeded-faker.js'

export const DEFAULT_CONFIGURATION_IDS: Record<JobType, readonly string[]> = {
  parse_v2: ['cfg-PARSE_AGENTIC', 'cfg-PARSE_AGENTIC_PLUS', 'cfg-PARSE_COST_EFFECTIVE', 'cfg-PARSE_FAST'],
  extract_v2: ['cfg-EXTRACT_MULTIMODAL', 'cfg-EXTRACT_PREMIUM', 'cfg-EXTRACT_FAST']
}

export function prefixedId(faker: Faker, prefix: string): string {
  return `${prefix}-${faker.string.uuid()}`
}

/** A mapping error as LlamaCloud words them: why a job could not be created for a file. */
export function fileErrorMessage(faker: Faker, fileName: string): string {
  return errorMessageFrom((items) => faker.helpers.arrayElement(items), fileName)
}

export function documentName(faker: Faker): string {
  return `${faker.system.commonFileName(faker.helpers.arrayElement(DOCUMENT_EXTENSIONS))}`
}

/** A file with a realistic name that fails to map with probability `errorRate`. */
function generatedFile(faker: Faker, errorRate: number): DirectoryFile {
  const name = documentName(faker)
  const error = errorRate > 0 && faker.number.float({ min: 0, max: 1 }) < errorRate ? fileErrorMessage(faker, name) : null
  return { id: prefixedId(faker, 'dfl'), name, error }
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

export const DEFAULT_STATUS_WEIGHTS: Record<BatchStatus, number> = {
  COMPLETED: 50,
  RUNNING: 12,
  PENDING: 10,
  THROTTLED: 8,
  FAILED: 10,
  CANCELLED: 10
}
