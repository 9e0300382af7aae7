import { mix32 } from '../ids.js'

/**
 * Incremental FNV-1a: the state after hashing `key`, to continue with the decimal digits of
 * an index. Two bases give two independent 32-bit hashes, 64 bits in all.
 */
export interface KeyHash {
  readonly a: number
  readonly b: number
}

export function keyHash(seed: number, key: string): KeyHash {
  let a = 0x811c9dc5 ^ (seed >>> 0)
  let b = 0x01234567 ^ Math.imul(seed >>> 0, 0x9e3779b1)
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  return { a, b }
}

/** The hash of `key` followed by the digits of `index`, written into `out` (a, b). */
function indexHash(h: KeyHash, index: number, out: Uint32Array): void {
  let a = h.a
  let b = h.b
  const digits = String(index)
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  out[0] = a
  out[1] = b
}


const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const hex8 = (n: number): string => (HEX[n >>> 24] as string) + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255]
const scratch = new Uint32Array(2)
const words = new Uint32Array(4)

/**
 * Four well-mixed 32-bit words for (key, index), into `words`: a v4 uuid, or a choice,
 * costs a few multiplications instead of reseeding the faker (~50 µs a time).
 */
export function wordsAt(h: KeyHash, index: number): Uint32Array {
  indexHash(h, index, scratch)
  const a = scratch[0] as number
  const b = scratch[1] as number
  words[0] = mix32(a)
  words[1] = mix32(b ^ 0x9e3779b9)
  words[2] = mix32(a + Math.imul(b, 0x27d4eb2d))
  words[3] = mix32(b + Math.imul(a, 0x165667b1))
  return words
}

export function uuidOf(prefix: string, w: Uint32Array): string {
  const x = w[0] as number
  const y = w[1] as number
  const z = w[2] as number
  return `${prefix}-${hex8(x)}-${HEX[y >>> 24]}${HEX[(y >>> 16) & 255]}-4${hex8(y).slice(5)}-${'89ab'[z >>> 30]}${hex8(z).slice(1, 4)}-${hex8(z).slice(4)}${hex8(w[3] as number)}`
}

/** A v4-shaped id that follows from (key, index) alone, fast enough to make per file. */
export function indexedId(prefix: string, h: KeyHash, index: number): string {
  return uuidOf(prefix, wordsAt(h, index))
}
