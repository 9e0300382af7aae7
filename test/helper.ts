import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { connect } from 'node:net'
import { buildApp, type MockOptions } from '../src/app.js'
import type { Test } from 'tap'
import type { Scenario } from '../src/schemas/scenario.js'
import { listedResults, type BatchRecord, type BatchResult, type Progression, type ResultsPolicy, type Transition } from '../src/domain/batch-record.js'
import { buildTimeline, type Outcome, type TimelineDurations } from '../src/domain/timeline.js'

type Tap = Pick<Test, 'teardown'>

export const START = '2026-01-01T00:00:00.000Z'
export const START_MS = Date.parse(START)
export const AUTH = { authorization: 'Bearer test-key' }

/** The app with a manual clock at START; closed when the test ends. */
export async function build(t: Tap, opts: MockOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp({ clock: 'manual', scenario: 'empty', startTime: START, ...opts })
  t.teardown(() => app.close())
  return app
}

/** A tiny purpose-built scenario: just these batches, no generated noise. */
export function scenario(batches: NonNullable<Scenario['batches']>, extra: Partial<Scenario> = {}): Scenario {
  return { name: 'test', seed: 7, start_time: START, batches, ...extra }
}

/**
 * `count` one-file batches of one project over one directory, created a minute apart before
 * START (newest first as listed) and PENDING for an hour: a list every filter can select.
 */
export function pendingBatches(count: number, projectId: string, sourceDirectoryId: string): { id: string; project_id: string; source_directory_id: string; created_at: string; timeline: { pending_ms: number }; files: number }[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `bat-00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    project_id: projectId,
    source_directory_id: sourceDirectoryId,
    created_at: new Date(START_MS - (i + 1) * 60_000).toISOString(),
    timeline: { pending_ms: 3_600_000 },
    files: 1
  }))
}

/** The documented example batch (fixtures/example-batch.json) and nothing else. */
export const EXAMPLE_ID = 'bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
export function exampleScenario(extra: Partial<Scenario> = {}): Scenario {
  return scenario([{ fixture: 'example-batch.json' }], extra)
}

/** GET with a valid key; answers status and parsed JSON body. */
export async function get(app: FastifyInstance, url: string, headers: Record<string, string> = AUTH): Promise<{ status: number; body: any; res: LightMyRequestResponse }> {
  const res = await app.inject({ method: 'GET', url, headers })
  return { status: res.statusCode, body: res.json(), res }
}

export async function post(app: FastifyInstance, url: string, payload?: InjectOptions['payload'], headers: Record<string, string> = AUTH): Promise<{ status: number; body: any; res: LightMyRequestResponse }> {
  const res = await app.inject({ method: 'POST', url, headers, ...(payload !== undefined && { payload }) })
  return { status: res.statusCode, body: res.json(), res }
}

export async function advance(app: FastifyInstance, ms: number): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/_mock/clock/advance', payload: { ms } })
  if (res.statusCode !== 200) throw new Error(`advance failed: ${res.body}`)
}

/** Awaits a promise that must reject with an instance of `type` (the SDK's error classes). */
export async function rejectsAs(t: Test, promise: Promise<unknown>, type: abstract new (...args: never[]) => unknown, message?: string): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    t.type(error, type, message ?? type.name)
    return error
  }
  t.fail(`expected a rejection with ${type.name}`)
  return undefined
}

export interface RecordOptions {
  id?: string
  projectId?: string
  createdAt?: number
  durations?: Partial<TimelineDurations>
  outcome?: Outcome
  files?: number
  progression?: Progression
  resultsWhileRunning?: ResultsPolicy
  resultsWhenFailed?: ResultsPolicy
  /** Replace the laid-out timeline (then `mappedAt` should be given too). */
  transitions?: Transition[]
  mappedAt?: number[]
  /** Replace the default results (`files` successes `dfl-i` → `pjb-i`). */
  results?: BatchResult[]
  cancelRequestedAt?: number | null
}

/**
 * A batch record laid out as the mock lays one out, for tests of the domain, the store and
 * the service: `files` files `dfl-0`… with jobs `pjb-0`…, on a 1 s / 0 / 2 s timeline by
 * default; any part can be given explicitly instead.
 */
export function record(opts: RecordOptions = {}): BatchRecord {
  const files = opts.files ?? 2
  const createdAt = opts.createdAt ?? 0
  const laid = buildTimeline(createdAt, { pending_ms: 1000, throttled_ms: 0, running_ms: 2000, ...opts.durations }, opts.outcome ?? 'COMPLETED', files)
  const transitions = opts.transitions ?? laid.transitions
  const mappedAt = opts.mappedAt ?? laid.mappedAt
  const results = opts.results ?? Array.from({ length: files }, (_, i) => ({ source_directory_file_id: `dfl-${i}`, job_reference: { type: 'parse_v2' as const, id: `pjb-${i}` }, error_message: null }))
  return {
    id: opts.id ?? 'bat-1',
    projectId: opts.projectId ?? 'prj-1',
    sourceDirectoryId: 'dir-1',
    config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } },
    createdAt,
    transitions,
    mappedAt,
    results: listedResults(results),
    resultsWhileRunning: opts.resultsWhileRunning ?? 'null',
    resultsWhenFailed: opts.resultsWhenFailed ?? 'null',
    cancelRequestedAt: opts.cancelRequestedAt ?? null,
    progression: opts.progression ?? { kind: 'time' }
  }
}

/** Most pages `walk` follows before it gives up: a token that never ends is a bug, not a hang. */
export const MAX_PAGES = 10_000

/**
 * Walks a list endpoint (`url` with its query, without `page_token`) following
 * `next_page_token`; answers every item in order, the number of pages and the tokens
 * followed. Throws on a non-200 page or past `maxPages` pages.
 */
export async function walk<T = any>(app: FastifyInstance, url: string, headers: Record<string, string> = AUTH, maxPages = MAX_PAGES): Promise<{ items: T[]; pages: number; tokens: string[] }> {
  const items: T[] = []
  const tokens: string[] = []
  let token: string | null = null
  let pages = 0
  do {
    if (pages >= maxPages) throw new Error(`walk: more than ${maxPages} pages`)
    const sep = url.includes('?') ? '&' : '?'
    const res = await app.inject({ method: 'GET', url: token === null ? url : `${url}${sep}page_token=${encodeURIComponent(token)}`, headers })
    if (res.statusCode !== 200) throw new Error(`walk: page ${pages + 1} answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
    const body = res.json() as { items: T[]; next_page_token: string | null }
    items.push(...body.items)
    token = body.next_page_token
    if (token !== null) tokens.push(token)
    pages++
  } while (token !== null)
  return { items, pages, tokens }
}

