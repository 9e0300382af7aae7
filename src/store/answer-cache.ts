import type { BatchRecord } from '../domain/timeline.js'

interface Entry {
  readonly batch: BatchRecord
  readonly step: number
  readonly body: Buffer
}

/**
 * Serialized answers, as the bytes to write, reused while they cannot change. (Bytes, not
 * strings: encoding a large string on every write costs more than everything else.) A batch's answer is fixed by its
 * record (a cancel or re-plan makes a new one), its lifecycle step and `expand`, so an
 * entry is valid exactly while those three match: it is invalidated by step, not by
 * time. Bounded in bytes; the oldest entries go first.
 */
export class AnswerCache {
  readonly #entries = new Map<string, Entry>()
  #bytes = 0

  constructor(readonly maxBytes = 64 * 1024 * 1024) {}

  get size(): number {
    return this.#entries.size
  }

  get(batch: BatchRecord, step: number, expand: boolean): Buffer | undefined {
    const entry = this.#entries.get(expand ? `${batch.id}\u0000x` : batch.id)
    return entry !== undefined && entry.batch === batch && entry.step === step ? entry.body : undefined
  }

  set(batch: BatchRecord, step: number, expand: boolean, body: Buffer): void {
    const key = expand ? `${batch.id}\u0000x` : batch.id
    const old = this.#entries.get(key)
    if (old) {
      this.#bytes -= old.body.length
      this.#entries.delete(key)
    }
    if (body.length > this.maxBytes) return
    this.#entries.set(key, { batch, step, body })
    this.#bytes += body.length
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break
      this.#entries.delete(k)
      this.#bytes -= e.body.length
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
}
