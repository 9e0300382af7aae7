import * as crypto from 'node:crypto'

// One-shot hashing (Node >= 20.12) costs half of a Hash object's; the same digest either way.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
const sha256Hex = (key: string): string => (oneShot ? oneShot('sha256', key, 'hex') : crypto.createHash('sha256').update(key).digest('hex'))

/** FNV-1a: a stable 32-bit seed for "the same id always gives the same thing". */
export function hashSeed(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0)
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

// Where an id is written before it is read out as one flat string: a template of slices is a
// tree of string pieces holding the whole digest (~460 bytes an id instead of ~90), and a regex
// replace costs twice the hash.
const scratch = Buffer.alloc(64)

/** What a minted id starts with: a few letters, so the id always fits the scratch (64 bytes). */
export type IdPrefix = 'bat' | 'dir' | 'dfl' | 'file' | 'whc' | 'evt' | 'whd'
const DASH = 0x2d
const VARIANTS = [0x38, 0x39, 0x61, 0x62] // '8' '9' 'a' 'b'

/** Copies `ascii[from, to)` into the scratch at `at`; answers where it ended. */
function copyAscii(ascii: string, from: number, to: number, at: number): number {
  for (let i = from; i < to; i++) scratch[at++] = ascii.charCodeAt(i)
  return at
}

/**
 * A v4-shaped uuid that follows from `key` alone, for ids minted on a hot path (create):
 * a hash costs a fraction of reseeding the faker.
 */
export function hashedId(prefix: IdPrefix, key: string): string {
  const h = sha256Hex(key)
  let at = copyAscii(prefix, 0, prefix.length, 0)
  scratch[at++] = DASH
  at = copyAscii(h, 0, 8, at)
  scratch[at++] = DASH
  at = copyAscii(h, 8, 12, at)
  scratch[at++] = DASH
  scratch[at++] = 0x34 // the version: '4'
  at = copyAscii(h, 13, 16, at)
  scratch[at++] = DASH
  const nibble = h.charCodeAt(16)
  scratch[at++] = VARIANTS[(nibble <= 0x39 ? nibble - 0x30 : nibble - 0x57) & 3] as number
  at = copyAscii(h, 17, 20, at)
  scratch[at++] = DASH
  at = copyAscii(h, 20, 32, at)
  return scratch.toString('latin1', 0, at)
}

/** A 32-bit finalizer (murmur3's fmix32): every input bit moves every output bit. */
export function mix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * The form under which ids are compared and indexed: `prj-<UUID>`, `prj-<uuid>` and
 * `<uuid>` are one project (likewise `org-`). Answers keep each id as it was written.
 */
export function canonicalId(id: string): string {
  // Most calls ask again for the last id (one tenant's creates and reads): remembered.
  if (id !== lastId) {
    lastId = id
    lastCanonical = id.replace(/^[a-z]{3}-/i, '').toLowerCase()
  }
  return lastCanonical
}
let lastId = ''
let lastCanonical = ''

/** `prj-<uuid>` and `<uuid>` name the same project (likewise `org-`). */
export function sameId(a: string, b: string): boolean {
  return a === b || canonicalId(a) === canonicalId(b)
}

/** A project id as answers carry it: `prj-` prefixed. */
export function projectId(id: string): string {
  return id.startsWith('prj-') ? id : `prj-${id}`
}
