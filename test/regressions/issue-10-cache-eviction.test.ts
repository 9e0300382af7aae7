import t from 'tap'
import { AnswerCache } from '../../src/http/answer-cache.js'
import type { BatchRecord } from '../../src/domain/batch-record.js'
import { record as baseRecord } from '../helper.js'
import { cpuNow } from '../cpu-time.js'

// Issue 10 item 12: each time the answer cache filled, evicting got slower (three walks of
// 200k batches took 6 s, 22 s, 74 s): eviction scanned the map from the front, past every
// entry deleted before. Eviction is O(1) now, so every walk costs the same.
/** A PENDING batch with no files. */
const record = (id: string): BatchRecord => baseRecord({ id, outcome: 'PENDING', files: 0 })

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1] as number

/** The time of each of `walks` walks over n batches, each evicting, in a cache with room for n/2. */
function walksMs(n: number, walks: number): number[] {
  const body = Buffer.alloc(10)
  const cache = new AnswerCache(10 * (n / 2))
  const records = Array.from({ length: n }, (_, i) => record(`bat-${i}`))
  const times: number[] = []
  for (let w = 0; w <= walks; w++) {
    const started = cpuNow()
    for (const r of records) {
      if (cache.get(r, 1, false) === undefined) cache.set(r, 1, false, body)
    }
    // The first walk only fills the cache: it is not measured.
    if (w > 0) times.push(cpuNow() - started)
    if (cache.size > n / 2) throw new Error('cache over its budget')
  }
  return times
}

/** The same walk over a plain Map that never evicts: the baseline, measured in the same run. */
function mapWalksMs(n: number, walks: number): number[] {
  const map = new Map<string, Buffer>()
  const body = Buffer.alloc(10)
  const ids = Array.from({ length: n }, (_, i) => `bat-${i}`)
  const times: number[] = []
  for (let w = 0; w < walks; w++) {
    const started = cpuNow()
    for (const id of ids) {
      map.delete(id)
      map.set(id, body)
    }
    times.push(cpuNow() - started)
  }
  return times
}

t.test('an eviction costs about what a Map update costs, however full the cache has been', async (t) => {
  // Evicting by scanning the map from its front costs O(entries deleted before): at 40k
  // batches a walk took over 100 times the plain Map's. O(1) eviction stays within a few.
  const cache = median(walksMs(40_000, 5))
  const map = median(mapWalksMs(40_000, 5))
  t.ok(cache < map * 25, `a walk that evicts took ${(cache / map).toFixed(1)}x a plain Map walk (${cache.toFixed(1)} ms, ${map.toFixed(1)} ms)`)
})

t.test('least recently used goes first', async (t) => {
  const cache = new AnswerCache(12)
  const [a, b, c, d] = [record('a'), record('b'), record('c'), record('d')]
  cache.set(a, 1, false, Buffer.from('1234'))
  cache.set(b, 1, false, Buffer.from('1234'))
  cache.set(c, 1, false, Buffer.from('1234'))
  t.ok(cache.get(a, 1, false), 'a read: now the most recent')
  cache.set(d, 1, false, Buffer.from('1234'))
  t.equal(cache.get(b, 1, false), undefined, 'b, the least recently used, went')
  t.ok(cache.get(a, 1, false))
  t.ok(cache.get(c, 1, false))
  t.ok(cache.get(d, 1, false))
})
