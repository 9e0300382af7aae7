import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { buildApp, type MockOptions } from '../src/app.js'
import type { Test } from 'tap'
import type { Scenario } from '../src/schemas/scenario.js'

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
