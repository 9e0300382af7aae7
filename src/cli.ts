import closeWithGrace from 'close-with-grace'
import { resolveConfig, usage, UsageError, type CliConfig } from './config.js'
import type { RunningMock } from './index.js'

// The only module that touches the process: argv, env, stdout/stderr, signals, exit codes.

function banner(mock: RunningMock, config: CliConfig): string {
  const clock = mock.clock.mode === 'real' ? `real x${mock.clock.speed}` : `manual from ${new Date(mock.clock.now()).toISOString()}`
  const scenario = `${mock.state.loaded.name} (${mock.state.world.store.size} batches)`
  return `llamacloud-batches-mock listening on ${mock.url} | scenario ${scenario} | clock ${clock} | mode ${config.mode} | auth ${config.auth ? 'on' : 'off'}`
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

export async function cli(argv: readonly string[], env: Record<string, string | undefined>): Promise<void> {
  let config: CliConfig
  try {
    config = resolveConfig(argv, env)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    process.stderr.write(`llamacloud-batches-mock: ${e.message}\n\n${usage()}`)
    process.exitCode = 2
    return
  }
  if (config.help) return void process.stdout.write(usage())
  if (config.version) return void process.stdout.write(`${(await import('./version.js')).MOCK_VERSION}\n`)

  // Loaded only now, so --help and a bad flag answer without loading the server.
  const { buildApp, startMock, ScenarioLoadError } = await import('./index.js')
  if (config.printOpenapi) {
    const app = await buildApp({ scenario: 'empty', mode: config.mode })
    process.stdout.write(`${JSON.stringify(app.swagger(), null, 2)}\n`)
    return app.close()
  }
  let mock: RunningMock
  try {
    mock = await startMock({
      port: config.port,
      host: config.host,
      scenario: config.scenario,
      ...(config.scenarioDir !== undefined && { scenarioDir: config.scenarioDir }),
      ...(config.seed !== undefined && { seed: config.seed }),
      clock: config.clock,
      speed: config.speed,
      ...(config.startTime !== undefined && { startTime: config.startTime }),
      mode: config.mode,
      auth: config.auth,
      journalSize: config.journalSize,
      maxBatches: config.maxBatches,
      webhooks: { allowHosts: config.webhookAllowHosts },
      ...(config.adminToken !== undefined && { adminToken: config.adminToken }),
      // Logs go to stderr so stdout carries only the banner, which scripts may parse.
      logger: { level: config.logLevel, stream: process.stderr }
    })
  } catch (e) {
    // A scenario or a start time the user must fix is a usage fault (2); anything else is 1.
    const code = e instanceof ScenarioLoadError || (e as Error).name === 'ClockError' ? 2 : 1
    const reason = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${config.port} is already in use; pick another with --port (0 picks a free one)` : (e as Error).message
    process.stderr.write(`llamacloud-batches-mock: ${reason}\n`)
    process.exitCode = code
    return
  }
  const source = mock.state.loaded.source
  const watcher = config.watch ? (await import('./watch.js')).watchScenario(mock.state, source, mock.app.log) : null
  if (!isLoopback(config.host)) {
    const exposure = config.adminToken === undefined ? 'reachable by anyone who can reach this address: set --admin-token' : 'protected by --admin-token'
    process.stderr.write(`llamacloud-batches-mock: warning: listening on ${config.host}, not loopback; the control plane /_mock/* is ${exposure}\n`)
  }
  // Last: once the banner is out, the mock is fully up (watching included).
  process.stdout.write(`${banner(mock, config)}\n`)
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) mock.app.log.error({ err }, 'shutting down after an error')
    else mock.app.log.info({ signal }, 'shutting down')
    watcher?.close()
    await mock.close()
  })
}
