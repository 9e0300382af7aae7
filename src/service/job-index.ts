import type { BatchRecord } from '../domain/batch-record.js'
import { JobResults } from '../scenario/records.js'
import { batchWord, indexOf, jobIdParts } from '../store/job-ids.js'
import { keyHash } from '../store/key-hash.js'
import type { World } from '../store/world.js'

/** A job's place: its batch and the index of its file. */
export interface JobPlace {
  readonly batch: BatchRecord
  readonly index: number
}

/** Batches added after the last sort are searched one by one, up to this many; then all are sorted again. */
const UNSORTED_MAX = 4096

/**
 * Finds the batch and file of a job id without a table of jobs. A hashed job id carries
 * its batch's word and its file's index (store/job-ids.ts), so the index holds only each
 * batch's word, sorted: 4 bytes for the word, 4 for its place in the order, and a
 * reference to the batch id the store already holds — 16 bytes a batch, built on the first
 * lookup (start-up pays nothing) and kept current as batches are added. A lookup is a
 * binary search and a check of the few batches sharing the word (the candidate's own
 * result for that index must be this id). Literal batches (fixtures), whose job ids are
 * written out, are kept in a map of their ids.
 */
export class JobIndex {
  #ids: string[] = []
  #words = new Uint32Array(1024)
  #order = new Uint32Array(0)
  /** `#ids[0 .. #sorted)` are in `#order`; the rest are scanned. */
  #sorted = 0
  readonly #listed = new Map<string, { readonly batchId: string; readonly index: number }>()
  #batches: Iterator<BatchRecord>

  constructor(readonly world: World) {
    // The store's values in insertion order, live: batches added later come next.
    this.#batches = world.store.values()
  }

  /** The batch and file index of a job id, or null when no batch made that job. */
  lookup(jobId: string): JobPlace | null {
    this.#catchUp()
    const listed = this.#listed.get(jobId)
    if (listed !== undefined) {
      const batch = this.world.store.get(listed.batchId)
      if (batch) return { batch, index: listed.index }
    }
    const parts = jobIdParts(jobId)
    if (parts === null) return null
    const check = (id: string): JobPlace | null => {
      const batch = this.world.store.get(id)
      if (!batch) return null
      const index = indexOf(parts, keyHash(this.world.seed, `${id}#`))
      if (index >= batch.results.count || batch.results.at(index).job_reference?.id !== jobId) return null
      return { batch, index }
    }
    // The sorted part: every batch whose word is this one's.
    const order = this.#order
    let lo = 0
    let hi = order.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#words[order[mid] as number] as number) < parts.word) lo = mid + 1
      else hi = mid
    }
    for (let k = lo; k < order.length && this.#words[order[k] as number] === parts.word; k++) {
      const found = check(this.#ids[order[k] as number] as string)
      if (found) return found
    }
    for (let k = this.#sorted; k < this.#ids.length; k++) {
      if (this.#words[k] !== parts.word) continue
      const found = check(this.#ids[k] as string)
      if (found) return found
    }
    return null
  }

  /** Takes in the batches the store gained since the last lookup. */
  #catchUp(): void {
    const store = this.world.store
    // The iterator is live but ends for good once drained: never ask past the store's size.
    while (this.#ids.length < store.size) {
      const next = this.#batches.next()
      if (next.done === true) {
        // Not expected (the store only grows); start over rather than miss batches for good.
        this.#ids = []
        this.#order = new Uint32Array(0)
        this.#sorted = 0
        this.#listed.clear()
        this.#batches = store.values()
        continue
      }
      this.#add(next.value)
    }
    if (this.#ids.length - this.#sorted > UNSORTED_MAX) this.#sort()
    else if (this.#sorted === 0 && this.#ids.length > 0) this.#sort()
  }

  #add(batch: BatchRecord): void {
    const n = this.#ids.length
    if (n === this.#words.length) {
      const grown = new Uint32Array(n * 2)
      grown.set(this.#words)
      this.#words = grown
    }
    this.#words[n] = batchWord(keyHash(this.world.seed, `${batch.id}#`))
    this.#ids.push(batch.id)
    if (!(batch.results instanceof JobResults)) {
      // Written-out results (a fixture): their ids are whatever the body says.
      for (let i = 0; i < batch.results.count; i++) {
        const id = batch.results.at(i).job_reference?.id
        if (id !== undefined && !this.#listed.has(id)) this.#listed.set(id, { batchId: batch.id, index: i })
      }
    }
  }

  #sort(): void {
    const n = this.#ids.length
    const words = this.#words
    this.#order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (words[a] as number) - (words[b] as number))
    this.#sorted = n
  }
}
