import closeWithGrace from 'close-with-grace'
import { resolveConfig, usage, UsageError, type CliConfig } from './config.js'
import type { RunningMock } from './index.js'
import { enableStartupTiming, startupMark, startupMarks } from './startup-timing.js'

// The only module that touches the process: argv, env, stdout/stderr, signals, exit codes.

function banner(mock: RunningMock, config: CliConfig): string {
  const clock = mock.clock.mode === 'real' ? `real x${mock.clock.speed}` : `manual from ${new Date(mock.clock.now()).toISOString()}`
  const count = mock.state.world.store.size
  const scenario = `${mock.state.loaded.name} (${count} ${count === 1 ? 'batch' : 'batches'})`
  return `llamacloud-batches-mock listening on ${reachableUrl(mock)} | scenario ${scenario} | clock ${clock} | mode ${config.mode} | auth ${config.auth ? 'on' : 'off'}`
}

/** A URL a client can use: bound to every address (0.0.0.0, ::), the loopback one, and where it is bound. */
function reachableUrl(mock: RunningMock): string {
  if (mock.host === '0.0.0.0' || mock.host === '::' || mock.host === '[::]') return `http://127.0.0.1:${mock.port} (bound to ${mock.host})`
  return mock.url
}

/**
 * Logs go to stderr: pretty and coloured on a terminal (pino-pretty, loaded only then), JSON
 * lines otherwise. The per-request line carries its fields; the pretty log shows its message.
 */
async function logger(level: string): Promise<{ level: string; stream: NodeJS.WritableStream }> {
  if (!process.stderr.isTTY || level === 'silent') return { level, stream: process.stderr }
  const { default: pretty } = await import('pino-pretty')
  const { REQUEST_LOG_FIELDS } = await import('./traffic/hooks.js')
  const stream = pretty({ destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: ['pid', 'hostname', 'reqId', ...REQUEST_LOG_FIELDS].join(','), sync: true })
  return { level, stream }
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

  // A bench knob (bench/README.md): one JSON line of start-up marks on stderr after the banner.
  if (env.MOCK_STARTUP_TIMING === '1') enableStartupTiming()
  startupMark('main')
  // Loaded only now, so --help and a bad flag answer without loading the server.
  const { buildApp, startMock, ScenarioLoadError } = await import('./index.js')
  startupMark('modules')
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
      maxUploadBytes: config.maxUploadBytes,
      webhooks: { allowHosts: config.webhookAllowHosts },
      ...(config.adminToken !== undefined && { adminToken: config.adminToken }),
      // Logs go to stderr so stdout carries only the banner, which scripts may parse.
      logger: await logger(config.logLevel)
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
  startupMark('listening')
  // Last: once the banner is out, the mock is fully up (watching included).
  process.stdout.write(`${banner(mock, config)}\n`)
  const marks = startupMarks()
  if (marks !== null) process.stderr.write(`${JSON.stringify({ startupTiming: { ...marks, banner: performance.timeOrigin + performance.now() } })}\n`)
  // SIGHUP (the terminal closed) keeps its default: the process ends at once. Trapped, the
  // graceful exit that followed ran Node's restoring of a terminal that no longer exists, which
  // fails an assertion and left the process spinning in a crash loop, deaf to SIGTERM.
  closeWithGrace({ delay: 10_000, skip: ['SIGHUP'] }, async ({ signal, err }) => {
    if (err) mock.app.log.error({ err }, 'shutting down after an error')
    else mock.app.log.info({ signal }, 'shutting down')
    watcher?.close()
    await mock.close()
  })
}
