import type { BatchRecord } from '../domain/batch-record.js'
import type { BatchStatus } from '../schemas/batch.js'
import { canonicalId } from '../ids.js'
import { StatusIndex } from './status-index.js'

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
  #first: ListPosition | undefined

  add(pos: ListPosition): void {
    if (this.#first === undefined || compare(pos, this.#first) < 0) this.#first = pos
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

  /** The oldest position, without sorting: creates in one millisecond arrive in any id order. */
  first(): ListPosition | undefined {
    return this.#first
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
  /**
   * Only batches of this status at `now`: candidates come from the status index (the
   * caller's `accept` still checks each one). Batches read at their own time (polls) are
   * candidates whatever their status.
   */
  status?: BatchStatus | undefined
  now?: number | undefined
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
  /** Built on the first status-filtered list, then kept current by add and replace. */
  #status: StatusIndex | null = null
  #watcher: ((batch: BatchRecord) => void) | null = null
  #version = 0
  /** What a read answers for a stored record (see resolveWith); null: the record itself. */
  #resolve: ((stored: BatchRecord) => BatchRecord) | null = null

  /** Tells `watcher` of every batch added or replaced from now on (one watcher: the service's). */
  watch(watcher: (batch: BatchRecord) => void): void {
    this.#watcher = watcher
  }

  /**
   * Reads (get, scan, values, inProject, firstOver) answer `resolve(stored)` for each stored
   * record: a record stored as a stand-in (a batch waiting under the running cap reads as
   * THROTTLED for good) is answered as what it stands for. The status index and the watcher
   * see the stored records, so a stand-in must agree with what it stands for up to the clock.
   */
  resolveWith(resolve: (stored: BatchRecord) => BatchRecord): void {
    this.#resolve = resolve
  }

  get size(): number {
    return this.#byId.size
  }

  /** Moves on with every add and replace: an answer built from the store at one version holds while it stays. */
  get version(): number {
    return this.#version
  }

  get(id: string): BatchRecord | undefined {
    const stored = this.#byId.get(id)
    return stored === undefined || this.#resolve === null ? stored : this.#resolve(stored)
  }

  /**
   * The record as a read at the clock needs it: what is stored for a batch that progresses
   * by time (a stand-in agrees with what it stands for up to the clock), what `get` answers
   * for any other (a batch that progresses by polls may be read ahead of the clock).
   */
  atClock(id: string): BatchRecord | undefined {
    const stored = this.#byId.get(id)
    return stored === undefined || stored.progression.kind === 'time' ? stored : this.get(id)
  }

  has(id: string): boolean {
    return this.#byId.has(id)
  }

  /** Adds a new batch. Its id must be new: use `replace` for an existing one. */
  add(batch: BatchRecord): void {
    if (this.#byId.has(batch.id)) throw new Error(`duplicate batch id ${batch.id}`)
    this.#byId.set(batch.id, batch)
    this.#version++
    // The first version of the record is its own list position: no extra object a batch.
    const pos: ListPosition = batch
    this.#all.add(pos)
    this.#indexFor(this.#byProject, canonicalId(batch.projectId)).add(pos)
    this.#indexFor(this.#byDirectory, batch.sourceDirectoryId).add(pos)
    this.#status?.put(batch)
    this.#watcher?.(batch)
  }

  /** Swaps in a new version of a batch (same id, project, directory and creation time). */
  replace(batch: BatchRecord): void {
    const old = this.#byId.get(batch.id)
    if (!old || old.createdAt !== batch.createdAt || old.projectId !== batch.projectId || old.sourceDirectoryId !== batch.sourceDirectoryId) {
      throw new Error(`replace must keep the batch's identity (${batch.id})`)
    }
    this.#byId.set(batch.id, batch)
    this.#version++
    this.#status?.put(batch)
    this.#watcher?.(batch)
  }

  /**
   * Up to `limit` batches newest first, after `after`, and whether more follow: each as
   * `atClock` answers it (a read of a timeline beyond the clock asks `get`).
   */
  scan(q: ListScan): { items: BatchRecord[]; more: boolean } {
    const project = q.projectId === undefined ? undefined : canonicalId(q.projectId)
    const index = q.sourceDirectoryId !== undefined ? this.#read(this.#byDirectory, q.sourceDirectoryId) : project !== undefined ? this.#read(this.#byProject, project) : this.#all.read()
    let sources: readonly (readonly ListPosition[])[] = [index]
    // Walking a project's own index needs no project check; a directory's index does.
    let checkProject = project !== undefined && q.sourceDirectoryId !== undefined
    let checkDirectory = false
    if (q.status !== undefined && q.now !== undefined) {
      this.#status ??= this.#buildStatusIndex(q.now)
      const { exact, others } = this.#status.candidates(q.status, q.now, (id) => this.#byId.get(id))
      // The status lists win when they are the shorter walk (an empty one always does).
      if (exact.length + others.length < index.length) {
        sources = [exact, others]
        checkProject = project !== undefined
        checkDirectory = q.sourceDirectoryId !== undefined
      }
    }
    const ends = sources.map((list) => {
      let end = list.length
      if (q.after) end = Math.min(end, bound(list, q.after, true))
      // Ids are ASCII, so '\uffff' sorts after every id created at `createdTo`.
      if (q.createdTo !== undefined) end = Math.min(end, bound(list, { createdAt: q.createdTo, id: '\uffff' }))
      return end - 1
    })
    const items: BatchRecord[] = []
    for (;;) {
      // The newest next position of the sources (one or two), newest first.
      let from = -1
      for (let s = 0; s < sources.length; s++) {
        const i = ends[s] as number
        if (i < 0) continue
        if (from < 0 || compare((sources[s] as readonly ListPosition[])[i] as ListPosition, (sources[from] as readonly ListPosition[])[ends[from] as number] as ListPosition) > 0) from = s
      }
      if (from < 0) break
      const pos = (sources[from] as readonly ListPosition[])[ends[from] as number] as ListPosition
      ends[from] = (ends[from] as number) - 1
      if (q.createdFrom !== undefined && pos.createdAt < q.createdFrom) break
      const batch = this.atClock(pos.id) as BatchRecord
      if (checkProject && canonicalId(batch.projectId) !== project) continue
      if (checkDirectory && batch.sourceDirectoryId !== q.sourceDirectoryId) continue
      if (q.accept && !q.accept(batch)) continue
      if (items.length === q.limit) return { items, more: true }
      items.push(batch)
    }
    return { items, more: false }
  }

  #buildStatusIndex(now: number): StatusIndex {
    const index = new StatusIndex(now)
    for (const batch of this.#byId.values()) index.put(batch)
    return index
  }

  /** Every batch of a project (in either id form), oldest first. */
  inProject(projectId: string): BatchRecord[] {
    return this.#read(this.#byProject, canonicalId(projectId)).map((pos) => this.get(pos.id) as BatchRecord)
  }

  /**
   * The first batch (oldest) laid out or created over this directory, if any, as stored: for
   * its identity (project, creation time), which every version of a record keeps.
   */
  firstOver(directoryId: string): BatchRecord | undefined {
    // Asked on every create over a directory: a sort of its index there made creates quadratic
    // (and planning the running cap's queue up to a waiting batch made them O(k) after a cancel).
    const first = this.#byDirectory.get(directoryId)?.first()
    return first && this.#byId.get(first.id)
  }

  /** The projects that have batches, one id each. */
  projects(): string[] {
    return [...this.#byProject.values()].map((index) => this.#byId.get((index.list[0] as ListPosition).id)?.projectId as string)
  }

  /** Every batch as `atClock` answers it: no stand-in is resolved for a batch read at the clock. */
  *atClockValues(): IterableIterator<BatchRecord> {
    for (const stored of this.#byId.values()) yield stored.progression.kind === 'time' || this.#resolve === null ? stored : this.#resolve(stored)
  }

  *values(): IterableIterator<BatchRecord> {
    const resolve = this.#resolve
    if (resolve === null) yield* this.#byId.values()
    else for (const stored of this.#byId.values()) yield resolve(stored)
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
