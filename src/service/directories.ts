import type { Directory } from '../domain/directory.js'
import { EditableDirectory, type DirectoryMeta, type FileEntry, type FileMetadata } from '../domain/directory-files.js'
import { DirectoryFileNotFoundError, DirectoryLimitError, DirectoryNotFoundError } from '../domain/errors.js'
import { canonicalId, hashedId, sameId } from '../ids.js'
import { MAX_FILES_PER_BATCH } from '../schemas/scenario.js'
import type { AddFileBody, CreateDirectoryBody, ListDirectoriesQuery, ListFilesQuery, UpdateDirectoryBody, UpdateFileBody } from '../schemas/directories.js'
import { PageTokens } from '../store/page-token.js'
import type { World } from '../store/world.js'
import type { BatchService } from './batches.js'
import { entryBytes, entryOf, lazyMeta, lazyName, metaBytes, mockErrorOf, NO_METADATA } from './directory-views.js'
import { projectFor, visibleProject, type Narrowing, type Tenant } from './tenancy.js'

/** Live (not deleted) directories one project may hold. */
export const MAX_DIRECTORIES_PER_PROJECT = 1_000
/** Live directories the API created or wrote to, in one world (until a reset). */
export const MAX_STORED_DIRECTORIES = 10_000
/** Deleted directories remembered (so they stay deleted), in one world (until a reset). */
export const MAX_DELETED_DIRECTORIES = 10_000
/** Files one directory may hold: a batch runs over at most this many. */
export const MAX_FILES_PER_DIRECTORY = MAX_FILES_PER_BATCH
/** Files of directories the API created or wrote to, in one world (until a reset). */
export const MAX_STORED_FILES = 200_000
/** What the fields of created or adopted directories and files may hold in all, estimated (names, metadata). */
export const MAX_STORED_BYTES = 64 * 1024 * 1024
/** Scenario or made-up directories whose file ids are kept indexed for a file GET; past it the index is cleared whole. */
export const FILE_INDEX_CACHE = 8


/** What a world's API directories have used up: ids minted and files stored. */
interface Counters {
  minted: number
  /** Deleted directories kept as tombstones (counted apart from live ones). */
  deleted: number
  /** Live created or adopted directories, by canonical project id: a create checks its project's in O(1). */
  live: Map<string, number>
  files: number
  bytes: number
}


/** The count limits, each overridable (tests use small ones). */
export interface DirectoryLimits {
  perProject: number
  stored: number
  deleted: number
  filesPerDirectory: number
  storedFiles: number
  storedBytes: number
}

export const DEFAULT_DIRECTORY_LIMITS: DirectoryLimits = {
  perProject: MAX_DIRECTORIES_PER_PROJECT,
  stored: MAX_STORED_DIRECTORIES,
  deleted: MAX_DELETED_DIRECTORIES,
  filesPerDirectory: MAX_FILES_PER_DIRECTORY,
  storedFiles: MAX_STORED_FILES,
  storedBytes: MAX_STORED_BYTES
}

export interface FileUpload {
  filename: string
  bytes: number
  sha256: string
  display_name?: string | undefined
  unique_id?: string | undefined
  external_file_id?: string | undefined
  metadata?: FileMetadata | undefined
}

export interface DirectoryPage {
  items: DirectoryMeta[]
  nextToken: string | null
  tokenValid: boolean
}

export interface FilePage {
  directory: DirectoryMeta
  items: FileEntry[]
  nextToken: string | null
  tokenValid: boolean
}

/** A directory as a read finds it: its fields, and its files as they are now. */
interface Found {
  meta: DirectoryMeta
  dir: Directory
  editable?: EditableDirectory | undefined
}


/**
 * Directories and their files: one store with the batches' (`world.directories`). The
 * scenario's directories and those made up for unknown ids are read lazily, as batches
 * read them; the first write adopts one as an editable directory. A batch keeps the
 * snapshot it was created over, so later writes never change its results.
 */
