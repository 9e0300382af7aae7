import { ClockError } from './domain/errors.js'

export type ClockMode = 'real' | 'manual'

/**
 * The only source of "now" in the mock. Lifecycles are computed from it on read, so
 * moving it is all it takes to move every batch.
 */
export interface Clock {
  readonly mode: ClockMode
  readonly speed: number
  now(): number
  /** Moves the clock forward by `ms` (>= 0). */
  advance(ms: number): number
  /** Moves the clock to `t`; never backwards. */
  set(t: number): number
  /** Back to where the clock started (manual) or to wall time (real). */
  reset(): number
}

/** The last instant the mock can show: timestamps are serialized with a 4-digit year. */
export const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z')
/** The first: 0000-01-01T00:00:00.000Z. */
export const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z')

/** Why `t` cannot be a clock time, or null when it can. */
export function timeProblem(t: number): string | null {
  if (!Number.isFinite(t)) return 'The clock can only be set to a finite time'
  if (t > MAX_TIME || t < MIN_TIME) return 'The clock runs from 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z'
  return null
}

function checkTime(t: number): void {
  const problem = timeProblem(t)
  if (problem) throw new ClockError(problem)
}

function checkForward(current: number, target: number): void {
  checkTime(target)
  if (target < current) {
    throw new ClockError(
      `The clock never goes backwards: it is ${new Date(current).toISOString()}, ${new Date(target).toISOString()} is earlier`
    )
  }
}

/**
 * Wall time, optionally sped up: with `speed` 10, one real second is ten mock seconds,
 * counted from when the clock was made. Wall time is read once, at the start (and on
 * reset); elapsed time comes from the monotonic `elapsed`, so a wall-clock step (NTP, a
 * resumed VM) never moves the mock back. `advance` and `set` add an offset on top.
 * It stops at MAX_TIME.
 */
export function realClock(speed = 1, wallNow: () => number = Date.now, elapsed: () => number = () => performance.now()): Clock {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`)
  let origin = wallNow()
  let mark = elapsed()
  let offset = 0
  const now = (): number => Math.min(Math.floor(origin + (elapsed() - mark) * speed) + offset, MAX_TIME)
  return {
    mode: 'real',
    speed,
    now,
    advance(ms) {
      if (!(ms >= 0)) checkForward(0, ms)
      checkTime(now() + ms)
      offset += ms
      return now()
    },
    set(t) {
      // One reading: time that passes between two would land the clock past `t`.
      const current = now()
      checkForward(current, t)
      offset += t - current
      return t
    },
    reset() {
      origin = wallNow()
      mark = elapsed()
      offset = 0
      return now()
    }
  }
}

/** Time that moves only when told: the clock of tests and reproducible runs. */
export function manualClock(start: number): Clock {
  checkTime(start)
  let current = start
  return {
    mode: 'manual',
    speed: 0,
    now: () => current,
    advance(ms) {
      if (!(ms >= 0)) checkForward(0, ms)
      checkTime(current + ms)
      current += ms
      return current
    },
    set(t) {
      checkForward(current, t)
      current = t
      return current
    },
    reset() {
      current = start
      return current
    }
  }
}