/** Writes `raw` on a new connection to 127.0.0.1:port and answers every byte read until the server ends it (latin1). */
export function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (data += chunk))
    socket.on('end', () => resolve(data))
    socket.on('error', reject)
    socket.write(raw)
  })
}

/**
 * Sends one raw request on a new connection, in pieces (each written when the last has left,
 * `pauseMs` apart); answers the response's bytes up to its announced end, or the close.
 */
export function rawAnswer(port: number, raw: string | (string | Buffer)[], head = false, pauseMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = Buffer.alloc(0)
    const done = () => {
      socket.destroy()
      resolve(data.toString('latin1'))
    }
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      // Past any interim answer (`100 Continue`): the final one's head and body.
      let start = 0
      while (data.subarray(start, start + 10).toString('latin1') === 'HTTP/1.1 1') {
        const interim = data.indexOf('\r\n\r\n', start)
        if (interim === -1) return
        start = interim + 4
      }
      const end = data.indexOf('\r\n\r\n', start)
      if (end === -1) return
      const length = /\r\ncontent-length: (\d+)/i.exec(data.subarray(start, end).toString('latin1'))
      if (length && (head || data.length >= end + 4 + Number(length[1]))) done()
    })
    socket.on('end', done)
    socket.on('error', reject)
    const first = typeof raw === 'string' ? raw : raw[0] ?? ''
    socket.setTimeout(5000, () => reject(new Error(`no answer to ${first.toString().split('\r\n')[0]}`)))
    const pieces = typeof raw === 'string' ? [raw] : raw
    const write = (i: number): void => {
      if (i >= pieces.length || socket.destroyed) return
      socket.write(pieces[i] as string | Buffer, () => (pauseMs > 0 ? setTimeout(() => write(i + 1), pauseMs) : write(i + 1)))
    }
    write(0)
  })
}

/** Responses without their Date headers (the only ones that may differ by the second). */
export const comparable = (response: string): string => response.replace(/\r\ndate: [^\r]*/gi, '\r\ndate: -')

/** An app built with `opts`, listening on 127.0.0.1 port 0 and closed with the test. */
export async function listening(t: Tap, opts: MockOptions): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp(opts)
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return { app, port: typeof address === 'object' && address ? address.port : 0 }
}
