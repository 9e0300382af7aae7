import { resolve } from 'node:path'
import Fastify, { LogController, type FastifyInstance, type FastifyServerFactoryHandler, type FastifyServerOptions } from 'fastify'
import type { Server } from 'node:http'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import swagger from '@fastify/swagger'
import { MOCK_VERSION } from './version.js'
import { manualClock, realClock, type Clock, type ClockMode } from './clock.js'
import { BatchService } from './service/batches.js'
import type { MockMode } from './service/tenancy.js'
import type { BatchEventSubscriber } from './service/events.js'
import { Journal } from './traffic/journal.js'
import { Answers } from './http/answers.js'
import { loadScenario, prepareScenario, startTimeOf, type LoadedScenario } from './scenario/load.js'
import type { Scenario } from './schemas/scenario.js'
import { batchesRoutes } from './http/batches-routes.js'
import { jobRoutes } from './http/job-routes.js'
import { JobService } from './service/jobs.js'
import { controlRoutes } from './http/control-routes.js'
import { directoriesRoutes } from './http/directories-routes.js'
import { DEFAULT_MAX_UPLOAD_BYTES } from './http/directory-upload.js'
import { DirectoryService, type DirectoryLimits } from './service/directories.js'
import { uiRoutes } from './http/ui-routes.js'
import { clientErrorsWithin, frameworkErrors, registerErrorHandling } from './http/error-handler.js'
import { serializerCompiler, validatorCompiler } from './http/validator.js'
import { registerTrafficHooks } from './traffic/hooks.js'
import { registerTrailingSlashRedirect } from './http/trailing-slash.js'
import { registerJsonBody } from './http/json-body.js'
import { Webhooks, type WebhookOptions } from './webhooks/webhooks.js'
import { webhookConfigRoutes } from './http/webhook-config-routes.js'
import { webhookControlRoutes } from './http/webhook-control-routes.js'
import { fastGet, serverWithFastPath, type FastAnswer } from './http/fast-get.js'
import { fastCreate } from './http/fast-create.js'
import { CreateBatchBodySchema } from './schemas/batch-requests.js'
import { ListAnswers } from './http/list-answers.js'
import { closeWithin } from './http/shutdown.js'
import { cutStalledReaders } from './http/write-stall.js'
import { startupMark } from './startup-timing.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The mock's state and the only code that changes it: clock, scenario, batches. */
    mock: BatchService
    /** The requests the mock was sent (a bounded ring). */
    journal: Journal
    /** Saved webhook configurations and the delivery of batch events. */
    webhooks: Webhooks
    /** A server made as the app's own (one more address to listen on: http/bindings.ts). */
    makeServer: () => Server
  }
}

