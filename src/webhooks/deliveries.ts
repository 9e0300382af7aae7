import type { DeliveriesQuery, Delivery } from '../schemas/webhooks.js'

/** Attempts the deliveries journal keeps (a ring: the oldest go first). */
export const DEFAULT_DELIVERY_JOURNAL_SIZE = 1000
/** A request body kept in the journal at most; longer ones are cut (the receiver got all of it). */
export const MAX_JOURNALED_BODY = 64 * 1024

/** Every delivery attempt (and every delivery dropped), newest last, in a bounded ring. */
export class DeliveryJournal {
  readonly #ring: (Delivery | undefined)[]
  #next = 0
  #count = 0
  #total = 0

  constructor(readonly capacity = DEFAULT_DELIVERY_JOURNAL_SIZE) {
    this.#ring = new Array<Delivery | undefined>(capacity)
  }

  get total(): number {
    return this.#total
  }

  add(entry: Delivery): void {
    this.#ring[this.#next] = entry
    this.#next = (this.#next + 1) % this.capacity
    this.#count = Math.min(this.#count + 1, this.capacity)
    this.#total++
  }

  entries(filter: DeliveriesQuery = {}): Delivery[] {
    const out: Delivery[] = []
    const since = filter.since === undefined ? -Infinity : Date.parse(filter.since)
    for (let i = 0; i < this.#count; i++) {
      const e = this.#ring[(this.#next - this.#count + i + this.capacity) % this.capacity] as Delivery
      if (filter.batch_id !== undefined && e.batch_id !== filter.batch_id) continue
      if (filter.event_type !== undefined && e.event_type !== filter.event_type) continue
      if (filter.status !== undefined && e.status !== filter.status) continue
      if (filter.outcome !== undefined && e.outcome !== filter.outcome) continue
      if (Date.parse(e.finished_at) < since) continue
      out.push(e)
    }
    return out
  }

  clear(): void {
    this.#ring.fill(undefined)
    this.#next = 0
    this.#count = 0
    this.#total = 0
  }
}
