import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { timeProblem, type Clock } from '../clock.js'
import type { BatchService } from '../service/batches.js'
import type { Journal } from '../traffic/journal.js'
import {
  ClockAdvanceBodySchema,
  ClockSetBodySchema,
  ClockStateSchema,
  HealthSchema,
  JournalQuerySchema,
  JournalSchema,
  LoadScenarioBodySchema,
  ResetResponseSchema,
  type ClockState
} from '../schemas/control.js'
import { HttpErrorSchema, ValidationErrorSchema } from '../schemas/errors.js'
import { BatchSchema } from '../schemas/batch.js'
import { BatchSpecSchema } from '../schemas/scenario.js'
import { FaultListSchema, FaultRuleSchema, FaultStateSchema } from '../schemas/faults.js'
import { Type } from '@sinclair/typebox'
import { loadScenario, prepareScenario, ScenarioLoadError } from '../scenario/load.js'
import { quoteShort } from '../quote.js'
import { ScenarioFault } from '../scenario/fault.js'
import { faultRuleProblem, FaultRuleError, MAX_FAULT_RULES } from '../traffic/fault-book.js'
import { RequestValidationError } from './error-handler.js'
import { inspectRoutes } from './inspect-routes.js'
import { asControlPlane } from './control-plane.js'
import { countOf, JournalStream, JournalWalk } from './journal-stream.js'

export interface ControlRoutesOptions {
  service: BatchService
  journal: Journal
  /** When set, every /_mock route requires `Authorization: Bearer <adminToken>`. */
  adminToken?: string | undefined
  /** Where a relative scenario `name` resolves from. */
  cwd?: string
  /** The folders a scenario `name` may be read from (by real path); bundled names always load. */
  scenarioRoots?: readonly string[]
}

export function clockState(clock: Clock): ClockState {
  return { now: new Date(clock.now()).toISOString(), mode: clock.mode, speed: clock.speed }
}

const errors = { 400: HttpErrorSchema, 422: ValidationErrorSchema }

