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

const UUID_PARTS = /^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*$/

/**
 * A v4-shaped uuid that follows from `key` alone, for ids minted on a hot path (create):
 * a hash costs a fraction of reseeding the faker.
 */
export function hashedId(prefix: string, key: string): string {
  const h = sha256Hex(key)
  const variant = '89ab'[parseInt(h[16] as string, 16) & 3] as string
  // One replace builds one flat string: a template of slices is a tree of ~10 string
  // pieces holding the whole digest (~430 bytes an id instead of ~60).
  return h.replace(UUID_PARTS, `${prefix}-$1-$2-4$3-${variant}$4-$5`)
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
  return id.replace(/^[a-z]{3}-/i, '').toLowerCase()
}

/** `prj-<uuid>` and `<uuid>` name the same project (likewise `org-`). */
export function sameId(a: string, b: string): boolean {
  return canonicalId(a) === canonicalId(b)
}

/** A project id as answers carry it: `prj-` prefixed. */
export function projectId(id: string): string {
  return id.startsWith('prj-') ? id : `prj-${id}`
}
