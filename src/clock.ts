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

function checkForward(current: number, target: number): void {
  if (!Number.isFinite(target)) throw new ClockError('The clock can only be set to a finite time')
  if (target < current) {
    throw new ClockError(
      `The clock never goes backwards: it is ${new Date(current).toISOString()}, ${new Date(target).toISOString()} is earlier`
    )
  }
}

/**
 * Wall time, optionally sped up: with `speed` 10, one real second is ten mock seconds,
 * counted from when the clock was made. `advance` and `set` add an offset on top.
 */
export function realClock(speed = 1, wallNow: () => number = Date.now): Clock {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`)
  let origin = wallNow()
  let offset = 0
  const now = (): number => Math.floor(origin + (wallNow() - origin) * speed) + offset
  return {
    mode: 'real',
    speed,
    now,
    advance(ms) {
      checkForward(0, ms)
      offset += ms
      return now()
    },
    set(t) {
      checkForward(now(), t)
      offset += t - now()
      return now()
    },
    reset() {
      origin = wallNow()
      offset = 0
      return now()
    }
  }
}

/** Time that moves only when told: the clock of tests and reproducible runs. */
export function manualClock(start: number): Clock {
  let current = start
  return {
    mode: 'manual',
    speed: 0,
    now: () => current,
    advance(ms) {
      checkForward(0, ms)
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