export interface MockOptions {
  /** A bundled scenario name, a path to a scenario file, a scenario object, or one already loaded. Default `default`. */
  scenario?: string | Scenario | LoadedScenario
  /** Overrides the scenario's seed. */
  seed?: number
  /** `real` (default), `manual`, or a clock of your own. */
  clock?: ClockMode | Clock
  /** Real clock only: mock milliseconds per wall millisecond. Default 1. */
  speed?: number
  /** Manual clock only: where it starts. Default: the scenario's `start_time`. */
  startTime?: string
  mode?: MockMode
  /** Require `Authorization: Bearer <key>` on /api. Default true. */
  auth?: boolean
  /** Fastify logger options; default off in-process. */
  logger?: FastifyServerOptions['logger']
  /** Where relative scenario paths resolve from; `POST /_mock/scenario {name}` may read scenario files under it. Default: process.cwd(). */
  cwd?: string
  /** A second folder `POST /_mock/scenario {name}` may read scenario files from. */
  scenarioDir?: string
  /** How many requests the journal keeps (a ring). Default 1000. */
  journalSize?: number
  /** Called with every batch event (created, status changed, cancel requested) at its due mock time. */
  subscribers?: readonly BatchEventSubscriber[]
  /** When set, /_mock/* requires `Authorization: Bearer <adminToken>`. */
  adminToken?: string
  /** A request (headers and body) not fully received in this time gets a 408. Default 30,000 ms. */
  requestTimeoutMs?: number
  /** A connection whose client reads none of the answer queued for it in this time is closed (http/write-stall.ts). Default 60,000 ms. */
  writeStallMs?: number
  /** An idle keep-alive socket closes after this. Default 72,000 ms (Fastify's). */
  keepAliveTimeoutMs?: number
  /** Open connections at most; more are closed at once, with a log line. Default 1,024. */
  maxConnections?: number
  /** Batches the store holds at most; creates beyond answer 429. Default 500,000. */
  maxBatches?: number
  /** Bytes one file uploaded into a directory may have; beyond, 413. Default 25 MiB. */
  maxUploadBytes?: number
  /** Job cancellations recorded at most (until a reset); beyond, 429. Default 100,000. */
  maxJobCancels?: number
  /** Count limits of the directories API (README "Limits"); lower ones suit tests. */
  directoryLimits?: Partial<DirectoryLimits>
  /** Webhook delivery: hosts allowed besides loopback, concurrency, queue and journal bounds, timeout. */
  webhooks?: WebhookOptions
  /** A plain `GET /api/v2/batches/{id}` or list page skips Fastify's pipeline when that answers the same (http/fast-get.ts). Default true; false only to compare. */
  fastPath?: boolean
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
export const DEFAULT_WRITE_STALL_MS = 60_000
export const DEFAULT_MAX_CONNECTIONS = 1024

function isLoaded(s: MockOptions['scenario']): s is LoadedScenario {
  return typeof s === 'object' && s !== null && 'fixtures' in s && 'scenario' in s
}

export function resolveScenario(scenario: MockOptions['scenario'], cwd?: string): LoadedScenario {
  if (scenario === undefined) return loadScenario('default')
  if (typeof scenario === 'string') return loadScenario(scenario, cwd)
  if (isLoaded(scenario)) return scenario
  return prepareScenario(scenario, 'inline', null)
}

function makeClock(opts: MockOptions, loaded: LoadedScenario): Clock {
  if (typeof opts.clock === 'object') return opts.clock
  if (opts.clock === 'manual') return manualClock(opts.startTime !== undefined ? Date.parse(opts.startTime) : startTimeOf(loaded))
  return realClock(opts.speed ?? 1)
}

/** Node closes connections past the cap at once; say so in the log, at most once a second. */
function capConnections(app: FastifyInstance, max: number): void {
  app.server.maxConnections = max
  let lastLogged = -Infinity
  app.server.on('drop', () => {
    const now = performance.now()
    if (now - lastLogged < 1000) return
    lastLogged = now
    app.log.warn({ maxConnections: max }, `connection refused: the connection cap (maxConnections ${max}) is reached`)
  })
}

/**
 * The mock as a Fastify instance, ready but not listening: tests `inject` into it, and
 * `startMock` listens on it. Throws ScenarioLoadError for a bad scenario.
 */
export async function buildApp(opts: MockOptions = {}): Promise<FastifyInstance> {
  const loaded = resolveScenario(opts.scenario, opts.cwd)
  const service = new BatchService({ clock: makeClock(opts, loaded), loaded, mode: opts.mode ?? 'realistic', seed: opts.seed, maxBatches: opts.maxBatches, subscribers: opts.subscribers })
  startupMark('scenario')
  const journal = new Journal(opts.journalSize ?? 1000)
  const answers = new Answers((batch) => service.isStored(batch))
  service.onInstall(() => answers.clear())
  const pages = new ListAnswers(answers)
  service.onInstall(() => pages.clear())

  const requestTimeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const writeStall = opts.writeStallMs ?? DEFAULT_WRITE_STALL_MS
  let fast: FastAnswer | null = null
  const withFastPath = serverWithFastPath(() => fast, () => closing)
  const factory: typeof withFastPath = (handler, options) => {
    const server = withFastPath(handler, options)
    closeWithin(server, requestTimeout)
    // requestTimeout bounds sending a request; this, a client that stops reading its answer.
    cutStalledReaders(server, writeStall)
    return server
  }
  let made: { handler: FastifyServerFactoryHandler; options: Parameters<typeof factory>[1] } | null = null
  const app = Fastify({
    serverFactory: (handler, options) => {
      made = { handler, options }
      return factory(handler, options)
    },
    logger: opts.logger ?? false,
    // One log line per request is noise for a mock serving a test suite; errors still log.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // A Node default header limit (16 KiB) already bounds URL length; ids are bounded here.
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // FastAPI answers HEAD of a GET route 405 (http/wrong-methods.ts), and a HEAD run
    // as a GET would count as a poll of the batch (stepping one that progresses by polls).
    exposeHeadRoutes: false,
    // A client sending its request a byte at a time must not hold a socket for good: past
    // requestTimeout Node answers 408 (clientErrorsWithin) and closes. Node checks pending
    // requests every connectionsCheckingInterval, so that follows the timeout down.
    requestTimeout,
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 72_000,
    http: { headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(30_000, Math.max(Math.floor(requestTimeout / 4), 10)) },
    frameworkErrors,
    clientErrorHandler: clientErrorsWithin(requestTimeout)
  }).withTypeProvider<TypeBoxTypeProvider>()

  const compile = validatorCompiler()
  app.setValidatorCompiler(compile)
  app.setSerializerCompiler(serializerCompiler)
  // Requests still in flight when close() starts finish normally, but their keep-alive
  // sockets must not outlive them: close() waits for every socket, and a kept-alive one
  // would hold shutdown for the whole keep-alive timeout.
  let closing = false
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  // Their answers say `connection: close` (http/fast-get.ts serverWithFastPath, where the head is written).
  capConnections(app, opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS)
  // Servers made for more addresses (http/bindings.ts) stop taking connections and close their
  // idle ones when the app's own does, and close() waits for their connections as for its own.
  const others = new Set<Server>()
  app.decorate('makeServer', () => {
    const server = factory(made!.handler, made!.options)
    others.add(server)
    return server
  })
  const othersClosed: Promise<void>[] = []
  app.addHook('preClose', (done) => {
    for (const server of others) othersClosed.push(new Promise<void>((resolve) => server.close(() => resolve())))
    done()
  })
  app.addHook('onClose', (_app, done) => {
    void Promise.all(othersClosed).then(() => done())
  })
  app.decorate('mock', service)
  app.decorate('journal', journal)
  const webhooks = new Webhooks(service, opts.webhooks)
  app.decorate('webhooks', webhooks)
  // Before the server waits for requests in flight: a flush waiting on a retry ends now,
  // rather than holding close() for its whole wait (up to a minute).
  app.addHook('preClose', (done) => {
    webhooks.close().then(() => done(), done)
  })
  app.addHook('onClose', (_app, done) => {
    service.close()
    done()
  })
  app.decorateRequest('tenant', null)
  registerErrorHandling(app)
  registerJsonBody(app)
  registerTrafficHooks(app, { journal, faults: () => service.faults, now: () => service.now() })
  registerTrailingSlashRedirect(app)
  // Registered before the routes, so it sees them all: the OpenAPI document comes from the
  // same TypeBox schemas that validate requests and serialize answers.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'LlamaCloud Batches API (llamacloud-batches-mock)',
        version: MOCK_VERSION,
        description: "The Batches API as llamacloud-batches-mock serves it, and the mock's control plane under /_mock."
      },
      // The CLI's default address; a client of another port sets its own base URL.
      servers: [{ url: 'http://127.0.0.1:4010', description: 'llamacloud-batches-mock on its default port' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'batches', description: 'LlamaCloud Batches API' },
        { name: 'directories', description: 'LlamaCloud directories and their files, which batches run over' },
        { name: 'parse', description: 'Parse jobs made by parse_v2 batches' },
        { name: 'extract', description: 'Extract jobs made by extract_v2 batches' },
        { name: 'webhook-configs', description: 'Saved webhook configurations that batches may name' },
        { name: 'mock', description: 'Control plane of the mock' }
      ]
    }
  })
  // GET and HEAD, as Starlette serves FastAPI's document (its route declares no methods).
  app.route({ method: ['GET', 'HEAD'], url: '/openapi.json', schema: { hide: true }, handler: async () => app.swagger() })
  await app.register(batchesRoutes, { prefix: '/api/v2/batches', service, answers, pages, auth: opts.auth ?? true })
  const directories = new DirectoryService(service, opts.directoryLimits)
  await app.register(directoriesRoutes, { prefix: '/api/v1/beta/directories', service, directories, auth: opts.auth ?? true, maxUploadBytes: opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES })
  await app.register(jobRoutes, { prefix: '/api/v2', service, jobs: new JobService(service, opts.maxJobCancels), auth: opts.auth ?? true })
  await app.register(webhookConfigRoutes, { prefix: '/api/v1/beta/webhook-configs', service, webhooks, auth: opts.auth ?? true })
  const cwd = opts.cwd ?? process.cwd()
  const scenarioRoots = [cwd, ...(opts.scenarioDir !== undefined ? [resolve(cwd, opts.scenarioDir)] : [])]
  await app.register(controlRoutes, { prefix: '/_mock', service, journal, adminToken: opts.adminToken, cwd, scenarioRoots })
  await app.register(webhookControlRoutes, { prefix: '/_mock/webhooks', webhooks, adminToken: opts.adminToken })
  await app.register(uiRoutes)
  await app.ready()
  const log = app.log as { isLevelEnabled?: (level: string) => boolean }
  if (opts.fastPath !== false) {
    const state = { service, answers, pages, journal, auth: opts.auth ?? true, closing: () => closing, debug: () => log.isLevelEnabled?.('debug') === true }
    const get = fastGet(state)
    // The create route's validator, from the same compiler (compiled on first use, as the route's is).
    const validate = compile({ schema: CreateBatchBodySchema, httpPart: 'body', method: 'POST', url: '/api/v2/batches' }) as (body: unknown) => boolean
    const create = fastCreate({ ...state, validate })
    fast = (req, res, fastify) => get(req, res, fastify) || create(req, res, fastify)
    // Before Fastify closes its routes (its first step, on the next tick): creates whose body is
    // still coming go to Fastify while it still answers them as usual (http/fast-create.ts).
    const close = app.close as (...args: unknown[]) => unknown
    app.close = function (this: unknown, ...args: unknown[]) {
      create.handOver()
      return close.apply(this, args)
    } as typeof app.close
  }
  startupMark('app')
  return app
}