export class DirectoryService {
  readonly #counters = new WeakMap<World, Counters>()
  readonly #tokens = new WeakMap<World, PageTokens>()
  /** Per world, the canonical project of each listed scenario directory's first batch (null: none yet), by list index. */
  readonly #owners = new WeakMap<World, (string | null | undefined)[]>()
  readonly #canonical = new Map<string, string>()
  /** A lazy directory's file indexes by id, built on its first file GET (a file's id is a hash: no lookup without a walk). */
  readonly #fileIndexes = new Map<Directory, Map<string, number>>()

  readonly limits: DirectoryLimits

  constructor(
    readonly batches: BatchService,
    limits: Partial<DirectoryLimits> = {}
  ) {
    // A batch runs over at most MAX_FILES_PER_BATCH files: a directory never holds more.
    this.limits = { ...DEFAULT_DIRECTORY_LIMITS, ...limits }
    this.limits.filesPerDirectory = Math.min(this.limits.filesPerDirectory, MAX_FILES_PER_DIRECTORY)
  }

  get #world(): World {
    return this.batches.world
  }

  #countersOf(world: World): Counters {
    let c = this.#counters.get(world)
    if (!c) {
      c = { minted: 0, deleted: 0, live: new Map(), files: 0, bytes: 0 }
      this.#counters.set(world, c)
    }
    return c
  }

  #tokensOf(world: World): PageTokens {
    let t = this.#tokens.get(world)
    if (!t) {
      t = new PageTokens(`directories:${world.seed}`)
      this.#tokens.set(world, t)
    }
    return t
  }

  /** A fresh id that follows from the seed and a count, so a replayed test sees the same ids. */
  #mint(world: World, prefix: 'dir' | 'dfl' | 'file'): string {
    const c = this.#countersOf(world)
    let id: string
    do id = hashedId(prefix, `${world.seed}:${prefix}:${c.minted++}`)
    while (prefix === 'dir' && (world.directories.has(id) || world.directories.editable(id)))
    return prefix === 'file' ? id.slice(5) : id
  }

  /** Unknown ids are made up unless the scenario's directories are exclusive (realistic mode). */
  get #derives(): boolean {
    return this.batches.mode === 'compat' || !this.#world.exclusiveDirectories
  }

  /** The directory if the tenant may see it; else DirectoryNotFoundError. */
  #read(id: string, tenant: Tenant, narrowing: Narrowing): Found {
    const world = this.#world
    const editable = world.directories.editable(id)
    if (editable) {
      if (editable.meta.deletedAt !== null || !visibleProject(world, editable.meta.projectId, tenant, narrowing)) throw new DirectoryNotFoundError(id)
      return { meta: editable.meta, dir: editable.snapshot(), editable }
    }
    const dir = world.directories.resolve(id, { derive: this.#derives })
    const meta = lazyMeta(world, dir, () => projectFor(world, this.batches.mode, tenant, narrowing))
    if (!visibleProject(world, meta.projectId, tenant, narrowing)) throw new DirectoryNotFoundError(id)
    return { meta, dir }
  }

  /**
   * The directory to write to: an editable one, adopting (materializing) a lazy one first.
   * `deleting`: adopted as a tombstone (no files), charged to the deleted directories, not
   * the live ones, so deleting made-up ids never takes room from creates. `adding` files
   * come into the directory, of which `newFiles` are new to the store (a moved file is not).
   */
  #edit(id: string, tenant: Tenant, narrowing: Narrowing, adding = 0, deleting = false, newFiles = adding): EditableDirectory {
    const found = this.#read(id, tenant, narrowing)
    const world = this.#world
    const count = found.editable || deleting ? 0 : found.dir.count
    // Checked before adopting: a refused write leaves the directory as it was. An adopted
    // directory's files and the ones added are counted together.
    this.#roomForFiles(world, adding, found.dir.count, count + newFiles)
    if (deleting && this.#countersOf(world).deleted >= this.limits.deleted) {
      throw new DirectoryLimitError(`Too many deleted directories: this mock remembers at most ${this.limits.deleted}; reset it (POST /_mock/reset)`)
    }
    if (found.editable) return found.editable
    if (!deleting) this.#roomForDirectory(world, null)
    const files: FileEntry[] = []
    for (let i = 0; i < count; i++) files.push(entryOf(world, found.dir.file(i), i, found.meta))
    this.#charge(world, files.reduce((sum, f) => sum + entryBytes(f), metaBytes(found.meta)))
    const editable = new EditableDirectory(found.meta, files)
    this.#countersOf(world).files += count
    if (!deleting) this.#countLive(world, found.meta.projectId, 1)
    world.directories.store(editable)
    return editable
  }

  #countLive(world: World, projectId: string, delta: number): void {
    const live = this.#countersOf(world).live
    const key = canonicalId(projectId)
    const n = (live.get(key) ?? 0) + delta
    if (n > 0) live.set(key, n)
    else live.delete(key)
  }

  #roomForDirectory(world: World, projectId: string | null): void {
    if (world.directories.editableCount - this.#countersOf(world).deleted >= this.limits.stored) {
      throw new DirectoryLimitError(`Too many directories: this mock stores at most ${this.limits.stored} created or changed directories; reset it (POST /_mock/reset)`)
    }
    if (projectId === null) return
    if ((this.#countersOf(world).live.get(canonicalId(projectId)) ?? 0) >= this.limits.perProject) throw new DirectoryLimitError(`Too many directories: a project holds at most ${this.limits.perProject}`)
  }

  /** Counts `bytes` more (or fewer) stored; refuses growth past the budget. */
  #charge(world: World, bytes: number): void {
    const c = this.#countersOf(world)
    if (bytes > 0 && c.bytes + bytes > this.limits.storedBytes) {
      throw new DirectoryLimitError(`Too much stored: created or changed directories and files hold at most ${this.limits.storedBytes} bytes of names and metadata; reset it (POST /_mock/reset)`)
    }
    c.bytes += bytes
  }

  /** Room for `adding` more files in a directory of `inDirectory`, and for `stored` more in the store. */
  #roomForFiles(world: World, adding: number, inDirectory: number, stored: number): void {
    if (inDirectory + adding > this.limits.filesPerDirectory) throw new DirectoryLimitError(`Too many files: a directory holds at most ${this.limits.filesPerDirectory}`)
    if (this.#countersOf(world).files + stored > this.limits.storedFiles) {
      throw new DirectoryLimitError(`Too many files: this mock stores at most ${this.limits.storedFiles} files in created or changed directories; reset it (POST /_mock/reset)`)
    }
  }

  create(body: CreateDirectoryBody, tenant: Tenant, narrowing: Narrowing): DirectoryMeta {
    const world = this.#world
    const projectId = projectFor(world, this.batches.mode, tenant, narrowing)
    this.#roomForDirectory(world, projectId)
    const now = this.batches.now()
    const meta: DirectoryMeta = {
      id: this.#mint(world, 'dir'),
      name: body.name,
      description: body.description ?? null,
      projectId,
      type: body.type ?? 'user',
      expiresAt: body.expires_at ?? null,
      connectorSubscriptionId: body.connector_subscription_id ?? null,
      systemMetadata: body.system_metadata ?? null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null
    }
    this.#charge(world, metaBytes(meta))
    this.#countLive(world, projectId, 1)
    world.directories.store(new EditableDirectory(meta))
    return meta
  }

  get(id: string, tenant: Tenant, narrowing: Narrowing): DirectoryMeta {
    return this.#read(id, tenant, narrowing).meta
  }

  update(id: string, body: UpdateDirectoryBody, tenant: Tenant, narrowing: Narrowing): DirectoryMeta {
    const dir = this.#edit(id, tenant, narrowing)
    const meta = { ...dir.meta, name: body.name ?? dir.meta.name, description: body.description !== undefined ? body.description : dir.meta.description, updatedAt: this.batches.now() }
    this.#charge(this.#world, metaBytes(meta) - metaBytes(dir.meta))
    dir.meta = meta
    return meta
  }

  /** Deletes the directory (kept as `deleted_at`, without files); batches over it keep their snapshot. */
  delete(id: string, tenant: Tenant, narrowing: Narrowing): void {
    const world = this.#world
    const wasLive = world.directories.editable(id) !== undefined
    const dir = this.#edit(id, tenant, narrowing, 0, true)
    if (wasLive) this.#countLive(world, dir.meta.projectId, -1)
    const c = this.#countersOf(world)
    c.deleted++
    c.files -= dir.count
    this.#charge(world, -dir.files.reduce((sum, f) => sum + entryBytes(f), 0))
    dir.markDeleted(this.batches.now())
    world.directories.store(dir)
  }

  /**
   * The canonical project of the first batch over the scenario directory at `order[i]`, or
   * null: known once, then a comparison, so a tenant's listing over 100k scenario
   * directories walks them at a few ns each.
   */
  #lazyOwner(world: World, order: readonly string[], i: number): string | null {
    let owners = this.#owners.get(world)
    if (!owners) {
      owners = []
      this.#owners.set(world, owners)
    }
    while (owners.length < order.length) owners.push(undefined)
    const known = owners[i]
    if (known) return known
    const first = world.store.firstOver(order[i] as string)
    let owner: string | null = null
    if (first) {
      // A scenario's batches share a few project id strings: each is made canonical once.
      owner = this.#canonical.get(first.projectId) ?? canonicalId(first.projectId)
      if (this.#canonical.size < 1024) this.#canonical.set(first.projectId, owner)
    }
    owners[i] = owner
    return owner
  }

  /** Directories in the order they were declared: the scenario's, then created ones. */
  list(q: ListDirectoriesQuery & { page_size: number }, tenant: Tenant): DirectoryPage {
    const world = this.#world
    const tokens = this.#tokensOf(world)
    const narrowing: Narrowing = { project_id: q.project_id, organization_id: q.organization_id }
    const fingerprint = JSON.stringify(['directories', tenant?.projectId ?? null, q.project_id ?? null, q.organization_id ?? null, q.include_deleted ?? false, q.name ?? null, q.type ?? null, q.types ?? null])
    let start = 0
    let tokenValid = true
    const order = world.directories.ordered()
    if (q.page_token !== undefined) {
      const pos = tokens.read(q.page_token, fingerprint)
      tokenValid = pos !== null && order[pos.createdAt] === pos.id
      start = tokenValid && pos ? pos.createdAt + 1 : 0
    }
    if (tenant && q.project_id !== undefined && !sameId(tenant.projectId, q.project_id)) return { items: [], nextToken: null, tokenValid }
    const asker = (): string => tenant?.projectId ?? q.project_id ?? world.defaults.projectId
    const types = q.types ?? (q.type !== undefined ? [q.type] : null)
    const want = tenant ? canonicalId(tenant.projectId) : q.project_id !== undefined ? canonicalId(q.project_id) : null
    const defaultOwner = canonicalId(world.defaults.projectId)
    const items: DirectoryMeta[] = []
    let lastIndex = -1
    let more = false
    for (let i = start; i < order.length; i++) {
      const id = order[i] as string
      const editable = world.directories.editable(id)
      // Another project's scenario directory is skipped before its fields are made.
      if (!editable && want !== null && (this.#lazyOwner(world, order, i) ?? defaultOwner) !== want) continue
      if (!editable && ((q.name !== undefined && lazyName(world.seed, id) !== q.name) || (types !== null && !types.includes('user')))) continue
      const lazy = editable ? undefined : world.directories.get(id)
      const meta = editable ? editable.meta : lazy ? lazyMeta(world, lazy, asker) : undefined
      if (!meta || (meta.deletedAt !== null && q.include_deleted !== true) || !visibleProject(world, meta.projectId, tenant, narrowing)) continue
      if ((q.name !== undefined && meta.name !== q.name) || (types !== null && !types.includes(meta.type))) continue
      if (items.length === q.page_size) {
        more = true
        break
      }
      items.push(meta)
      lastIndex = i
    }
    const last = items[items.length - 1]
    return { items, nextToken: more && last ? tokens.issue({ createdAt: lastIndex, id: last.id }, fingerprint) : null, tokenValid }
  }

  /** A page of the directory's files, in the directory's order (the order batch results follow). */
  listFiles(directoryId: string, q: ListFilesQuery & { page_size: number }, tenant: Tenant): FilePage {
    const world = this.#world
    const narrowing: Narrowing = { project_id: q.project_id, organization_id: q.organization_id }
    const found = this.#read(directoryId, tenant, narrowing)
    const tokens = this.#tokensOf(world)
    const from = q.updated_at_on_or_after !== undefined ? Date.parse(q.updated_at_on_or_after) : -Infinity
    const to = q.updated_at_on_or_before !== undefined ? Date.parse(q.updated_at_on_or_before) : Infinity
    const fingerprint = JSON.stringify(['files', directoryId, tenant?.projectId ?? null, q.project_id ?? null, q.organization_id ?? null, q.display_name ?? null, q.display_name_contains ?? null, q.file_id ?? null, q.unique_id ?? null, from, to])
    let afterSeq = -1
    let tokenValid = true
    if (q.page_token !== undefined) {
      const pos = tokens.read(q.page_token, fingerprint)
      tokenValid = pos !== null
      if (pos) afterSeq = pos.createdAt
    }
    const { editable, dir, meta } = found
    const count = dir.count
    const at = (i: number): FileEntry => entryOf(world, dir.file(i), i, meta)
    const contains = q.display_name_contains?.toLowerCase()
    const items: FileEntry[] = []
    let more = false
    for (let i = editable ? editable.after(afterSeq) : afterSeq + 1; i < count; i++) {
      const f = at(i)
      if (q.display_name !== undefined && f.name !== q.display_name) continue
      if (contains !== undefined && !f.name.toLowerCase().includes(contains)) continue
      if (q.file_id !== undefined && f.fileId !== q.file_id) continue
      if (q.unique_id !== undefined && f.uniqueId !== q.unique_id) continue
      if (f.updatedAt < from || f.updatedAt > to) continue
      if (items.length === q.page_size) {
        more = true
        break
      }
      items.push(f)
    }
    const last = items[items.length - 1]
    return { directory: meta, items, nextToken: more && last ? tokens.issue({ createdAt: last.seq, id: last.id }, fingerprint) : null, tokenValid }
  }

  getFile(directoryId: string, fileId: string, tenant: Tenant, narrowing: Narrowing): { directory: DirectoryMeta; file: FileEntry } {
    const found = this.#read(directoryId, tenant, narrowing)
    const i = found.editable ? found.editable.indexOf(fileId) : this.#lazyIndexOf(found.dir, fileId)
    if (i < 0) throw new DirectoryFileNotFoundError(directoryId, fileId)
    return { directory: found.meta, file: entryOf(this.#world, found.dir.file(i), i, found.meta) }
  }

  /**
   * The index of a lazy directory's file: its files are made from hashes on demand, so the
   * first GET walks them (10,000 at most) and keeps their ids indexed; later GETs are O(1).
   */
  #lazyIndexOf(dir: Directory, fileId: string): number {
    let index = this.#fileIndexes.get(dir)
    if (!index) {
      index = new Map()
      for (let i = 0; i < dir.count; i++) {
        const id = dir.file(i).id
        if (!index.has(id)) index.set(id, i)
      }
      if (this.#fileIndexes.size >= FILE_INDEX_CACHE) this.#fileIndexes.clear()
      this.#fileIndexes.set(dir, index)
    }
    return index.get(fileId) ?? -1
  }

  addFile(directoryId: string, body: AddFileBody, tenant: Tenant, narrowing: Narrowing): { directory: DirectoryMeta; file: FileEntry } {
    return this.#append(directoryId, tenant, narrowing, {
      name: body.display_name ?? body.file_id,
      uniqueId: body.unique_id ?? body.file_id,
      fileId: body.file_id,
      metadata: body.metadata ?? NO_METADATA
    })
  }

  /** A file uploaded: its size and hash are kept, its bytes never were. */
  upload(directoryId: string, upload: FileUpload, tenant: Tenant, narrowing: Narrowing): { directory: DirectoryMeta; file: FileEntry } {
    return this.#append(directoryId, tenant, narrowing, {
      name: upload.display_name ?? upload.filename,
      uniqueId: upload.unique_id ?? upload.external_file_id ?? upload.filename,
      fileId: null,
      metadata: upload.metadata ?? NO_METADATA,
      bytes: upload.bytes,
      sha256: upload.sha256
    })
  }

  #append(
    directoryId: string,
    tenant: Tenant,
    narrowing: Narrowing,
    fields: { name: string; uniqueId: string; fileId: string | null; metadata: FileMetadata; bytes?: number; sha256?: string }
  ): { directory: DirectoryMeta; file: FileEntry } {
    const world = this.#world
    const dir = this.#edit(directoryId, tenant, narrowing, 1)
    const now = this.batches.now()
    const file: FileEntry = {
      seq: dir.nextSeq(),
      id: this.#mint(world, 'dfl'),
      error: mockErrorOf(fields.metadata),
      ...fields,
      fileId: fields.fileId ?? this.#mint(world, 'file'),
      createdAt: now,
      updatedAt: now
    }
    this.#charge(world, entryBytes(file))
    dir.append(file)
    this.#countersOf(world).files++
    world.directories.store(dir)
    return { directory: dir.meta, file }
  }

  /** Changes a file's fields, or moves it (same id) to the end of `target_directory_id`. */
  updateFile(directoryId: string, fileId: string, body: UpdateFileBody, tenant: Tenant, narrowing: Narrowing): { directory: DirectoryMeta; file: FileEntry } {
    const world = this.#world
    const dir = this.#edit(directoryId, tenant, narrowing)
    const index = dir.indexOf(fileId)
    if (index < 0) throw new DirectoryFileNotFoundError(directoryId, fileId)
    const old = dir.files[index] as FileEntry
    const metadata = body.metadata !== undefined ? (body.metadata ?? NO_METADATA) : old.metadata
    const keptError = mockErrorOf(old.metadata) === null ? old.error : null
    const changed = {
      ...old,
      name: body.display_name ?? old.name,
      uniqueId: body.unique_id ?? old.uniqueId,
      metadata,
      error: mockErrorOf(metadata) ?? keptError,
      updatedAt: this.batches.now()
    }
    const target = body.target_directory_id
    const to = target != null && target !== directoryId ? this.#edit(target, tenant, narrowing, 1, false, 0) : null
    this.#charge(world, entryBytes(changed) - entryBytes(old))
    if (to) {
      dir.remove(index)
      const moved = { ...changed, seq: to.nextSeq() }
      to.append(moved)
      world.directories.store(dir)
      world.directories.store(to)
      return { directory: to.meta, file: moved }
    }
    dir.replace(index, changed)
    world.directories.store(dir)
    return { directory: dir.meta, file: changed }
  }

  deleteFile(directoryId: string, fileId: string, tenant: Tenant, narrowing: Narrowing): void {
    const world = this.#world
    const dir = this.#edit(directoryId, tenant, narrowing)
    const index = dir.indexOf(fileId)
    if (index < 0) throw new DirectoryFileNotFoundError(directoryId, fileId)
    this.#charge(world, -entryBytes(dir.remove(index)))
    this.#countersOf(world).files--
    world.directories.store(dir)
  }
}
