import type { DeliveriesQuery, Delivery } from '../schemas/webhooks.js'

/** Attempts the deliveries journal keeps (a ring: the oldest go first). */
export const DEFAULT_DELIVERY_JOURNAL_SIZE = 1000
/** A request body kept in the journal at most; longer ones are cut (the receiver got all of it). */
export const MAX_JOURNALED_BODY = 64 * 1024
/**
 * What the journal's entries may hold at once, estimated (see `bytesOf`): with up to 100,000
 * entries of up to 64 KiB of body and 8 KiB of headers each, the count alone would let it hold
 * gigabytes. Past it the oldest entries go, as past the count.
 */
export const DEFAULT_DELIVERY_JOURNAL_BYTES = 64 * 1024 * 1024

/** Every delivery attempt (and every delivery dropped), newest last, in a ring bounded by count and by bytes. */
export class DeliveryJournal {
  readonly #ring: (Delivery | undefined)[]
  /** Each slot's estimated bytes, and their sum over the entries kept. */
  readonly #sizes: Float64Array
  #bytes = 0
  #next = 0
  #count = 0
  #total = 0

  constructor(
    readonly capacity = DEFAULT_DELIVERY_JOURNAL_SIZE,
    readonly maxBytes = DEFAULT_DELIVERY_JOURNAL_BYTES
  ) {
    this.#ring = new Array<Delivery | undefined>(capacity)
    this.#sizes = new Float64Array(capacity)
  }

  get total(): number {
    return this.#total
  }

  add(entry: Delivery): void {
    // The slot about to be written holds the oldest entry when the ring is full: it goes.
    if (this.#count === this.capacity) this.#dropOldest()
    const size = bytesOf(entry)
    this.#ring[this.#next] = entry
    this.#sizes[this.#next] = size
    this.#bytes += size
    this.#next = (this.#next + 1) % this.capacity
    this.#count++
    this.#total++
    // The newest is always kept, however big (one entry is bounded by the body and header limits).
    while (this.#bytes > this.maxBytes && this.#count > 1) this.#dropOldest()
  }

  /**
   * Entries oldest first, filtered; with `filter.last`, only the newest `last` of them: the walk
   * goes from the newest back and stops there (as the request journal's), so the dashboard's
   * `?last=25` each second builds 25, not every matching entry of the ring.
   */
  entries(filter: DeliveriesQuery = {}): Delivery[] {
    const out: Delivery[] = []
    const last = filter.last ?? Infinity
    // Parsed only when asked for: every entry's finished_at would be read for nothing otherwise.
    const since = filter.since === undefined ? null : Date.parse(filter.since)
    for (let n = this.#count - 1; n >= 0 && out.length < last; n--) {
      const e = this.#ring[(this.#next - this.#count + n + this.capacity) % this.capacity] as Delivery
      if (filter.batch_id !== undefined && e.batch_id !== filter.batch_id) continue
      if (filter.event_type !== undefined && e.event_type !== filter.event_type) continue
      if (filter.status !== undefined && e.status !== filter.status) continue
      if (filter.outcome !== undefined && e.outcome !== filter.outcome) continue
      if (since !== null && Date.parse(e.finished_at) < since) continue
      out.push(e)
    }
    return out.reverse()
  }

  clear(): void {
    this.#ring.fill(undefined)
    this.#sizes.fill(0)
    this.#bytes = 0
    this.#next = 0
    this.#count = 0
    this.#total = 0
  }

  #dropOldest(): void {
    const i = (this.#next - this.#count + this.capacity) % this.capacity
    this.#bytes -= this.#sizes[i] as number
    this.#sizes[i] = 0
    this.#ring[i] = undefined
    this.#count--
  }
}

/**
 * An entry's bytes, estimated: 2 a character of its body and header text, plus ~40 a header
 * and ~600 for the rest of the entry (its ids, URL, times). A body shared by several attempts
 * is counted for each: an over-estimate, so the bound holds.
 */
function bytesOf(e: Delivery): number {
  let n = 600 + 2 * (e.request.body.length + e.url.length)
  for (const name in e.request.headers) n += 40 + 2 * (name.length + (e.request.headers[name] as string).length)
  return n
}
