import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadScenario } from '../../src/scenario/load.js'
import { build, get } from '../helper.js'

t.test("the README's scenario example loads and behaves as commented", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const yaml = /```yaml\n(name: my-scenario[\s\S]*?)```/.exec(readme)?.[1]
  t.ok(yaml, 'the README has the example')
  const dir = t.testdir({ 'my-scenario.yaml': yaml! })
  const loaded = loadScenario(join(dir, 'my-scenario.yaml'))
  const app = await build(t, { scenario: loaded })
  const asA = { authorization: 'Bearer sk-team-a' }
  const batch = await get(app, '/api/v2/batches/bat-11111111-0000-4000-8000-000000000001', asA)
  t.equal(batch.status, 200)
  t.equal(batch.body.status, 'RUNNING', 'created a minute ago with a ten-minute run')
  t.equal((await get(app, '/api/v2/batches/bat-11111111-0000-4000-8000-000000000001', { authorization: 'Bearer sk-team-b' })).status, 404)
  t.equal((await get(app, '/api/v2/batches?page_size=100', asA)).body.items.length, 51, 'its batch and the 50 generated for its project')
})
