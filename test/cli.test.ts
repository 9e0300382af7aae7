import t from 'tap'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI, runCli, startCli } from './cli-process.js'
import { spawnSync } from 'node:child_process'

const EXAMPLE = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee?expand=results'

t.test('starts on a free port, answers, and exits 0 on SIGTERM', async (t) => {
  const { child, url, banner, stderr } = await startCli(t, ['--port', '0'])
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.not(url, 'http://127.0.0.1:0', 'the banner shows the real port')
  t.match(banner, /scenario default \(\d+ batches\) \| clock real x1 \| mode realistic \| auth on/)
  const ok = await fetch(url + EXAMPLE, { headers: { authorization: 'Bearer k' } })
  t.equal(ok.status, 200)
  t.equal(((await ok.json()) as { results: unknown[] }).results.length, 1)
  t.equal((await fetch(url + EXAMPLE)).status, 401)
  child.kill('SIGTERM')
  const [code] = await once(child, 'close')
  t.equal(code, 0)
  t.notMatch(stderr(), /startupTiming/, 'no start-up marks unless MOCK_STARTUP_TIMING=1 asks')
})

t.test('SIGINT closes gracefully too; --webhook-allow-host reaches the mock; MOCK_STARTUP_TIMING=1 prints the start-up marks', async (t) => {
  const spawnedAt = Date.now()
  const { child, url, stderr } = await startCli(t, ['--port', '0', '--scenario', 'empty', '--webhook-allow-host', 'hooks.example.com'], { MOCK_STARTUP_TIMING: '1' })
  const save = (webhook_url: string) => fetch(url + '/api/v1/beta/webhook-configs', { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ webhook_url }) })
  t.equal((await save('https://hooks.example.com/x')).status, 200, 'the allowed host')
  t.equal((await save('https://other.example.com/x')).status, 422, 'no other')
  child.kill('SIGINT')
  const [code] = await once(child, 'close')
  t.equal(code, 0)
  // The bench's breakdown (bench/README.md): one JSON line, each mark in epoch ms, in start-up order.
  const lines = stderr().split('\n').filter((l) => l.includes('startupTiming'))
  t.equal(lines.length, 1)
  const marks = (JSON.parse(lines[0]!) as { startupTiming: Record<string, number> }).startupTiming
  const order = ['timeOrigin', 'bootstrapComplete', 'main', 'modules', 'scenario', 'app', 'listening', 'banner']
  t.same(Object.keys(marks).sort(), [...order].sort())
  t.same(order.filter((name, i) => i > 0 && !(marks[name]! >= marks[order[i - 1]!]!)), [], 'each mark at or after the one before')
  t.ok(marks.timeOrigin! > spawnedAt - 60_000 && marks.banner! < Date.now() + 60_000, 'epoch milliseconds, comparable with the spawning process')
})

t.test('env twins configure it; flags beat env', async (t) => {
  const { child, url, banner } = await startCli(t, ['--mode', 'compat'], { PORT: '0', MOCK_CLOCK: 'manual', MOCK_SCENARIO: 'empty', MOCK_NO_AUTH: '1', MOCK_MODE: 'realistic' })
  t.match(banner, /scenario empty \(0 batches\) \| clock manual from 2026-01-01T00:00:00.000Z \| mode compat \| auth off/)
  const clock = (await (await fetch(url + '/_mock/clock')).json()) as { mode: string }
  t.equal(clock.mode, 'manual')
  t.equal((await fetch(url + '/api/v2/batches/bat-anything')).status, 200, 'compat, no key needed')
  child.kill('SIGTERM')
  await once(child, 'exit')
})

t.test('a bad flag exits 2 with usage', async (t) => {
  const cases = [['--bogus'], ['--port', 'abc'], ['--clock', 'sundial'], ['--speed', '-1'], ['extra']]
  // Independent processes: started together, read in order.
  const results = await Promise.all(cases.map((args) => runCli(args)))
  for (const [i, args] of cases.entries()) {
    const r = results[i]!
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, /Usage: llamacloud-batches-mock/)
  }
})

t.test('a bad scenario exits 2 naming the file, pointer and expectation', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'defaults:\n  timeline:\n    running_ms: -1\n' })
  const r = await runCli(['--scenario', join(dir, 'bad.yaml'), '--port', '0'])
  t.equal(r.code, 2)
  t.match(r.stderr, /bad\.yaml: at \/defaults\/timeline\/running_ms: expected .*greater or equal to 0/)
  t.equal(r.stdout, '', 'nothing started')
})

t.test('--help and --version', async (t) => {
  const [help, version] = await Promise.all([runCli(['--help']), runCli(['--version'])])
  t.match(help.stdout, /--scenario NAME\|PATH/)
  t.match(help.stdout, /\nExamples:\n(?: {2}.*\n)* {2}llamacloud-batches-mock --clock manual --port 0 /, 'with examples')
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
})

t.test('--watch reloads the scenario when the file changes; a bad edit keeps the old one', async (t) => {
  const dir = t.testdir({ 's.yaml': 'name: v1\nbatches:\n  - id: bat-one\n' })
  const file = join(dir, 's.yaml')
  const { child, url, stderr } = await startCli(t, ['--port', '0', '--scenario', file, '--watch', '--clock', 'manual'])
  const headers = { authorization: 'Bearer k' }
  const count = async () => ((await (await fetch(`${url}/api/v2/batches`, { headers })).json()) as { items: unknown[] }).items.length
  const eventually = async (what: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await what()) return true
      await new Promise((r) => setTimeout(r, 50))
    }
    return false
  }
  t.equal(await count(), 1)
  writeFileSync(file, 'name: v2\nbatches:\n  - id: bat-one\n  - id: bat-two\n')
  t.ok(await eventually(async () => (await count()) === 2), 'the edit is served')
  writeFileSync(file, 'name: v3\nbatches:\n  - id: bat-one\n    outcome: NOPE\n')
  t.ok(await eventually(async () => /scenario change ignored/.test(stderr())), 'the bad edit is logged')
  t.match(stderr(), /batches\/0\/outcome/)
  t.equal(await count(), 2, 'and the previous scenario stays in force')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
})

