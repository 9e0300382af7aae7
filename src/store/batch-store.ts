import type { BatchRecord } from '../domain/timeline.js'
import { canonicalId } from './canonical-id.js'

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
  /** Only this project's batches (in either id form), or every project's. */
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
    // The first version of the record is its own list position: no extra object a batch.
    const pos: ListPosition = batch
    this.#all.add(pos)
    this.#indexFor(this.#byProject, canonicalId(batch.projectId)).add(pos)
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
    const project = q.projectId === undefined ? undefined : canonicalId(q.projectId)
    const index = q.sourceDirectoryId !== undefined ? this.#read(this.#byDirectory, q.sourceDirectoryId) : project !== undefined ? this.#read(this.#byProject, project) : this.#all.read()
    // Walking a project's own index needs no project check; a directory's index does.
    const checkProject = project !== undefined && q.sourceDirectoryId !== undefined
    let end = index.length
    if (q.after) end = Math.min(end, bound(index, q.after, true))
    // Ids are ASCII, so '\uffff' sorts after every id created at `createdTo`.
    if (q.createdTo !== undefined) end = Math.min(end, bound(index, { createdAt: q.createdTo, id: '\uffff' }))
    const items: BatchRecord[] = []
    for (let i = end - 1; i >= 0; i--) {
      const pos = index[i] as ListPosition
      if (q.createdFrom !== undefined && pos.createdAt < q.createdFrom) break
      const batch = this.#byId.get(pos.id) as BatchRecord
      if (checkProject && canonicalId(batch.projectId) !== project) continue
      if (q.accept && !q.accept(batch)) continue
      if (items.length === q.limit) return { items, more: true }
      items.push(batch)
    }
    return { items, more: false }
  }

  /** Every batch of a project (in either id form), oldest first. */
  inProject(projectId: string): BatchRecord[] {
    return this.#read(this.#byProject, canonicalId(projectId)).map((pos) => this.#byId.get(pos.id) as BatchRecord)
  }

  /** The projects that have batches, one id each. */
  projects(): string[] {
    return [...this.#byProject.values()].map((index) => this.#byId.get((index.list[0] as ListPosition).id)?.projectId as string)
  }

  *values(): IterableIterator<BatchRecord> {
    yield* this.#byId.values()
  }

  #read(map: Map<string, OrderedIndex>, key: string): readonly ListPosition[] {
    return map.get(key)?.read() ?? []
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
