import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { OPTIONS, resolveConfig, UsageError } from '../src/config.js'

t.test('defaults', async (t) => {
  t.match(resolveConfig([], {}), {
    port: 4010, host: '127.0.0.1', scenario: 'default', seed: undefined, clock: 'real', speed: 1, startTime: undefined,
    mode: 'realistic', auth: true, watch: false, journalSize: 1000, adminToken: undefined, logLevel: 'info'
  })
})

t.test('every flag has an env twin; flags beat env', async (t) => {
  const env = {
    PORT: '5000', HOST: '::1', MOCK_SCENARIO: 'empty', MOCK_SCENARIO_DIR: '/srv/scenarios', MOCK_SEED: '9', MOCK_CLOCK: 'manual', MOCK_START_TIME: '2026-02-01T00:00:00Z',
    MOCK_MODE: 'compat', MOCK_NO_AUTH: 'true', MOCK_WATCH: '1', MOCK_JOURNAL_SIZE: '50', MOCK_ADMIN_TOKEN: 'env-token', MOCK_LOG_LEVEL: 'warn'
  }
  t.match(resolveConfig([], env), {
    port: 5000, host: '::1', scenario: 'empty', scenarioDir: '/srv/scenarios', seed: 9, clock: 'manual', speed: 1, startTime: '2026-02-01T00:00:00Z',
    mode: 'compat', auth: false, watch: true, journalSize: 50, adminToken: 'env-token', logLevel: 'warn'
  })
  t.match(resolveConfig([], { MOCK_SPEED: '2.5' }), { clock: 'real', speed: 2.5 })
  const flags = ['--port', '0', '--seed', '3', '--start-time', '2026-03-01T00:00:00Z', '--scenario-dir', 'here', '--mode', 'realistic', '--journal-size', '7', '--admin-token', 'flag-token']
  t.match(resolveConfig(flags, env), { port: 0, seed: 3, clock: 'manual', startTime: '2026-03-01T00:00:00Z', scenarioDir: 'here', mode: 'realistic', journalSize: 7, adminToken: 'flag-token' })
  t.match(resolveConfig(['--clock', 'real', '--speed', '10'], { MOCK_SPEED: '2' }), { clock: 'real', speed: 10 })
  t.equal(resolveConfig([], { MOCK_NO_AUTH: '0' }).auth, true, 'a falsy twin leaves auth on')
  t.equal(resolveConfig([], { PORT: '' }).port, 4010, 'an empty env value is no value')
})

t.test('bad values are UsageErrors that say what to fix', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--seed=-1'], /--seed must be a whole number/],
    [['--speed', '0'], /--speed must be a number above 0/],
    [['--clock', 'manual', '--start-time', 'yesterday'], /--start-time must be an ISO 8601 timestamp/],
    [['--clock', 'sundial'], /--clock must be one of real, manual/],
    [['--journal-size', '0'], /--journal-size must be a whole number from 1/],
    [['--log-level', 'loud'], /--log-level must be one of/],
    [['--nope'], /Unknown option '--nope'/]
  ]
  for (const [argv, message] of cases) t.throws(() => resolveConfig(argv, {}), { name: 'Error', message } as never, argv.join(' '))
  const error = (() => {
    try {
      resolveConfig(['--port', 'x'], {})
    } catch (e) {
      return e
    }
  })()
  t.type(error, UsageError, 'the CLI turns these into exit 2 with the usage')
})

t.test('--max-upload-bytes / MOCK_MAX_UPLOAD_BYTES bound directory uploads (default 25 MiB)', async (t) => {
  t.equal(resolveConfig([], {}).maxUploadBytes, 25 * 1024 * 1024)
  t.equal(resolveConfig([], { MOCK_MAX_UPLOAD_BYTES: '2048' }).maxUploadBytes, 2048)
  t.equal(resolveConfig(['--max-upload-bytes', '1024'], { MOCK_MAX_UPLOAD_BYTES: '2048' }).maxUploadBytes, 1024)
  t.throws(() => resolveConfig(['--max-upload-bytes', '0'], {}), /--max-upload-bytes must be a whole number from 1/)
})

t.test("the README's CLI table lists every flag, and only those", async (t) => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## CLI\n'), readme.indexOf('\n### Logs\n'))
  const listed = [...section.matchAll(/^\| `--([a-z-]+)/gm)].map((m) => m[1])
  t.same(listed.sort(), Object.keys(OPTIONS).sort())
})

t.test('--webhook-allow-host is repeatable; its env twin is a comma-separated list; bad hosts are refused', async (t) => {
  t.same(resolveConfig([], {}).webhookAllowHosts, [])
  t.same(resolveConfig(['--webhook-allow-host', 'hooks.example.com', '--webhook-allow-host', '10.0.0.5'], { MOCK_WEBHOOK_ALLOW_HOST: 'ignored.example' }).webhookAllowHosts, ['hooks.example.com', '10.0.0.5'])
  t.same(resolveConfig([], { MOCK_WEBHOOK_ALLOW_HOST: 'a.example, [fd00::1]' }).webhookAllowHosts, ['a.example', '[fd00::1]'])
  for (const bad of ['https://a.example', 'a.example:8080', 'a b', 'a/b']) {
    t.throws(() => resolveConfig(['--webhook-allow-host', bad], {}), { message: /--webhook-allow-host must be a host name or an IP address/ } as never, bad)
  }
})
