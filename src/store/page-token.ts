import { createHmac, timingSafeEqual } from 'node:crypto'
import type { ListPosition } from './batch-store.js'

/** Tokens remembered for pages polled again, and the longest query key remembered: ~1.3 MB in all. */
export const ISSUED_KEPT = 1024
/** A longer key (a job list's 100 `job_ids` make ~13 KB) is signed each time, never remembered. */
export const ISSUED_KEY_CHARS = 1024

/**
 * Opaque, signed list cursors. A token names the last batch of the page it ends; its
 * signature covers that position and the query it belongs to (filters and tenant), so it
 * cannot be forged, edited, or replayed against another query or another tenant's data.
 * The query is bound by the signature only, never carried: a token's length does not
 * grow with the filters (a 128-character directory id and every filter stay far under
 * the 512 characters the list route accepts).
 */
export class PageTokens {
  readonly #key: Buffer
  /** Tokens issued lately, by position and query: a page polled again signs nothing (cleared whole when full). */
  #issued = new Map<string, string>()

  constructor(secret: string) {
    this.#key = createHmac('sha256', 'llamacloud-batches-mock/page-token').update(secret).digest()
  }

  #sign(payload: string, queryFingerprint: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).update('\n').update(queryFingerprint).digest().subarray(0, 16)
  }

  issue(position: ListPosition, queryFingerprint: string): string {
    const key = `${position.createdAt}\u0000${position.id}\u0000${queryFingerprint}`
    const known = this.#issued.get(key)
    if (known !== undefined) return known
    const payload = Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url')
    const token = `${payload}.${this.#sign(payload, queryFingerprint).toString('base64url')}`
    if (key.length > ISSUED_KEY_CHARS) return token
    if (this.#issued.size >= ISSUED_KEPT) this.#issued = new Map()
    this.#issued.set(key, token)
    return token
  }

  /** Characters the remembered keys and tokens hold (what ISSUED_KEPT and ISSUED_KEY_CHARS bound). */
  get rememberedChars(): number {
    let chars = 0
    for (const [key, token] of this.#issued) chars += key.length + token.length
    return chars
  }

  /** The position a token resumes after, or null if it is not one this server issued for this query. */
  read(token: string, queryFingerprint: string): ListPosition | null {
    const dot = token.indexOf('.')
    if (dot <= 0) return null
    const payload = token.slice(0, dot)
    const signature = Buffer.from(token.slice(dot + 1), 'base64url')
    const expected = this.#sign(payload, queryFingerprint)
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null
    try {
      const [createdAt, id] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [unknown, unknown]
      if (typeof createdAt !== 'number' || typeof id !== 'string') return null
      return { createdAt, id }
    } catch {
      return null
    }
  }
}
