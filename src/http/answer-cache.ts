import type { BatchRecord } from '../domain/batch-record.js'

interface Entry {
  readonly key: string
  batch: BatchRecord
  step: number
  body: Buffer
  /** Neighbours in recency order: `older` towards the eviction end. */
  older: Entry | null
  newer: Entry | null
}

/**
 * Serialized answers, as the bytes to write, reused while they cannot change. (Bytes, not
 * strings: encoding a large string on every write costs more than everything else.) A batch's answer is fixed by its
 * record (a cancel or re-plan makes a new one), its lifecycle step and `expand`, so an
 * entry is valid exactly while those three match: it is invalidated by step, not by
 * time. Bounded in bytes; the least recently used entries go first.
 *
 * Recency is a doubly linked list beside the map, so an eviction costs O(1). (Evicting by
 * iterating the Map from its front walked past every entry deleted before, until the
 * table was rehashed: each walk over a full cache got slower than the last.)
 */
export class AnswerCache {
  readonly #entries = new Map<string, Entry>()
  #oldest: Entry | null = null
  #newest: Entry | null = null
  #bytes = 0

  constructor(readonly maxBytes = 64 * 1024 * 1024) {}

  get size(): number {
    return this.#entries.size
  }

  get(batch: BatchRecord, step: number, expand: boolean): Buffer | undefined {
    const entry = this.#entries.get(expand ? `${batch.id}\u0000x` : batch.id)
    if (entry === undefined || entry.batch !== batch || entry.step !== step) return undefined
    this.#touch(entry)
    return entry.body
  }

  set(batch: BatchRecord, step: number, expand: boolean, body: Buffer): void {
    const key = expand ? `${batch.id}\u0000x` : batch.id
    const old = this.#entries.get(key)
    if (old) this.#remove(old)
    if (body.length > this.maxBytes) return
    const entry: Entry = { key, batch, step, body, older: this.#newest, newer: null }
    if (this.#newest) this.#newest.newer = entry
    else this.#oldest = entry
    this.#newest = entry
    this.#entries.set(key, entry)
    this.#bytes += body.length
    while (this.#bytes > this.maxBytes && this.#oldest) this.#remove(this.#oldest)
  }

  clear(): void {
    this.#entries.clear()
    this.#oldest = this.#newest = null
    this.#bytes = 0
  }

  #touch(entry: Entry): void {
    if (entry === this.#newest) return
    this.#unlink(entry)
    entry.older = this.#newest
    entry.newer = null
    if (this.#newest) this.#newest.newer = entry
    else this.#oldest = entry
    this.#newest = entry
  }

  #unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer
    else this.#oldest = entry.newer
    if (entry.newer) entry.newer.older = entry.older
    else this.#newest = entry.older
    entry.older = entry.newer = null
  }

  #remove(entry: Entry): void {
    this.#unlink(entry)
    this.#entries.delete(entry.key)
    this.#bytes -= entry.body.length
  }
}
