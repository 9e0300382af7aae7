import { parseArgs } from 'node:util'
import { timeProblem, type ClockMode } from './clock.js'
import type { MockMode } from './service/tenancy.js'

export interface CliConfig {
  port: number
  host: string
  scenario: string
  scenarioDir: string | undefined
  seed: number | undefined
  clock: ClockMode
  speed: number
  startTime: string | undefined
  mode: MockMode
  auth: boolean
  logLevel: string
  watch: boolean
  journalSize: number
  maxBatches: number
  maxUploadBytes: number
  adminToken: string | undefined
  webhookAllowHosts: string[]
  help: boolean
  version: boolean
  printOpenapi: boolean
}

/** A flag or env value that cannot be used; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

interface OptionSpec {
  type: 'string' | 'boolean'
  /** May be given more than once (its env twin: a comma-separated list). */
  multiple?: boolean
  env?: string
  arg?: string
  help: string
}

/** Every flag, its env twin and its help line: flags beat env, env beats defaults. */
export const OPTIONS: Record<string, OptionSpec> = {
  port: { type: 'string', env: 'PORT', arg: 'N', help: 'port to listen on; 0 picks a free one (default 4010)' },
  host: { type: 'string', env: 'HOST', arg: 'ADDR', help: 'address to bind (default 127.0.0.1)' },
  scenario: { type: 'string', env: 'MOCK_SCENARIO', arg: 'NAME|PATH', help: 'bundled scenario (default, empty) or a .yaml/.json file (default: default)' },
  'scenario-dir': { type: 'string', env: 'MOCK_SCENARIO_DIR', arg: 'DIR', help: 'a folder POST /_mock/scenario {name} may also read from (besides the start folder)' },
  seed: { type: 'string', env: 'MOCK_SEED', arg: 'N', help: "override the scenario's seed" },
  clock: { type: 'string', env: 'MOCK_CLOCK', arg: 'real|manual', help: 'real wall time, or time that moves only via /_mock/clock (default real)' },
  speed: { type: 'string', env: 'MOCK_SPEED', arg: 'X', help: 'real clock only: run time X times faster (default 1)' },
  'start-time': { type: 'string', env: 'MOCK_START_TIME', arg: 'ISO', help: "manual clock only: where it starts (default: the scenario's start_time)" },
  mode: { type: 'string', env: 'MOCK_MODE', arg: 'realistic|compat', help: 'compat: every schema-valid request gets a 2xx, like Prism (default realistic)' },
  'no-auth': { type: 'boolean', env: 'MOCK_NO_AUTH', help: 'do not require Authorization: Bearer <key>' },
  watch: { type: 'boolean', env: 'MOCK_WATCH', help: 'reload the scenario file when it changes (a bad edit keeps the old one)' },
  'admin-token': { type: 'string', env: 'MOCK_ADMIN_TOKEN', arg: 'TOKEN', help: 'require Authorization: Bearer TOKEN on /_mock/* (advised with a non-loopback --host)' },
  'journal-size': { type: 'string', env: 'MOCK_JOURNAL_SIZE', arg: 'N', help: 'how many requests /_mock/requests keeps, with their headers and up to 16 KiB of body each, 64 MiB of those in all (default 1000)' },
  'max-batches': { type: 'string', env: 'MOCK_MAX_BATCHES', arg: 'N', help: 'batches held at most, scenario ones included; creates beyond answer 429 (default 500000)' },
  'max-upload-bytes': { type: 'string', env: 'MOCK_MAX_UPLOAD_BYTES', arg: 'N', help: 'bytes one file uploaded into a directory may have; beyond, 413 (default 26214400, 25 MiB)' },
  'webhook-allow-host': { type: 'string', multiple: true, env: 'MOCK_WEBHOOK_ALLOW_HOST', arg: 'HOST', help: 'a host webhooks may be sent to besides loopback; repeatable (env: comma-separated)' },
  'log-level': { type: 'string', env: 'MOCK_LOG_LEVEL', arg: 'LEVEL', help: 'fatal, error, warn, info, debug, trace or silent (default info)' },
  'print-openapi': { type: 'boolean', help: 'print the OpenAPI document (JSON) and exit' },
  help: { type: 'boolean', help: 'print this help' },
  version: { type: 'boolean', help: 'print the version' }
}

const EXAMPLES = `Examples:
  llamacloud-batches-mock                                   default scenario on http://127.0.0.1:4010
  llamacloud-batches-mock --clock manual --port 0           time moves only via POST /_mock/clock/advance
  llamacloud-batches-mock --scenario ./my.yaml --watch      your own batches, reloaded on save
  llamacloud-batches-mock --speed 60 --log-level debug      a minute a second, one log line per request
  llamacloud-batches-mock --host 0.0.0.0 --admin-token T    reachable from other hosts, control plane guarded

Then open http://127.0.0.1:4010/_mock/ui for the dashboard.
`

export function usage(): string {
  const lines = Object.entries(OPTIONS).map(([name, o]) => {
    const flag = `--${name}${o.arg ? ` ${o.arg}` : ''}`
    return `  ${flag.padEnd(28)}${o.help}${o.env ? ` [env ${o.env}]` : ''}`
  })
  return `Usage: llamacloud-batches-mock [options]\n\n${lines.join('\n')}\n\n${EXAMPLES}`
}

