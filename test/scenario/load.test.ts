import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../../src/app.js'
import { loadScenario, ScenarioLoadError } from '../../src/scenario/load.js'
import { AUTH, build } from '../helper.js'

/** Loads a scenario file written into a fresh folder and answers the ScenarioLoadError. */
async function faultOf(t: Test, name: string, text: string, files: Record<string, string> = {}): Promise<ScenarioLoadError> {
  const dir = t.testdir({ [name]: text, ...files })
  const path = join(dir, name)
  const error = await buildApp({ scenario: path, clock: 'manual' }).then(
    (app) => app.close().then(() => null),
    (e: unknown) => e
  )
  t.type(error, ScenarioLoadError)
  const fault = error as ScenarioLoadError
  t.equal(fault.source, path, 'names the file')
  return fault
}

t.test('faults name the file, the JSON pointer and what was expected', async (t) => {
  const yaml = await faultOf(t, 's.yaml', 'batches:\n  - id: [unclosed\n')
  t.match(yaml.expected, /valid YAML at line \d+, column \d+/)

  const json = await faultOf(t, 's.json', '{"batches": [}')
  t.match(json.expected, /valid JSON/)

  const status = await faultOf(t, 's.yaml', 'batches:\n  - id: bat-1\n    outcome: DONE\n')
  t.equal(status.pointer, '/batches/0/outcome')
  t.match(status.expected, /one of "PENDING", "THROTTLED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", got "DONE"/)

  const negative = await faultOf(t, 's.yaml', 'defaults:\n  timeline: { pending_ms: -5 }\n')
  t.equal(negative.pointer, '/defaults/timeline/pending_ms')
  t.match(negative.expected, /greater or equal to 0/)

  const duplicate = await faultOf(t, 's.yaml', 'batches:\n  - id: bat-1\n  - id: bat-2\n  - id: bat-1\n')
  t.equal(duplicate.pointer, '/batches/2/id')
  t.match(duplicate.expected, /bat-1 is already taken/)

  const missing = await faultOf(t, 's.yaml', 'batches:\n  - fixture: nowhere.json\n')
  t.equal(missing.pointer, '/batches/0/fixture')
  t.match(missing.expected, /nowhere.json" was not found/)

  const traversal = await faultOf(t, 's.yaml', 'batches:\n  - fixture: ../../etc/passwd\n')
  t.equal(traversal.pointer, '/batches/0/fixture')
  t.match(traversal.expected, /inside the scenario's folder or fixtures/)

  const unknownKey = await faultOf(t, 's.yaml', 'batches:\n  - id: bat-1\n    colour: red\n')
  t.equal(unknownKey.pointer, '/batches/0/colour')

  const badFixture = await faultOf(t, 's.yaml', 'batches:\n  - fixture: b.json\n', { 'b.json': '{"id": "bat-1"}' })
  t.match(badFixture.message, /b\.json/)
  t.equal(badFixture.pointer, "/batches/0/fixture")
  t.match(badFixture.expected, /b\.json to hold a batch body, but at \/project_id it needs required property/)

  const exclusive = await faultOf(t, 's.yaml', 'exclusive_directories: true\nbatches:\n  - source_directory_id: dir-x\n')
  t.equal(exclusive.pointer, '/batches/0/source_directory_id')

  const laughs = await faultOf(t, 's.yaml', 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n')
  t.match(laughs.expected, /valid YAML/, 'alias bombs are refused')
})

t.test('a fixture beside the scenario is found', async (t) => {
  const dir = t.testdir({
    's.yaml': 'name: mine\nbatches:\n  - fixture: b.json\n',
    'b.json': JSON.stringify({
      id: 'bat-lit', project_id: 'prj-1', source_directory_id: 'dir-1', config: { job: { type: 'extract_v2', configuration_id: 'cfg-1' } },
      status: 'RUNNING', created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:01:00.000Z', results: null
    })
  })
  const loaded = loadScenario(join(dir, 's.yaml'))
  t.equal(loaded.name, 'mine')
  const app = await build(t, { scenario: loaded })
  const r = await app.inject({ url: '/api/v2/batches/bat-lit?expand=results', headers: AUTH })
  t.equal(r.json().status, 'RUNNING')
  t.equal(r.json().results, null)
})

t.test('same scenario + same seed = byte-identical answers at the same clock', async (t) => {
  const dump = async (seed?: number) => {
    const app = await build(t, { scenario: 'default', ...(seed !== undefined && { seed }) })
    let token: string | null = null
    let out = ''
    do {
      const r: { body: string; json(): { next_page_token: string | null } } = await app.inject({ url: `/api/v2/batches?page_size=100${token ? `&page_token=${token}` : ''}`, headers: AUTH })
      out += r.body
      token = r.json().next_page_token
    } while (token)
    for (const id of JSON.parse(out.slice(0, out.indexOf('"next_page_token"') - 1) + '}').items.map((b: { id: string }) => b.id)) {
      out += (await app.inject({ url: `/api/v2/batches/${id}?expand=results`, headers: AUTH })).body
    }
    return out
  }
  const a = await dump()
  const b = await dump()
  t.equal(a, b)
  t.ok(a.length > 10_000, 'a realistic amount of data was compared')
  t.not(await dump(1234), a, 'another seed gives another world')
})

t.test('the default scenario is a realistic mix', async (t) => {
  const app = await build(t, { scenario: 'default' })
  const items = (await app.inject({ url: '/api/v2/batches?page_size=100', headers: AUTH })).json().items as { id: string; status: string; config: { job: { type: string; configuration_id: string } } }[]
  t.same(new Set(items.map((b) => b.status)), new Set(['PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']), 'every status at start')
  t.same(new Set(items.map((b) => b.config.job.type)), new Set(['parse_v2', 'extract_v2']))
  t.ok(new Set(items.map((b) => b.config.job.configuration_id)).size >= 4, 'several configurations')
  let errors = 0
  let largest = 0
  for (const b of items) {
    const results = (await app.inject({ url: `/api/v2/batches/${b.id}?expand=results`, headers: AUTH })).json().results ?? []
    errors += results.filter((r: { error_message: string | null }) => r.error_message !== null).length
    largest = Math.max(largest, results.length)
  }
  t.ok(errors > 0, `per-file errors (${errors})`)
  t.ok(largest >= 100, `batches of up to a few hundred files (${largest})`)
})
