import t from 'tap'
import { build, get, scenario } from '../helper.js'

t.test('answers carry only what their schema declares', async (t) => {
  const app = await build(t, { scenario: scenario([{ id: 'bat-a', files: 1 }]) })
  const record = app.mock.world.store.get('bat-a')!
  // A record whose nested config carries a key (and a job a field) the API does not have.
  const leaky = { ...record, transitions: record.transitions, mappedAt: record.mappedAt, config: { job: { ...record.config.job, secret: 'do-not-send' }, internal: 42 } as typeof record.config }
  app.mock.world.store.replace(leaky)
  for (const url of ['/api/v2/batches/bat-a', '/api/v2/batches/bat-a?expand=results', '/api/v2/batches']) {
    const { status, res } = await get(app, url)
    t.equal(status, 200)
    t.notMatch(res.body, /do-not-send|internal/, `${url}: no undeclared key`)
    t.match(res.body, /"configuration_id":"cfg-PARSE_AGENTIC"/, `${url}: the declared ones are there`)
  }
})