export const controlRoutes: FastifyPluginAsyncTypebox<ControlRoutesOptions> = async (app, { service: state, journal, adminToken, cwd, scenarioRoots = [process.cwd()] }) => {
  const { clock } = state
  const routesIn = asControlPlane(app, adminToken)
  // Read-only views (one journal entry whole, batches with timelines), behind the same token.
  await app.register(inspectRoutes, { service: state, journal })

  app.get('/health', { schema: { response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const }))

  app.get('/clock', { schema: { response: { 200: ClockStateSchema } } }, async () => clockState(clock))

  app.post('/clock/advance', { schema: { body: ClockAdvanceBodySchema, response: { 200: ClockStateSchema, ...errors } } }, async (request) => {
    const problem = timeProblem(clock.now() + request.body.ms)
    if (problem) throw invalid(['body', 'ms'], `Value error, ${problem}; it is ${new Date(clock.now()).toISOString()}`, request.body.ms)
    clock.advance(request.body.ms)
    return clockState(clock)
  })

  app.post('/clock/set', { schema: { body: ClockSetBodySchema, response: { 200: ClockStateSchema, ...errors } } }, async (request) => {
    const problem = timeProblem(Date.parse(request.body.now))
    if (problem) throw invalid(['body', 'now'], `Value error, ${problem}`, request.body.now)
    clock.set(Date.parse(request.body.now))
    return clockState(clock)
  })

  app.get('/requests', { schema: { querystring: JournalQuerySchema, response: { 200: JournalSchema, ...errors } } }, async (request, reply) => {
    const { count, since, last, ...filter } = request.query
    const match = { ...filter, since: since === undefined ? undefined : Date.parse(since) }
    if (count) {
      // Counted a slice a turn (a 1,000,000-entry ring is 50 turns), over the entries held when the request came.
      const walk = new JournalWalk(journal, match, undefined)
      const found = await countOf(walk, last ?? Infinity, () => request.raw.socket?.destroyed === true)
      return { count: found, capacity: journal.capacity, total: walk.total }
    }
    // An answer the first piece holds whole goes in one write; a larger one is streamed (journal-stream.ts).
    const walk = new JournalWalk(journal, match, last)
    const first = walk.step()
    if (walk.done) return { requests: first, count: first.length, capacity: journal.capacity, total: walk.total }
    reply.type('application/json; charset=utf-8')
    // The stream writes JournalSchema's JSON itself (the type provider knows only the object); a HEAD walks nothing.
    const stream: Readable = request.method === 'HEAD' ? Readable.from([]) : new JournalStream(walk, first, journal.capacity)
    return reply.send(stream as never)
  })

  app.delete('/requests', { schema: { response: { 204: Type.Null() } } }, async (_request, reply) => {
    journal.clear()
    return reply.code(204).send(null)
  })

  app.get('/faults', { schema: { response: { 200: FaultListSchema } } }, async () => ({ faults: state.faults.list() }))

  app.post('/faults', { schema: { body: FaultRuleSchema, response: { 200: FaultStateSchema, ...errors } } }, async (request) => {
    const problem = faultRuleProblem(request.body)
    if (problem) throw invalid(['body'], `Value error, expected ${problem}`, request.body)
    if (request.body.id !== undefined && state.faults.has(request.body.id)) {
      throw invalid(['body', 'id'], `Value error, a fault with id ${request.body.id} already exists`, request.body.id)
    }
    if (state.faults.size >= MAX_FAULT_RULES) {
      throw invalid(['body'], `Value error, at most ${MAX_FAULT_RULES} fault rules in force; delete some first (DELETE /_mock/faults/{id} or /_mock/faults)`, null)
    }
    try {
      return state.faults.add(request.body)
    } catch (e) {
      if (e instanceof FaultRuleError) throw invalid(['body', ...pointerSegments(e.pointer)], `Value error, expected ${e.expected}`, null)
      throw e
    }
  })

  app.delete('/faults', { schema: { response: { 204: Type.Null() } } }, async (_request, reply) => {
    state.faults.clear()
    return reply.code(204).send(null)
  })

  app.delete('/faults/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), 404: HttpErrorSchema } } }, async (request, reply) => {
    if (!state.faults.remove(request.params.id)) return reply.code(404).send({ detail: `Fault not found: ${request.params.id}` })
    return reply.code(204).send(null)
  })

  app.post('/scenario', { bodyLimit: 16 * 1024 * 1024, schema: { body: LoadScenarioBodySchema, response: { 200: ResetResponseSchema, ...errors } } }, async (request) => {
    const { name, scenario } = request.body
    if ((name === undefined) === (scenario === undefined)) throw invalid(['body'], 'Value error, give exactly one of name or scenario', request.body)
    try {
      state.replaceScenario(scenario !== undefined ? prepareScenario(scenario, 'inline', null) : loadScenario(name as string, cwd, { confineTo: scenarioRoots }))
    } catch (e) {
      if (!(e instanceof ScenarioLoadError)) throw e
      const where = scenario !== undefined ? ['body', 'scenario', ...pointerSegments(e.pointer)] : ['body', 'name']
      throw invalid(where, `Value error, ${e.message}`, scenario !== undefined ? null : quoteShort(name as string))
    }
    return { scenario: state.loaded.name, batches: state.world.store.size, clock: clockState(clock) }
  })

  app.post('/batches', { schema: { body: BatchSpecSchema, response: { 200: BatchSchema, ...errors } } }, async (request) => {
    try {
      return state.view(state.inject(request.body), true)
    } catch (e) {
      if (e instanceof ScenarioFault) throw invalid(['body', ...pointerSegments(e.pointer)], `Value error, expected ${e.expected}`, null)
      throw e
    }
  })

  app.post('/reset', { schema: { response: { 200: ResetResponseSchema } } }, async () => {
    state.reset()
    journal.clear()
    return { scenario: state.loaded.name, batches: state.world.store.size, clock: clockState(clock) }
  })

  // A method a path above does not serve: 405 with `Allow`.
  routesIn()
}

function pointerSegments(pointer: string): (string | number)[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg.replace(/~1/g, '/').replace(/~0/g, '~')))
}

function invalid(loc: (string | number)[], msg: string, input: unknown): RequestValidationError {
  return new RequestValidationError([{ type: 'value_error', loc, msg, input }])
}
