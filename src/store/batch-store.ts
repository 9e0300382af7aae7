import type { BatchRecord } from '../domain/timeline.js'

/** A batch's place in list order: newest first means descending (createdAt, id). */
export interface ListPosition {
  readonly createdAt: number
  readonly id: string
}

function compare(a: ListPosition, b: ListPosition): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** First index whose entry is > pos (or >= pos when `inclusive`), in an ascending list. */
function bound(list: readonly ListPosition[], pos: ListPosition, inclusive = false): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const c = compare(list[mid] as ListPosition, pos)
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** An ascending list of positions; out-of-order additions are sorted once, when next read. */
class OrderedIndex {
  readonly list: ListPosition[] = []
  #sorted = true

  add(pos: ListPosition): void {
    const last = this.list[this.list.length - 1]
    // Batches created "now" are the newest, so appending in order is the common case. A
    // scenario lays batches out in any order: those are sorted once, not spliced one by one.
    if (last !== undefined && compare(last, pos) >= 0) this.#sorted = false
    this.list.push(pos)
  }

  read(): readonly ListPosition[] {
    if (!this.#sorted) {
      this.list.sort(compare)
      this.#sorted = true
    }
    return this.list
  }
}

export interface ListScan {
  /** Only this project's batches, or every project's. */
  projectId?: string | undefined
  sourceDirectoryId?: string | undefined
  createdFrom?: number | undefined
  createdTo?: number | undefined
  /** Start strictly after this position (the last item of the previous page). */
  after?: ListPosition | undefined
  /** Filters the index cannot answer (status at now, organization). */
  accept?: ((batch: BatchRecord) => boolean) | undefined
  limit: number
}

/**
 * Batches by id, and in list order globally, per project and per directory, so a page
 * costs a binary search plus the entries it walks — never a scan of the whole store.
 */
export class BatchStore {
  readonly #byId = new Map<string, BatchRecord>()
  readonly #all = new OrderedIndex()
  readonly #byProject = new Map<string, OrderedIndex>()
  readonly #byDirectory = new Map<string, OrderedIndex>()

  get size(): number {
    return this.#byId.size
  }

  get(id: string): BatchRecord | undefined {
    return this.#byId.get(id)
  }

  has(id: string): boolean {
    return this.#byId.has(id)
  }

  /** Adds a new batch. Its id must be new: use `replace` for an existing one. */
  add(batch: BatchRecord): void {
    if (this.#byId.has(batch.id)) throw new Error(`duplicate batch id ${batch.id}`)
    this.#byId.set(batch.id, batch)
    const pos: ListPosition = { createdAt: batch.createdAt, id: batch.id }
    this.#all.add(pos)
    this.#indexFor(this.#byProject, batch.projectId).add(pos)
    this.#indexFor(this.#byDirectory, batch.sourceDirectoryId).add(pos)
  }

  /** Swaps in a new version of a batch (same id, project, directory and creation time). */
  replace(batch: BatchRecord): void {
    const old = this.#byId.get(batch.id)
    if (!old || old.createdAt !== batch.createdAt || old.projectId !== batch.projectId || old.sourceDirectoryId !== batch.sourceDirectoryId) {
      throw new Error(`replace must keep the batch's identity (${batch.id})`)
    }
    this.#byId.set(batch.id, batch)
  }

  /**
   * Up to `limit` batches newest first, after `after`, and whether more follow.
   */
  scan(q: ListScan): { items: BatchRecord[]; more: boolean } {
    const index = this.#indexForScan(q)
    let end = index.length
    if (q.after) end = Math.min(end, bound(index, q.after, true))
    // Ids are ASCII, so '\uffff' sorts after every id created at `createdTo`.
    if (q.createdTo !== undefined) end = Math.min(end, bound(index, { createdAt: q.createdTo, id: '\uffff' }))
    const items: BatchRecord[] = []
    for (let i = end - 1; i >= 0; i--) {
      const pos = index[i] as ListPosition
      if (q.createdFrom !== undefined && pos.createdAt < q.createdFrom) break
      const batch = this.#byId.get(pos.id) as BatchRecord
      if (q.projectId !== undefined && batch.projectId !== q.projectId) continue
      if (q.sourceDirectoryId !== undefined && batch.sourceDirectoryId !== q.sourceDirectoryId) continue
      if (q.accept && !q.accept(batch)) continue
      if (items.length === q.limit) return { items, more: true }
      items.push(batch)
    }
    return { items, more: false }
  }

  /** Every batch of a project, oldest first. */
  inProject(projectId: string): BatchRecord[] {
    return (this.#byProject.get(projectId)?.read() ?? []).map((pos) => this.#byId.get(pos.id) as BatchRecord)
  }

  projects(): IterableIterator<string> {
    return this.#byProject.keys()
  }

  *values(): IterableIterator<BatchRecord> {
    yield* this.#byId.values()
  }

  #indexForScan(q: ListScan): readonly ListPosition[] {
    if (q.sourceDirectoryId !== undefined) return this.#byDirectory.get(q.sourceDirectoryId)?.read() ?? []
    if (q.projectId !== undefined) return this.#byProject.get(q.projectId)?.read() ?? []
    return this.#all.read()
  }

  #indexFor(map: Map<string, OrderedIndex>, key: string): OrderedIndex {
    let index = map.get(key)
    if (!index) {
      index = new OrderedIndex()
      map.set(key, index)
    }
    return index
  }
}
