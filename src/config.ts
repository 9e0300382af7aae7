import { parseArgs } from 'node:util'
import type { ClockMode } from './clock.js'
import type { MockMode } from './mock-state.js'

export interface CliConfig {
  port: number
  host: string
  scenario: string
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
  adminToken: string | undefined
  help: boolean
  version: boolean
  printOpenapi: boolean
}

/** A flag or env value that cannot be used; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

interface OptionSpec {
  type: 'string' | 'boolean'
  env?: string
  arg?: string
  help: string
}

/** Every flag, its env twin and its help line: flags beat env, env beats defaults. */
export const OPTIONS: Record<string, OptionSpec> = {
  port: { type: 'string', env: 'PORT', arg: 'N', help: 'port to listen on; 0 picks a free one (default 4010)' },
  host: { type: 'string', env: 'HOST', arg: 'ADDR', help: 'address to bind (default 127.0.0.1)' },
  scenario: { type: 'string', env: 'MOCK_SCENARIO', arg: 'NAME|PATH', help: 'bundled scenario (default, empty) or a .yaml/.json file (default: default)' },
  seed: { type: 'string', env: 'MOCK_SEED', arg: 'N', help: "override the scenario's seed" },
  clock: { type: 'string', env: 'MOCK_CLOCK', arg: 'real|manual', help: 'real wall time, or time that moves only via /_mock/clock (default real)' },
  speed: { type: 'string', env: 'MOCK_SPEED', arg: 'X', help: 'real clock only: run time X times faster (default 1)' },
  'start-time': { type: 'string', env: 'MOCK_START_TIME', arg: 'ISO', help: "manual clock only: where it starts (default: the scenario's start_time)" },
  mode: { type: 'string', env: 'MOCK_MODE', arg: 'realistic|compat', help: 'compat: every schema-valid request gets a 2xx, like Prism (default realistic)' },
  'no-auth': { type: 'boolean', env: 'MOCK_NO_AUTH', help: 'do not require Authorization: Bearer <key>' },
  watch: { type: 'boolean', env: 'MOCK_WATCH', help: 'reload the scenario file when it changes (a bad edit keeps the old one)' },
  'admin-token': { type: 'string', env: 'MOCK_ADMIN_TOKEN', arg: 'TOKEN', help: 'require Authorization: Bearer TOKEN on /_mock/* (advised with a non-loopback --host)' },
  'journal-size': { type: 'string', env: 'MOCK_JOURNAL_SIZE', arg: 'N', help: 'how many requests /_mock/requests keeps (default 1000)' },
  'max-batches': { type: 'string', env: 'MOCK_MAX_BATCHES', arg: 'N', help: 'batches held at most, scenario ones included; creates beyond answer 429 (default 500000)' },
  'log-level': { type: 'string', env: 'MOCK_LOG_LEVEL', arg: 'LEVEL', help: 'fatal, error, warn, info, debug, trace or silent (default info)' },
  'print-openapi': { type: 'boolean', help: 'print the OpenAPI document (JSON) and exit' },
  help: { type: 'boolean', help: 'print this help' },
  version: { type: 'boolean', help: 'print the version' }
}

export function usage(): string {
  const lines = Object.entries(OPTIONS).map(([name, o]) => {
    const flag = `--${name}${o.arg ? ` ${o.arg}` : ''}`
    return `  ${flag.padEnd(28)}${o.help}${o.env ? ` [env ${o.env}]` : ''}`
  })
  return `Usage: llamacloud-batches-mock [options]\n\n${lines.join('\n')}\n`
}

function pick(values: Record<string, unknown>, env: Record<string, string | undefined>, name: string): string | undefined {
  const fromFlag = values[name]
  if (typeof fromFlag === 'string') return fromFlag
  const envName = OPTIONS[name]?.env
  const fromEnv = envName ? env[envName] : undefined
  return fromEnv === '' ? undefined : fromEnv
}

function integer(name: string, raw: string | undefined, fallback: number | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  return Number(raw)
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`)
  return raw as T
}

const TRUTHY = new Set(['1', 'true', 'yes', 'on'])

/** Resolves flags and environment into a configuration, or throws UsageError. */
export function resolveConfig(argv: readonly string[], env: Record<string, string | undefined>): CliConfig {
  let values: Record<string, unknown>
  try {
    const options = Object.fromEntries(Object.entries(OPTIONS).map(([name, o]) => [name, { type: o.type }]))
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const speedRaw = pick(values, env, 'speed')
  const speed = speedRaw === undefined ? 1 : Number(speedRaw)
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1_000_000) throw new UsageError(`--speed must be a number above 0, got ${JSON.stringify(speedRaw)}`)
  const startTime = pick(values, env, 'start-time')
  if (startTime !== undefined && Number.isNaN(Date.parse(startTime))) throw new UsageError(`--start-time must be an ISO 8601 timestamp, got ${JSON.stringify(startTime)}`)
  const flag = (name: string, envName: string): boolean => values[name] === true || TRUTHY.has((env[envName] ?? '').toLowerCase())
  return {
    port: integer('port', pick(values, env, 'port'), 4010, 0, 65535) as number,
    host: pick(values, env, 'host') ?? '127.0.0.1',
    scenario: pick(values, env, 'scenario') ?? 'default',
    seed: integer('seed', pick(values, env, 'seed'), undefined, 0, 2 ** 32 - 1),
    clock: oneOf('clock', pick(values, env, 'clock'), ['real', 'manual'] as const, 'real'),
    speed,
    startTime,
    mode: oneOf('mode', pick(values, env, 'mode'), ['realistic', 'compat'] as const, 'realistic'),
    auth: !flag('no-auth', 'MOCK_NO_AUTH'),
    watch: flag('watch', 'MOCK_WATCH'),
    adminToken: pick(values, env, 'admin-token'),
    journalSize: integer('journal-size', pick(values, env, 'journal-size'), 1000, 1, 1_000_000) as number,
    maxBatches: integer('max-batches', pick(values, env, 'max-batches'), 500_000, 1, 100_000_000) as number,
    logLevel: oneOf('log-level', pick(values, env, 'log-level'), ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    help: values.help === true,
    printOpenapi: values['print-openapi'] === true,
    version: values.version === true
  }
}
