import t from 'tap'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, post } from '../helper.js'

// Issue 10, items 1–3: POST /_mock/scenario {name} read any file and answered it in the
// 422; fixtures followed symlinks out of the scenario's folder; parse errors quoted the file.

const EXAMPLE = readFileSync(new URL('../../fixtures/example-batch.json', import.meta.url), 'utf8')

t.test('the control plane reads only scenario files under cwd or --scenario-dir', async (t) => {
  const root = t.testdir({
    cwd: { 'ok.yaml': 'name: from-cwd\n', 'notes.txt': 'name: text\n', sub: { 'deep.yml': 'name: deep\n' } },
    extra: { 'other.json': '{"name": "from-scenario-dir"}' },
    outside: { 'secret.yaml': 'name: TOP-SECRET-NAME\n' }
  })
  const cwd = join(root, 'cwd')
  symlinkSync(join(root, 'outside', 'secret.yaml'), join(cwd, 'link.yaml'))
  const app = await build(t, { cwd, scenarioDir: join(root, 'extra') })
  const load = (name: string) => post(app, '/_mock/scenario', { name })

  t.equal((await load('ok.yaml')).body.scenario, 'from-cwd', 'a relative name under cwd')
  t.equal((await load(join(cwd, 'sub', 'deep.yml'))).body.scenario, 'deep', 'an absolute path under cwd')
  t.equal((await load(join(root, 'extra', 'other.json'))).body.scenario, 'from-scenario-dir', 'a file under --scenario-dir')
  t.equal((await load('other.json')).body.scenario, 'from-scenario-dir', 'a relative name found in --scenario-dir')
  t.equal((await load('empty')).body.scenario, 'empty', 'a bundled name')

  for (const [name, why] of [
    ['/etc/passwd', /scenario file/],
    ['/proc/self/environ', /scenario file/],
    [join(root, 'outside', 'secret.yaml'), /outside/],
    ['../outside/secret.yaml', /outside/],
    ['link.yaml', /outside/],
    ['notes.txt', /\.yaml, \.yml or \.json/]
  ] as const) {
    const res = await load(name)
    t.equal(res.status, 422, name)
    t.same(res.body.detail[0].loc, ['body', 'name'], name)
    t.match(res.body.detail[0].msg, why, name)
    t.notMatch(res.res.body, /root:|PATH=|TOP-SECRET-NAME/, `${name}: no file content in the answer`)
  }
})

t.test('a fixture is confined by its real path, not its name', async (t) => {
  const root = t.testdir({ outside: { 'batch.json': EXAMPLE }, cwd: { fixtures: {} } })
  const cwd = join(root, 'cwd')
  writeFileSync(join(cwd, 's.yaml'), 'name: s\nbatches:\n  - fixture: x.json\n')
  symlinkSync(join(root, 'outside', 'batch.json'), join(cwd, 'fixtures', 'x.json'))
  symlinkSync('/etc/passwd', join(cwd, 'passwd.json'))
  writeFileSync(join(cwd, 'p.yaml'), 'batches:\n  - fixture: passwd.json\n')
  const app = await build(t, { cwd })
  const escaped = await post(app, '/_mock/scenario', { name: 's.yaml' })
  t.equal(escaped.status, 422)
  t.match(escaped.body.detail[0].msg, /\/batches\/0\/fixture.*inside the scenario's folder/)
  const passwd = await post(app, '/_mock/scenario', { name: 'p.yaml' })
  t.equal(passwd.status, 422)
  t.notMatch(passwd.res.body, /root:/)

  mkdirSync(join(cwd, 'fixtures', 'real'))
  writeFileSync(join(cwd, 'fixtures', 'real', 'y.json'), EXAMPLE)
  symlinkSync(join(cwd, 'fixtures', 'real', 'y.json'), join(cwd, 'fixtures', 'inside.json'))
  writeFileSync(join(cwd, 'in.yaml'), 'name: in\nbatches:\n  - fixture: inside.json\n')
  t.equal((await post(app, '/_mock/scenario', { name: 'in.yaml' })).body.batches, 1, 'a link that stays inside is fine')
})

t.test('errors never quote file content, and quote inputs only briefly', async (t) => {
  const cwd = t.testdir({
    'bad.yaml': 'name: x\nkey: SECRET-YAML-1\n  - [broken: {\n',
    'bad.json': '{"name": SECRET-JSON-2}',
    'plain.yaml': 'SECRET-SCALAR-3 the whole file is one string\n',
    'fixtures': { 'f.json': '{"id": SECRET-FIXTURE-4' },
    'fx.yaml': 'batches:\n  - fixture: f.json\n'
  })
  const app = await build(t, { cwd })
  for (const name of ['bad.yaml', 'bad.json', 'plain.yaml', 'fx.yaml']) {
    const res = await post(app, '/_mock/scenario', { name })
    t.equal(res.status, 422, name)
    t.notMatch(res.res.body, /SECRET/, `${name}: ${res.body.detail[0].msg}`)
  }
  t.match((await post(app, '/_mock/scenario', { name: 'bad.json' })).body.detail[0].msg, /valid JSON.*line 1, column \d+/)
  t.match((await post(app, '/_mock/scenario', { name: 'bad.yaml' })).body.detail[0].msg, /valid YAML.*line \d+, column \d+/)

  const long = await post(app, '/_mock/scenario', { scenario: { description: 'x'.repeat(100_000) } })
  t.equal(long.status, 422)
  t.ok(long.res.body.length < 1000, `a long value is quoted briefly (${long.res.body.length} bytes)`)
  const longName = await post(app, '/_mock/scenario', { name: 'n'.repeat(1000) })
  t.equal(longName.status, 422)
  t.ok(longName.res.body.length < 1000, `a long name is quoted briefly (${longName.res.body.length} bytes)`)
})
