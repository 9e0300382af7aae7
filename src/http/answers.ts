import build from 'fast-json-stringify'
import type { BatchRecord } from '../domain/batch-record.js'
import { batchAt, lifecycleStepAt } from '../domain/lifecycle.js'
import { BatchSchema } from '../schemas/batch.js'
import { AnswerCache } from './answer-cache.js'
import { serializingSchema } from './serializing-schema.js'

/**
 * A batch's answer as the bytes to send, serialized by its response schema: an answer
 * cannot carry a key or a type the schema does not declare. Stored batches' answers are
 * cached by lifecycle step, so a hit costs neither building nor serializing.
 */
export class Answers {
  readonly #cache = new AnswerCache()
  // Compiled on first use: most start-ups never pay for it before their first GET.
  #serialize: ((batch: unknown) => string) | null = null

  constructor(readonly isStored: (batch: BatchRecord) => boolean) {}

  /** The batch as the API answers it at time t. */
  json(batch: BatchRecord, t: number, expandResults: boolean): Buffer {
    // A compat batch derived on read is a new object each time: caching it would only
    // hold it in memory.
    if (!this.isStored(batch)) return this.#bytes(batch, t, expandResults)
    const step = lifecycleStepAt(batch, t)
    const cached = this.#cache.get(batch, step, expandResults)
    if (cached !== undefined) return cached
    const body = this.#bytes(batch, t, expandResults)
    this.#cache.set(batch, step, expandResults, body)
    return body
  }

  /**
   * A new batch's first answer as text, not kept: a client polls it later, at another step of
   * its lifecycle, and a first answer of every create would crowd the cache. The same text
   * `json` makes into bytes.
   */
  text(batch: BatchRecord, t: number): string {
    return this.#text(batch, t, false)
  }

  /** Forgets every answer: a new world (reset, another scenario) makes them unreachable. */
  clear(): void {
    this.#cache.clear()
  }

  #bytes(batch: BatchRecord, t: number, expandResults: boolean): Buffer {
    return Buffer.from(this.#text(batch, t, expandResults))
  }

  #text(batch: BatchRecord, t: number, expandResults: boolean): string {
    this.#serialize ??= build(serializingSchema(BatchSchema) as typeof BatchSchema)
    return this.#serialize(batchAt(batch, t, expandResults))
  }
}
