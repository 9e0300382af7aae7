import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../../src/app.js'
import { ScenarioLoadError } from '../../src/scenario/load.js'
import { build, get, post } from '../helper.js'
import { cpuTimed } from '../cpu-time.js'

// Every hostile scenario input of issue 10 (and the clock's end) in one run: each is refused
// with a short 4xx (or a ScenarioLoadError for the library), quickly, without file content,
// and the mock answers normally afterwards.

const BOUND_MS = 3000
const EXAMPLE = readFileSync(new URL('../../fixtures/example-batch.json', import.meta.url), 'utf8')
const LEAKS = /root:x|PATH=|HOME=|\u0000/

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

async function bounded<T>(t: Test, what: string, run: () => Promise<T>): Promise<T> {
  const { value, ms } = await cpuTimed(run)
  t.ok(ms < BOUND_MS, `${what}: answered in ${Math.round(ms)} ms of CPU (bound ${BOUND_MS} ms)`)
  return value
}

t.test('the control plane: hostile names, links and sizes', async (t) => {
  const dir = t.testdir({ outside: { 'batch.json': EXAMPLE }, cwd: { fixtures: {} } })
  const cwd = join(dir, 'cwd')
  symlinkSync(join(dir, 'outside', 'batch.json'), join(cwd, 'fixtures', 'x.json'))
  writeFileSync(join(cwd, 'linked.yaml'), 'batches:\n  - fixture: x.json\n')
  symlinkSync('/dev/zero', join(cwd, 'zero.yaml'))
  const app = await build(t, { cwd })
  const names = ['/etc/passwd', '/proc/self/environ', '/dev/zero', 'zero.yaml', 'linked.yaml', 'x'.repeat(1024)]
  if (hasMkfifo()) {
    execFileSync('mkfifo', [join(cwd, 'pipe.yaml')])
    names.push('pipe.yaml', join(cwd, 'pipe.yaml'))
  } else t.comment('mkfifo is not available: the FIFO cases are left out')
  for (const name of names) {
    const res = await bounded(t, name.slice(0, 40), () => post(app, '/_mock/scenario', { name }))
    t.equal(res.status, 422, name.slice(0, 40))
    t.notMatch(res.res.body, LEAKS, `${name.slice(0, 40)}: no file content`)
    t.ok(res.res.body.length < 1000, `${name.slice(0, 40)}: a short message`)
  }
  const giant = await bounded(t, 'giant generate', () =>
    post(app, '/_mock/scenario', { scenario: { generate: [{ count: 200_000, files: { min: 10_000, max: 10_000 } }, { count: 200_000 }] } })
  )
  t.equal(giant.status, 422)
  t.match(giant.body.detail[0].msg, /at most 2000000 files/)
  const many = await bounded(t, '1M tiny batches', () => post(app, '/_mock/scenario', { scenario: { generate: [{ count: 1_000_000, files: { min: 1, max: 1 } }] } }))
  t.equal(many.status, 422)
  t.equal((await get(app, '/_mock/health')).status, 200, 'still answering')
})

t.test('the library and CLI path (any regular file the user names) still refuses devices, FIFOs and secrets in messages', async (t) => {
  const dir = t.testdir({})
  const refs = ['/dev/zero', '/proc/self/environ', '/etc/passwd', dir]
  if (hasMkfifo()) {
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')])
    refs.push(join(dir, 'pipe.yaml'))
  } else t.comment('mkfifo is not available: the FIFO case is left out')
  for (const ref of refs) {
    const error = await bounded(t, ref, () => buildApp({ scenario: ref, clock: 'manual' }).then((app) => app.close().then(() => null), (e: unknown) => e))
    t.type(error, ScenarioLoadError, ref)
    t.notMatch((error as Error).message, LEAKS, `${ref}: no file content`)
    t.ok((error as Error).message.length < 500, `${ref}: a short message`)
  }
})

t.test('the clock past its end', async (t) => {
  const app = await build(t)
  t.equal((await post(app, '/_mock/clock/set', { now: '9999-12-31T23:59:59.999Z' })).status, 200)
  t.equal((await post(app, '/_mock/clock/advance', { ms: 1 })).status, 422)
  t.equal((await post(app, '/_mock/clock/set', { now: '9999-12-31T23:59:59.999-01:00' })).status, 422)
  for (const url of ['/_mock/clock', '/api/v2/batches', '/_mock/requests']) t.equal((await get(app, url)).status, 200, url)
  await t.rejects(buildApp({ scenario: 'empty', clock: 'manual', startTime: '+275760-09-13T00:00:00.000Z' }))
})
