/** One request as the journal answers it. */
export interface JournalEntry {
  readonly id: string
  /** Wall time the request arrived (ISO). */
  readonly time: string
  /** The mock clock when it arrived (ISO). */
  readonly mock_time: string
  readonly method: string
  readonly path: string
  readonly query: string
  readonly status: number
  readonly duration_ms: number
  readonly matched: boolean
  readonly fault: string | null
}

/** One request as the journal keeps it: times as numbers, formatted only when read. */
export interface JournalRecord {
  readonly id: string
  readonly time: number
  readonly mockTime: number
  readonly method: string
  readonly path: string
  readonly query: string
  readonly status: number
  readonly duration_ms: number
  /** False when no route served it (404 for an unknown path, 405 for a wrong method). */
  readonly matched: boolean
  /** The fault rule that answered it, if any. */
  readonly fault: string | null
}

export interface JournalFilter {
  method?: string | undefined
  path_prefix?: string | undefined
  status?: number | undefined
  since?: number | undefined
  matched?: boolean | undefined
}

/**
 * The request journal: a ring of the last `capacity` requests, so memory stays flat
 * however long the mock runs. Oldest entries are overwritten first.
 */
export class Journal {
  readonly #ring: (JournalRecord | undefined)[]
  #next = 0
  #size = 0
  #total = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`journal capacity must be a positive integer, got ${capacity}`)
    this.#ring = new Array(capacity)
  }

  get size(): number {
    return this.#size
  }

  /** Requests recorded since the last clear, including those overwritten. */
  get total(): number {
    return this.#total
  }

  record(entry: JournalRecord): void {
    this.#ring[this.#next] = entry
    this.#next = (this.#next + 1) % this.capacity
    this.#size = Math.min(this.#size + 1, this.capacity)
    this.#total++
  }

  clear(): void {
    this.#ring.fill(undefined)
    this.#next = 0
    this.#size = 0
    this.#total = 0
  }

  /** Entries oldest first, filtered. */
  entries(filter: JournalFilter = {}): JournalEntry[] {
    const out: JournalEntry[] = []
    const start = (this.#next - this.#size + this.capacity) % this.capacity
    for (let i = 0; i < this.#size; i++) {
      const e = this.#ring[(start + i) % this.capacity] as JournalRecord
      if (filter.method !== undefined && e.method !== filter.method.toUpperCase()) continue
      if (filter.path_prefix !== undefined && !e.path.startsWith(filter.path_prefix)) continue
      if (filter.status !== undefined && e.status !== filter.status) continue
      if (filter.since !== undefined && e.time < filter.since) continue
      if (filter.matched !== undefined && e.matched !== filter.matched) continue
      const { mockTime, ...rest } = e
      out.push({ ...rest, time: new Date(e.time).toISOString(), mock_time: new Date(mockTime).toISOString() })
    }
    return out
  }
}
