import type { FastifyInstance } from 'fastify'
import { listenAlso, otherAddresses } from './http/bindings.js'
import { buildApp, type MockOptions } from './app.js'
import type { Clock } from './clock.js'
import type { BatchService } from './service/batches.js'
import type { Webhooks } from './webhooks/webhooks.js'

export { buildApp, type MockOptions } from './app.js'
export { manualClock, realClock, type Clock, type ClockMode } from './clock.js'
export { loadScenario, ScenarioLoadError, type LoadedScenario } from './scenario/load.js'
export { BatchService, BatchService as MockState, DEFAULT_MAX_BATCHES } from './service/batches.js'
export type { MockMode } from './service/tenancy.js'
export type { BatchEvent, BatchEventSubscriber } from './service/events.js'
export type { Batch, BatchResult, BatchStatus } from './schemas/batch.js'
export type { Scenario } from './schemas/scenario.js'
export type { Webhooks, WebhookOptions } from './webhooks/webhooks.js'
export { FlushTimeoutError } from './webhooks/dispatcher.js'
export type { Delivery } from './schemas/webhooks.js'

export interface StartOptions extends MockOptions {
  /** Default 0: a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface RunningMock {
  /** e.g. `http://127.0.0.1:4010` — pass it as the SDK's `baseURL`. */
  readonly url: string
  readonly port: number
  readonly host: string
  readonly app: FastifyInstance
  readonly clock: Clock
  /** The mock's state and the only code that changes it (`subscribe` to its batch events). */
  readonly state: BatchService
  /** Webhook deliveries: `deliveries(filter?)` (every attempt) and `flush(timeoutMs?)` (resolves once nothing is owed). */
  readonly webhooks: Webhooks
  close(): Promise<void>
}

/**
 * Starts the mock in-process and listens. For a test suite:
 *
 * @example
 * const mock = await startMock({ scenario: 'empty', clock: 'manual' })
 * const client = new LlamaCloud({ apiKey: 'test', baseURL: mock.url })
 * mock.clock.advance(5000)
 * await mock.close()
 */
export async function startMock(opts: StartOptions = {}): Promise<RunningMock> {
  const app = await buildApp(opts)
  const host = opts.host ?? '127.0.0.1'
  // Fastify logs "Server listening at …" (once per address on 0.0.0.0); the caller has `url`,
  // and the CLI prints its banner: one start-up line, not two.
  const log = app.log as { level?: string; isLevelEnabled?: (level: string) => boolean }
  const level = log.level
  if (log.isLevelEnabled?.('info') === true) log.level = 'warn'
  try {
    await app.listen({ port: opts.port ?? 0, host })
  } catch (e) {
    // A port in use (or a bad host) must not leave the app, its scenario and timers behind.
    await app.close()
    throw e
  } finally {
    if (level !== undefined && log.isLevelEnabled !== undefined) log.level = level
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? 0)
  // A host name listens on each of its addresses (`localhost`: 127.0.0.1 and ::1), as Fastify
  // does by itself; one that cannot be bound is skipped, as Fastify skips it.
  for (const other of await otherAddresses(app, host)) await listenAlso(app, app.makeServer, other, port).catch(() => {})
  const urlHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    app,
    clock: app.mock.clock,
    state: app.mock,
    webhooks: app.webhooks,
    close: () => app.close()
  }
}
