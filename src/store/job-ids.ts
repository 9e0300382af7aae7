import { mix32 } from '../ids.js'
import { uuidOf, wordsAt, type KeyHash } from './key-hash.js'

/** The id prefix of each job type's jobs. */
export const JOB_ID_PREFIX = { parse_v2: 'pjb', extract_v2: 'ejb' } as const
export type JobIdPrefix = (typeof JOB_ID_PREFIX)[keyof typeof JOB_ID_PREFIX]

/** Modular inverse of an odd number mod 2^32 (Newton's iteration: each step doubles the bits). */
function inverse32(c: number): number {
  let x = c
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(c, x))
  return x >>> 0
}
const UNMIX_1 = inverse32(0x85ebca6b)
const UNMIX_2 = inverse32(0xc2b2ae35)

/** The inverse of `mix32` (murmur3's fmix32 is a bijection of 32-bit words). */
export function unmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, UNMIX_2)
  h ^= (h >>> 13) ^ (h >>> 26)
  h = Math.imul(h, UNMIX_1)
  h ^= h >>> 16
  return h >>> 0
}

/** The first word of every job id of one batch: a 32-bit hash of (seed, batch id). */
export function batchWord(h: KeyHash): number {
  return mix32((h.a + Math.imul(h.b, 0x85ebca6b)) >>> 0)
}

/** The per-batch key that hides a file's index in the last word of its job's id. */
const indexKey = (h: KeyHash): number => mix32((h.b ^ 0x27d4eb2d) >>> 0)

const out = new Uint32Array(4)

/**
 * The id of the job a batch made for its file `index`: v4-shaped, random-looking, and
 * readable back. Its first word is `batchWord` (the same for all the batch's jobs) and
 * its last word the index through a keyed bijection; the middle words are a hash of
 * (batch, index). So a job id names its batch's word and its file's index — a lookup
 * needs no table of jobs, only batches by word (see service/job-index.ts).
 *
 * @example jobIdAt('pjb', keyHash(seed, `${batchId}#`), 0) // 'pjb-<word>-xxxx-4xxx-yxxx-xxxx<index word>'
 */
export function jobIdAt(prefix: string, h: KeyHash, index: number): string {
  const w = wordsAt(h, index)
  out[0] = batchWord(h)
  out[1] = w[1] as number
  out[2] = w[2] as number
  out[3] = mix32(((index >>> 0) ^ indexKey(h)) >>> 0)
  return uuidOf(prefix, out)
}

const JOB_ID = /^(pjb|ejb)-([0-9a-f]{8})-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{4}([0-9a-f]{8})$/

/** What a job id says, before any batch is consulted: its prefix, its batch's word, and the masked index. */
export interface JobIdParts {
  readonly prefix: JobIdPrefix
  readonly word: number
  readonly indexWord: number
}

/** The parts of a well-formed job id, or null for anything else. */
export function jobIdParts(id: string): JobIdParts | null {
  const m = JOB_ID.exec(id)
  if (m === null) return null
  return { prefix: m[1] as JobIdPrefix, word: parseInt(m[2] as string, 16), indexWord: parseInt(m[3] as string, 16) }
}

/** The file index a job id's last word hides, for the batch with hash `h`. */
export function indexOf(parts: JobIdParts, h: KeyHash): number {
  return (unmix32(parts.indexWord) ^ indexKey(h)) >>> 0
}
