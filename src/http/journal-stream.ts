import { Readable } from 'node:stream'
import type { Journal, JournalEntry, JournalFilter } from '../traffic/journal.js'

/**
 * Entries one piece of a `GET /_mock/requests` answer holds at most: an answer the first piece
 * holds whole is sent in one write, as before; a larger one is streamed a piece at a time.
 */
export const JOURNAL_CHUNK_ENTRIES = 1000
/** Entries one turn of the event loop looks at, at most, walking the journal for an answer. */
export const JOURNAL_SCAN_ENTRIES = 20_000

/**
 * The walk of one `GET /_mock/requests`: the entries held when the request came (ids
 * `oldestId`..`newestId` then) that pass the filter, oldest first; with `last`, only the newest
 * `last` of them (found first by a walk back from the newest, counting without building). Entries
 * recorded after the request are not in it; those the ring overwrites (or a clear drops) before
 * the walk reaches them are skipped. Each step does a bounded amount of work.
 */
export class JournalWalk {
  readonly #journal: Journal
  readonly #filter: JournalFilter
  /** The newest id in the answer, and `total` as the request found it. */
  readonly #to: number
  readonly total: number
  /** Matches still to find walking back (`last`); 0 once the start is known. */
  #need: number
  #seekFrom: number
  /** The next id to look at, walking forward. */
  #at: number

  constructor(journal: Journal, filter: JournalFilter, last: number | undefined) {
    this.#journal = journal
    this.#filter = filter
    this.#to = journal.newestId
    this.total = journal.total
    this.#at = journal.oldestId
    this.#need = last ?? 0
    this.#seekFrom = this.#to
  }

  get done(): boolean {
    return this.#need === 0 && this.#at > this.#to
  }

  /** Counts the next matching entries (looking at JOURNAL_SCAN_ENTRIES at most): a `count=true` answer, a step a turn. */
  tally(): number {
    const { next, found } = this.#journal.tally(this.#at, this.#to, this.#filter, JOURNAL_SCAN_ENTRIES)
    this.#at = next
    return found
  }

  /**
   * The next matching entries (at most JOURNAL_CHUNK_ENTRIES; none when this step only walked
   * back). A step looks at JOURNAL_SCAN_ENTRIES at most, back and forth together.
   */
  step(): JournalEntry[] {
    const out: JournalEntry[] = []
    let budget = JOURNAL_SCAN_ENTRIES
    if (this.#need > 0) {
      const { at, found, looked } = this.#journal.seekBack(this.#seekFrom, this.#filter, this.#need, budget)
      this.#need -= found
      if (this.#need > 0 && at > this.#journal.oldestId) {
        this.#seekFrom = at - 1
        return out
      }
      this.#need = 0
      this.#at = at
      budget -= looked
    }
    if (budget > 0) this.#at = this.#journal.scan(this.#at, this.#to, this.#filter, out, JOURNAL_CHUNK_ENTRIES, budget)
    return out
  }
}

/**
 * How many entries of the walk match, up to `cap` (the route's `last`; the walk's own is not
 * used), one step a turn of the event loop. The walk stops once it found `cap`, and when `gone()`
 * says the client left (what is answered then, nobody reads).
 */
export async function countOf(walk: JournalWalk, cap: number, gone: () => boolean): Promise<number> {
  let found = walk.tally()
  while (!walk.done && found < cap) {
    await new Promise((resolve) => setImmediate(resolve))
    if (gone()) return found
    found += walk.tally()
  }
  return Math.min(found, cap)
}

/**
 * A large journal answer as a stream, byte for byte the JSON the one-write answer is
 * (`{"requests":[…],"count":N,"capacity":C,"total":T}`; `count` is the entries written). Each
 * piece is walked in a turn of its own (setImmediate), only when the consumer wants more
 * (backpressure), so memory holds one piece plus the socket's buffer; destroying it (the client
 * went away: Fastify destroys a stream whose response closed) stops the walk.
 */
export class JournalStream extends Readable {
  readonly #walk: JournalWalk
  readonly #capacity: number
  #first: JournalEntry[] | null
  #count = 0
  #opened = false
  #timer: NodeJS.Immediate | null = null

  constructor(walk: JournalWalk, first: JournalEntry[], capacity: number) {
    super()
    this.#walk = walk
    this.#first = first
    this.#capacity = capacity
  }

  override _read(): void {
    this.#timer ??= setImmediate(() => this.#turn())
  }

  #turn(): void {
    this.#timer = null
    if (this.destroyed) return
    try {
      this.#piece()
    } catch (error) {
      // Not thrown from a timer (that would end the process): the answer is cut, Fastify logs it.
      this.destroy(error as Error)
    }
  }

  #piece(): void {
    const entries = this.#first ?? this.#walk.step()
    this.#first = null
    let text = this.#opened ? '' : '{"requests":['
    this.#opened = true
    if (entries.length > 0) {
      text += (this.#count > 0 ? ',' : '') + JSON.stringify(entries).slice(1, -1)
      this.#count += entries.length
    }
    if (this.#walk.done) {
      this.push(`${text}],"count":${this.#count},"capacity":${this.#capacity},"total":${this.#walk.total}}`)
      this.push(null)
    } else if (text === '') {
      // Nothing matched in this turn's walk: walk on next turn (Readable asks again only after a push).
      this.#timer = setImmediate(() => this.#turn())
    } else {
      this.push(text)
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#timer !== null) clearImmediate(this.#timer)
    this.#timer = null
    callback(error)
  }
}
