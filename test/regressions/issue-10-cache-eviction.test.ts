import t from 'tap'
import { AnswerCache } from '../../src/store/answer-cache.js'
import type { BatchRecord } from '../../src/domain/timeline.js'
import { record as baseRecord } from '../helper.js'

// Issue 10 item 12: each time the answer cache filled, evicting got slower (three walks of
// 200k batches took 6 s, 22 s, 74 s): eviction scanned the map from the front, past every
// entry deleted before. Eviction is O(1) now, so every walk costs the same.
/** A PENDING batch with no files. */
const record = (id: string): BatchRecord => baseRecord({ id, outcome: 'PENDING', files: 0 })

/** The fastest of three walks over n batches, each evicting, in a cache with room for n/2. */
function walkMs(n: number): number {
  const body = Buffer.alloc(10)
  const cache = new AnswerCache(10 * (n / 2))
  const records = Array.from({ length: n }, (_, i) => record(`bat-${i}`))
  let best = Infinity
  for (let w = 0; w < 4; w++) {
    const started = performance.now()
    for (const r of records) {
      if (cache.get(r, 1, false) === undefined) cache.set(r, 1, false, body)
    }
    // The first walk only fills the cache: it is not measured.
    if (w > 0) best = Math.min(best, performance.now() - started)
  }
  if (cache.size > n / 2) throw new Error('cache over its budget')
  return best
}

t.test('an eviction costs the same however full the cache has been', async (t) => {
  const small = walkMs(12_500)
  const large = walkMs(50_000)
  // Four times the batches: ~4x when eviction is O(1), ~16x when it is O(cache size).
  t.ok(large < Math.max(small * 9, 40), `4x the batches took ${(large / small).toFixed(1)}x the time (${small.toFixed(1)} ms, ${large.toFixed(1)} ms)`)
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
