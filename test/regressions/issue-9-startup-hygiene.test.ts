import t from 'tap'
import { createServer, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { realClock } from '../../src/clock.js'
import { resolveConfig } from '../../src/config.js'
import { startMock } from '../../src/index.js'
import { scenario } from '../helper.js'

// Issue 9, smaller items: the real clock's elapsed time, startMock's clean-up on a failed
// listen, and flags that do not apply (or env values that are bad) said as such.

t.test('the real clock measures elapsed time monotonically: a wall-clock step back does not move it back', async (t) => {
  const wall = Date.now
  let stepBack = 0
  Date.now = () => wall() - stepBack
  t.teardown(() => void (Date.now = wall))
  const clock = realClock(1)
  const before = clock.now()
  stepBack = 3_600_000 // NTP (or a VM resuming) steps the wall clock back an hour
  const after = clock.now()
  t.ok(after >= before, `still ${new Date(before).toISOString()} or later, got ${new Date(after).toISOString()}`)
  t.ok(after - before < 60_000, 'and not an hour off either way')
})

t.test('startMock closes the app when listen fails', async (t) => {
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => blocker.close())
  const port = (blocker.address() as AddressInfo).port
  // A batch due to start running 20 ms after start: a mock left behind would tell its
  // subscriber so, from the timer a running mock keeps for its next transition.
  const batch = { id: 'bat-00000000-0000-4000-8000-000000000001', project_id: 'proj-a', source_directory_id: 'dir-a', created_at: new Date().toISOString(), timeline: { pending_ms: 20 }, files: 1 }
  const events: string[] = []
  await t.rejects(startMock({ scenario: scenario([batch]), clock: 'real', port, host: '127.0.0.1', subscribers: [(e) => void events.push(e.type)] }), { code: 'EADDRINUSE' })
  const heard = events.length
  await new Promise((r) => setTimeout(r, 200))
  t.same(events.slice(heard), [], 'nothing runs on after the failed start: the app built for it was closed')
})

t.test('flags that do not apply to the chosen clock are errors, not ignored', async (t) => {
  t.throws(() => resolveConfig(['--clock', 'manual', '--speed', '5'], {}), /--speed .*real clock.*--clock real/)
  t.throws(() => resolveConfig(['--start-time', '2026-01-01T00:00:00Z'], {}), /--start-time .*manual clock.*--clock manual/)
  t.throws(() => resolveConfig(['--clock', 'real', '--start-time', '2026-01-01T00:00:00Z'], {}), /--start-time/)
  t.throws(() => resolveConfig([], { MOCK_CLOCK: 'manual', MOCK_SPEED: '2' }), /MOCK_SPEED .*real clock/)
  t.equal(resolveConfig(['--clock', 'manual', '--start-time', '2026-01-01T00:00:00Z'], {}).clock, 'manual')
  t.equal(resolveConfig(['--speed', '3'], {}).speed, 3)
})

t.test('env errors name the env variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT must be/],
    [{ MOCK_SEED: '-1' }, /^MOCK_SEED must be/],
    [{ MOCK_CLOCK: 'sundial' }, /^MOCK_CLOCK must be/],
    [{ MOCK_SPEED: 'fast' }, /^MOCK_SPEED must be/],
    [{ MOCK_CLOCK: 'manual', MOCK_START_TIME: 'yesterday' }, /^MOCK_START_TIME must be/],
    [{ MOCK_JOURNAL_SIZE: '0' }, /^MOCK_JOURNAL_SIZE must be/],
    [{ MOCK_LOG_LEVEL: 'loud' }, /^MOCK_LOG_LEVEL must be/]
  ]
  for (const [env, message] of cases) {
    t.throws(() => resolveConfig([], env), { message }, JSON.stringify(env))
    t.throws(() => resolveConfig([], env), { message: /^(?!.*--)/ }, `${JSON.stringify(env)}: no flag named`)
  }
  t.throws(() => resolveConfig(['--port', 'abc'], { PORT: '1' }), /^--port must be/, 'a bad flag still names the flag')
})

t.test('setting a real clock lands exactly on the time asked, however slow the reading', async (t) => {
  let elapsed = 0
  const clock = realClock(1, () => 0, () => (elapsed += 7))
  t.equal(clock.set(1000), 1000)
  t.ok(clock.now() >= 1000)
})
