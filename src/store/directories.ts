import type { Directory } from '../domain/directory.js'
import type { EditableDirectory } from '../domain/directory-files.js'
import { DirectoryNotFoundError } from '../domain/errors.js'
import { deriveDirectory } from './derived-directory.js'

/** Derived directories kept for reuse; beyond, they are derived again (deterministic). */
export const DERIVED_DIRECTORY_CACHE = 4096

/** What deriving a directory for an unknown id needs from the scenario's defaults. */
export interface DerivationDefaults {
  readonly directoryFiles: { readonly min: number; readonly max: number }
  readonly fileErrorRate: number
}

/**
 * Every directory of a world: the declared ones (the scenario's `directories:`, inline
 * batch directories, and those its batches were laid out over), and the ones made up
 * for ids nobody declared — derived from the seed and the id, so kept only in a bounded
 * cache, never as state.
 */
export class Directories {
  readonly #declared = new Map<string, Directory>()
  #derived = new Map<string, Directory>()
  /** Directories the API created or wrote to (deleted ones too): `#declared` holds their snapshot. */
  readonly #editable = new Map<string, EditableDirectory>()
  /** Every id ever declared, in order; built on the first listing (a scenario never pays for it). */
  #order: string[] | null = null

  constructor(
    readonly seed: number,
    readonly defaults: DerivationDefaults,
    readonly maxDerived = DERIVED_DIRECTORY_CACHE
  ) {}

  /** Makes `dir` known under its id, in place of any directory known by that id before. */
  declare(dir: Directory): Directory {
    if (this.#order && !this.#declared.has(dir.id) && !this.#editable.has(dir.id)) this.#order.push(dir.id)
    this.#declared.set(dir.id, dir)
    return dir
  }

  /** The directory the API writes to under this id (a deleted one too), if any. */
  editable(id: string): EditableDirectory | undefined {
    return this.#editable.get(id)
  }

  /** Keeps `dir` as the API's directory for its id, and its snapshot as what batches see (none once deleted). */
  store(dir: EditableDirectory): void {
    const id = dir.meta.id
    if (this.#order && !this.#declared.has(id) && !this.#editable.has(id)) this.#order.push(id)
    this.#editable.set(id, dir)
    if (dir.meta.deletedAt === null) {
      this.#declared.set(id, dir.snapshot())
      return
    }
    this.#declared.delete(id)
    this.#derived.delete(id)
  }

  /** Directories the API created or wrote to, deleted ones included. */
  get editableCount(): number {
    return this.#editable.size
  }

  /** Every declared id (deleted API directories included), in the order they were first declared. */
  ordered(): readonly string[] {
    this.#order ??= [...new Set([...this.#declared.keys(), ...this.#editable.keys()])]
    return this.#order
  }

  /** A declared directory, or undefined: derived ones are not declared. */
  get(id: string): Directory | undefined {
    return this.#declared.get(id)
  }

  has(id: string): boolean {
    return this.#declared.has(id)
  }

  /** Declared directories. */
  get size(): number {
    return this.#declared.size
  }

  /** Derived directories held in the cache now (at most `maxDerived`). */
  get derivedCount(): number {
    return this.#derived.size
  }

  /** The directory made up for `id` (same seed and id, same files), neither declared nor cached. */
  derive(id: string, errorRate = this.defaults.fileErrorRate): Directory {
    return deriveDirectory(this.seed, id, this.defaults.directoryFiles, errorRate)
  }

  /**
   * The declared directory `id`, else (when `derive` allows it) the one made up for it;
   * else DirectoryNotFoundError.
   */
  resolve(id: string, options: { readonly derive: boolean }): Directory {
    const known = this.#declared.get(id)
    if (known) return known
    // A deleted directory stays deleted: it is not made up again.
    if (!options.derive || this.#editable.has(id)) throw new DirectoryNotFoundError(id)
    const cached = this.#derived.get(id)
    if (cached) return cached
    const derived = this.derive(id)
    // Bounded: a client naming a new directory on every create must not grow it. Cleared
    // whole rather than evicted one by one (a Map evicted from its front slows down).
    if (this.#derived.size >= this.maxDerived) this.#derived = new Map()
    this.#derived.set(id, derived)
    return derived
  }
}
