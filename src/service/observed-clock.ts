import type { Clock } from '../clock.js'

/**
 * The clock as the rest of the mock holds it: the same clock, telling `onMove` after every
 * move it is asked for (advance, set), so transitions that fell due are published then,
 * whoever moved it — a control-plane route or a test holding `mock.clock`.
 */
export function observedClock(clock: Clock, onMove: () => void, onReset: () => void): Clock {
  return {
    get mode() {
      return clock.mode
    },
    get speed() {
      return clock.speed
    },
    now: () => clock.now(),
    advance(ms) {
      const t = clock.advance(ms)
      onMove()
      return t
    },
    set(t) {
      const now = clock.set(t)
      onMove()
      return now
    },
    reset() {
      const t = clock.reset()
      onReset()
      return t
    }
  }
}