t.test('flags for the other clock, start times past the end and bad env values exit 2 saying what to fix', async (t) => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--clock', 'manual', '--speed', '5'], {}, /--speed applies to the real clock only/],
    [['--start-time', '2026-01-01T00:00:00Z'], {}, /--start-time applies to the manual clock only/],
    [['--clock', 'manual', '--start-time', '+275760-09-13T00:00:00.000Z'], {}, /--start-time must be .*9999-12-31T23:59:59\.999Z/],
    [[], { PORT: 'abc' }, /llamacloud-batches-mock: PORT must be/]
  ]
  const results = await Promise.all(cases.map(([args, env]) => runCli(args, env)))
  for (const [i, [args, env, message]] of cases.entries()) {
    const r = results[i]!
    t.equal(r.code, 2, args.join(' ') || JSON.stringify(env))
    t.match(r.stderr, message)
  }
})

t.test('--scenario-dir: the control plane may load scenario files from it, and nothing outside', async (t) => {
  const dir = t.testdir({ allowed: { 's.yaml': 'name: from-dir\n' } })
  // Outside both the CLI's start folder (this checkout, where t.testdir lives) and --scenario-dir.
  const other = mkdtempSync(join(tmpdir(), 'mock-other-'))
  t.teardown(() => rmSync(other, { recursive: true, force: true }))
  writeFileSync(join(other, 'o.yaml'), 'name: other\n')
  const { child, url } = await startCli(t, ['--port', '0', '--scenario', 'empty', '--scenario-dir', join(dir, 'allowed')])
  const load = async (name: string) => {
    const res = await fetch(`${url}/_mock/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
    return { status: res.status, body: (await res.json()) as { scenario?: string } }
  }
  t.match(await load('s.yaml'), { status: 200, body: { scenario: 'from-dir' } })
  t.equal((await load(join(other, 'o.yaml'))).status, 422)
  t.equal((await load('/etc/passwd')).status, 422)
  child.kill('SIGTERM')
  await once(child, 'exit')
})

t.test('one start-up line: "1 batch", a reachable URL on 0.0.0.0; --log-level debug logs each request as JSON off a terminal', async (t) => {
  const dir = t.testdir({ 'one.yaml': 'name: one\nbatches:\n  - id: bat-one\n' })
  const started = await startCli(t, ['--port', '0', '--host', '0.0.0.0', '--scenario', join(dir, 'one.yaml'), '--log-level', 'debug', '--admin-token', 'x'])
  t.match(started.banner, /listening on http:\/\/127\.0\.0\.1:\d+ \(bound to 0\.0\.0\.0\) \| scenario one \(1 batch\) \|/)
  t.equal((await fetch(started.url + '/api/v2/batches/bat-one', { headers: { authorization: 'Bearer k' } })).status, 200, 'the URL shown answers')
  started.child.kill('SIGTERM')
  await once(started.child, 'exit')
  const lines = started.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; level: number; url?: string })
  t.same(lines.filter((l) => /listening/i.test(l.msg)), [], 'the banner is the only start-up line')
  t.match(lines.filter((l) => l.url !== undefined), [{ level: 20, url: '/api/v2/batches/bat-one', msg: /^GET \/api\/v2\/batches\/bat-one 200 / }], 'one JSON line for the request')
})

// A pseudo-terminal for the CLI, closed under it as when a terminal window closes: Python's pty
// module (python3 is on every machine this runs on) is the smallest real one at hand.
const PTY_CLOSE = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
while b' listening on ' not in out:
    out += os.read(fd, 4096)
os.close(fd)
for _ in range(100):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print('exited' if os.WIFEXITED(status) else 'signal %d' % os.WTERMSIG(status))
        sys.exit(0)
    time.sleep(0.05)
os.kill(pid, 9)
print('still running 5 s after its terminal closed')
`

const python = spawnSync('python3', ['--version'])
t.test('closing its terminal ends the CLI, not a crash loop that ignores SIGTERM', { skip: python.error && `python3 is needed for a pseudo-terminal: ${python.error.message}` }, async (t) => {
  const r = spawnSync('python3', ['-c', PTY_CLOSE, process.execPath, CLI, '--port', '0', '--clock', 'manual'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } })
  t.equal(r.stdout.trim(), `signal ${constants.signals.SIGHUP}`, r.stderr)
})

t.test("the suite's runner (scripts/test.mjs) refuses a test file that is not there, wherever it runs from", async (t) => {
  const runner = join(import.meta.dirname, '..', 'scripts', 'test.mjs')
  // Named from another folder, or mistyped: exit 2 before bundling anything (it used to run the whole suite instead).
  for (const [cwd, file] of [[join(import.meta.dirname, '..'), 'test/no-such-folder/x.test.ts'], [import.meta.dirname, 'no-such.test.ts']] as const) {
    const run = spawnSync(process.execPath, [runner, file], { cwd, encoding: 'utf8', timeout: 30_000 })
    t.equal(run.status, 2, `${file} from ${cwd}`)
    t.match(run.stderr, /no such test file in this package/)
  }
})
