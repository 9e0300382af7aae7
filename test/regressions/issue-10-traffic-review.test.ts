import t from 'tap'
import { build, get, exampleScenario } from '../helper.js'

// From the review of the traffic hooks: a header rule must see only headers the client sent,
// and every /api request, `/api?x` included, is journaled and checked against the rules.
t.test('a header rule named like an Object.prototype key does not fire on requests without it', async (t) => {
  const app = await build(t, { scenario: exampleScenario() })
  for (const name of ['constructor', 'tostring', '__proto__']) {
    const res = await app.inject({ method: 'POST', url: '/_mock/faults', payload: { path: '/api/**', status: 503, header: { name } } })
    t.equal(res.statusCode, 200, `rule on header ${name}`)
  }
  t.equal((await get(app, '/api/v2/batches')).status, 200, 'no such header sent: no fault')
  t.equal((await get(app, '/api/v2/batches', { authorization: 'Bearer k', constructor: 'x' })).status, 503, 'sent: the rule fires')
})

t.test('/api with a query string is journaled like any /api request', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'GET', url: '/api?x=1' })
  const { body } = await get(app, '/_mock/requests')
  t.same(body.requests.map((r: { path: string }) => r.path), ['/api'])
})