/** A raw value and where it came from: `--flag` or the env variable, for error messages. */
interface Raw {
  value: string
  from: string
}

function pick(values: Record<string, unknown>, env: Record<string, string | undefined>, name: string): Raw | undefined {
  const fromFlag = values[name]
  if (typeof fromFlag === 'string') return { value: fromFlag, from: `--${name}` }
  const envName = OPTIONS[name]?.env
  const fromEnv = envName ? env[envName] : undefined
  return fromEnv === undefined || fromEnv === '' || !envName ? undefined : { value: fromEnv, from: envName }
}

function integer(raw: Raw | undefined, fallback: number | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw.value) || Number(raw.value) < min || Number(raw.value) > max) throw new UsageError(`${raw.from} must be a whole number from ${min} to ${max}, got ${quote(raw.value)}`)
  return Number(raw.value)
}

function oneOf<T extends string>(raw: Raw | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback
  if (!(allowed as readonly string[]).includes(raw.value)) throw new UsageError(`${raw.from} must be one of ${allowed.join(', ')}, got ${quote(raw.value)}`)
  return raw.value as T
}

/** A value as an error quotes it: JSON, cut to a short prefix. */
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value)
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?)*\.?|\[?[0-9A-Fa-f:.]+\]?)$/

/** `--webhook-allow-host` (repeatable), else its env twin split at commas: host names or IP addresses, no scheme or port. */
function hosts(fromFlags: unknown, fromEnv: string | undefined): string[] {
  const given = Array.isArray(fromFlags) && fromFlags.length > 0 ? (fromFlags as string[]).map((value) => ({ value, from: '--webhook-allow-host' })) : (fromEnv ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '').map((value) => ({ value, from: 'MOCK_WEBHOOK_ALLOW_HOST' }))
  if (given.length > 64) throw new UsageError('--webhook-allow-host may be given at most 64 times')
  for (const { value, from } of given) {
    if (value.length > 253 || !HOST.test(value)) throw new UsageError(`${from} must be a host name or an IP address (no scheme, no port), got ${quote(value)}`)
  }
  return given.map((h) => h.value)
}

const TRUTHY = new Set(['1', 'true', 'yes', 'on'])

/** Resolves flags and environment into a configuration, or throws UsageError. */
export function resolveConfig(argv: readonly string[], env: Record<string, string | undefined>): CliConfig {
  let values: Record<string, unknown>
  try {
    const options = Object.fromEntries(Object.entries(OPTIONS).map(([name, o]) => [name, { type: o.type, multiple: o.multiple === true }]))
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const clock = oneOf(pick(values, env, 'clock'), ['real', 'manual'] as const, 'real')
  const speedRaw = pick(values, env, 'speed')
  const speed = speedRaw === undefined ? 1 : Number(speedRaw.value)
  if (speedRaw !== undefined && (!/^[\d.e+]+$/i.test(speedRaw.value) || !Number.isFinite(speed) || speed <= 0 || speed > 1_000_000)) {
    throw new UsageError(`${speedRaw.from} must be a number above 0 and at most 1000000, got ${quote(speedRaw.value)}`)
  }
  if (speedRaw !== undefined && clock !== 'real') throw new UsageError(`${speedRaw.from} applies to the real clock only: drop it, or use --clock real`)
  const startRaw = pick(values, env, 'start-time')
  if (startRaw !== undefined) {
    const problem = timeProblem(Date.parse(startRaw.value))
    if (problem) throw new UsageError(`${startRaw.from} must be an ISO 8601 timestamp from 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z, got ${quote(startRaw.value)}`)
    if (clock !== 'manual') throw new UsageError(`${startRaw.from} applies to the manual clock only: drop it, or use --clock manual`)
  }
  const startTime = startRaw?.value
  const flag = (name: string, envName: string): boolean => values[name] === true || TRUTHY.has((env[envName] ?? '').toLowerCase())
  return {
    port: integer(pick(values, env, 'port'), 4010, 0, 65535) as number,
    host: pick(values, env, 'host')?.value ?? '127.0.0.1',
    scenario: pick(values, env, 'scenario')?.value ?? 'default',
    scenarioDir: pick(values, env, 'scenario-dir')?.value,
    seed: integer(pick(values, env, 'seed'), undefined, 0, 2 ** 32 - 1),
    clock,
    speed,
    startTime,
    mode: oneOf(pick(values, env, 'mode'), ['realistic', 'compat'] as const, 'realistic'),
    auth: !flag('no-auth', 'MOCK_NO_AUTH'),
    watch: flag('watch', 'MOCK_WATCH'),
    adminToken: pick(values, env, 'admin-token')?.value,
    journalSize: integer(pick(values, env, 'journal-size'), 1000, 1, 1_000_000) as number,
    logLevel: oneOf(pick(values, env, 'log-level'), ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    maxBatches: integer(pick(values, env, 'max-batches'), 500_000, 1, 100_000_000) as number,
    maxUploadBytes: integer(pick(values, env, 'max-upload-bytes'), 25 * 1024 * 1024, 1, 1024 * 1024 * 1024) as number,
    webhookAllowHosts: hosts(values['webhook-allow-host'], env.MOCK_WEBHOOK_ALLOW_HOST),
    help: values.help === true,
    printOpenapi: values['print-openapi'] === true,
    version: values.version === true
  }
}
