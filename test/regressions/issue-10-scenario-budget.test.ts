import t from 'tap'
import { build, post } from '../helper.js'

// Issue 10, item 4: a scenario's size is checked from the document, before any work.
// `generate: [{count: 1000000, files: {min: 10000, max: 10000}}]` was accepted and headed for ~80 GB.

t.test('a scenario beyond the batch or file budget is refused up front, with its pointer', async (t) => {
  const app = await build(t)
  const giant = await post(app, '/_mock/scenario', { scenario: { generate: [{ count: 1_000_000, files: { min: 10_000, max: 10_000 } }] } })
  t.equal(giant.status, 422)
  t.same(giant.body.detail[0].loc, ['body', 'scenario', 'generate', 0, 'count'])

  // Both of these loaded before (cheaply enough to check): each is just past one budget.
  const batches = await post(app, '/_mock/scenario', { scenario: { generate: [{ count: 150_000, files: { min: 0, max: 0 } }, { count: 50_001, files: { min: 0, max: 0 } }] } })
  t.equal(batches.status, 422)
  t.same(batches.body.detail[0].loc, ['body', 'scenario', 'generate', 1, 'count'])
  t.match(batches.body.detail[0].msg, /at most 200000 batches/)

  const files = await post(app, '/_mock/scenario', { scenario: { batches: [{ files: 10_000 }], generate: [{ count: 200, files: { min: 10_000, max: 10_000 } }] } })
  t.equal(files.status, 422)
  t.same(files.body.detail[0].loc, ['body', 'scenario', 'generate', 0, 'files'])
  t.match(files.body.detail[0].msg, /at most 2000000 files/)
  t.equal((await post(app, '/_mock/reset')).body.scenario, 'empty', 'the old scenario stayed in force')
})

t.test('the bench scale (100k batches, 1M files) stays within budget', async (t) => {
  const app = await build(t)
  const res = await post(app, '/_mock/scenario', { scenario: { name: 'large', generate: [{ count: 100_000, files: { min: 10, max: 10 } }] } })
  t.equal(res.status, 200)
  t.equal(res.body.batches, 100_000)
})
