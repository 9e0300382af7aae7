import type { BatchRecord } from '../domain/batch-record.js'
import { lifecycleStepAt, nextStepAfter } from '../domain/lifecycle.js'
import type { Tenant } from '../service/tenancy.js'
import type { Answers } from './answers.js'

/** Pages kept at most, and their bytes at most (a page of 100 batches is ~40 KB). */
export const LIST_CACHE_PAGES = 256
export const LIST_CACHE_BYTES = 16 * 1024 * 1024

interface CachedPage {
  readonly items: readonly BatchRecord[]
  readonly steps: readonly number[]
  readonly nextToken: string | null
  readonly body: Buffer
  /** The store's version it was built or last checked at, and when the first of its batches
   * next changes step: until then (the clock never goes back; a reset installs a new world,
   * which clears this cache) it is what a miss would build. */
  readonly version: number
  readonly until: number
}

/** When the first of these batches (read at these times) changes step; -Infinity when one reads by polls (its step moves with GETs, not the store or the clock). */
function untilOf(items: readonly BatchRecord[], times: readonly number[]): number {
  let until = Infinity
  for (let i = 0; i < items.length; i++) {
    const b = items[i] as BatchRecord
    if (b.progression.kind !== 'time') return -Infinity
    until = Math.min(until, nextStepAfter(b, times[i] as number))
  }
  return until
}

const LIST_START = '{"items":['

/** The page cache's key of a list request: its URL and the key's project. */
export const listKey = (url: string, tenant: Tenant): string => (tenant === null ? url : `${url}\n${tenant.projectId}`)

/**
 * A list page as the bytes to send: `{"items":[…],"next_page_token":…}`, the items' cached
 * answers (Answers) laid out in one buffer. A page polled again answers the same bytes while it
 * is the same page: the same records (a cancel or re-plan makes a new record), each at the same
 * lifecycle step, and the same next token — exactly what its bytes are made of, so a hit is
 * the bytes a miss would build. Kept per query (any key: a hit is checked whole), bounded in
 * pages and bytes, cleared whole when full and when a new world is installed.
 */
export class ListAnswers {
  readonly #pages = new Map<string, CachedPage>()
  #bytes = 0

  constructor(readonly answers: Answers) {}

  /**
   * The kept page for `key` without building the page at all, when nothing it is made of can
   * have changed: the store has not changed since (`version`: every add and replace moves it;
   * a new world clears this cache), and the clock reads within the span where none of its
   * batches changes step. A plain list depends on nothing else.
   */
  fresh(key: string, version: number, now: number): Buffer | undefined {
    const cached = this.#pages.get(key)
    return cached !== undefined && cached.version === version && now < cached.until ? cached.body : undefined
  }

  /** The page's bytes; `version` (the store's, at this read) lets `fresh` answer it again. */
  json(key: string, items: readonly BatchRecord[], nextToken: string | null, readTime: (b: BatchRecord) => number, version: number): Buffer {
    const n = items.length
    const times = new Array<number>(n)
    for (let i = 0; i < n; i++) times[i] = readTime(items[i] as BatchRecord)
    const cached = this.#pages.get(key)
    if (cached !== undefined && cached.nextToken === nextToken && cached.items.length === n) {
      let same = true
      for (let i = 0; i < n && same; i++) {
        const b = items[i] as BatchRecord
        same = cached.items[i] === b && cached.steps[i] === lifecycleStepAt(b, times[i] as number)
      }
      if (same) {
        if (cached.version !== version) this.#pages.set(key, { ...cached, version, until: untilOf(items, times) })
        return cached.body
      }
    }
    const parts = new Array<Buffer>(n)
    const steps = new Array<number>(n)
    let length = LIST_START.length + Math.max(n - 1, 0)
    for (let i = 0; i < n; i++) {
      const b = items[i] as BatchRecord
      steps[i] = lifecycleStepAt(b, times[i] as number)
      const part = this.answers.json(b, times[i] as number, false)
      parts[i] = part
      length += part.length
    }
    const tail = `],"next_page_token":${JSON.stringify(nextToken)}}`
    const body = Buffer.allocUnsafe(length + Buffer.byteLength(tail))
    let at = body.write(LIST_START, 0, 'latin1')
    for (let i = 0; i < n; i++) {
      if (i > 0) body[at++] = 0x2c
      at += (parts[i] as Buffer).copy(body, at)
    }
    body.write(tail, at, 'utf8')
    this.#keep(key, { items: items.slice(), steps, nextToken, body, version, until: untilOf(items, times) })
    return body
  }

  clear(): void {
    this.#pages.clear()
    this.#bytes = 0
  }

  #keep(key: string, page: CachedPage): void {
    const old = this.#pages.get(key)
    if (old !== undefined) this.#bytes -= old.body.length
    else if (this.#pages.size >= LIST_CACHE_PAGES) this.clear()
    if (this.#bytes + page.body.length > LIST_CACHE_BYTES) this.clear()
    this.#pages.set(key, page)
    this.#bytes += page.body.length
  }
}
