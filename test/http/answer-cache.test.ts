import t from 'tap'
import { AnswerCache } from '../../src/http/answer-cache.js'
import type { BatchRecord } from '../../src/domain/batch-record.js'
import { record as baseRecord } from '../helper.js'

/** A PENDING batch with no files. */
const record = (id: string): BatchRecord => baseRecord({ id, outcome: 'PENDING', files: 0 })

t.test('an answer is reused only for the same record, step and expand', async (t) => {
  const cache = new AnswerCache()
  const a = record('a')
  cache.set(a, 1, false, Buffer.from('A1'))
  t.equal(cache.get(a, 1, false)?.toString(), 'A1')
  t.equal(cache.get(a, 2, false), undefined, 'another step')
  t.equal(cache.get(a, 1, true), undefined, 'another expand')
  t.equal(cache.get({ ...a }, 1, false), undefined, 'a new version of the batch (a cancel)')
  cache.set(a, 2, false, Buffer.from('A2'))
  t.equal(cache.get(a, 2, false)?.toString(), 'A2')
  t.equal(cache.size, 1, 'one entry per batch and expand')
})

t.test('bounded in bytes, oldest out first', async (t) => {
  const cache = new AnswerCache(10)
  const [a, b, c] = [record('a'), record('b'), record('c')]
  cache.set(a, 1, false, Buffer.from('1234'))
  cache.set(b, 1, false, Buffer.from('1234'))
  cache.set(c, 1, false, Buffer.from('1234'))
  t.equal(cache.get(a, 1, false), undefined)
  t.equal(cache.get(c, 1, false)?.toString(), '1234')
  cache.set(a, 1, false, Buffer.from('x'.repeat(11)))
  t.equal(cache.get(a, 1, false), undefined, 'an answer larger than the whole budget is not kept')
})
