// Start-up marks for the benchmark (bench/README.md, "Start-up breakdown"). Off unless the CLI
// turns them on (MOCK_STARTUP_TIMING=1); off, a mark costs one comparison. A bench knob, not a
// feature: the library never turns it on and no flag shows it.

import { performance } from 'node:perf_hooks'

/** Epoch milliseconds (performance.timeOrigin + performance.now()), comparable across processes. */
let marks: Record<string, number> | null = null

const epochNow = (): number => performance.timeOrigin + performance.now()

/** Turns marking on, with Node's own milestones (process start, bootstrap done) as the first marks. */
export function enableStartupTiming(): void {
  const node = performance.nodeTiming
  marks = { timeOrigin: performance.timeOrigin, bootstrapComplete: performance.timeOrigin + node.bootstrapComplete }
}

export function startupMark(name: string): void {
  if (marks !== null) marks[name] = epochNow()
}

/** The marks so far, or null when marking is off. */
export function startupMarks(): Readonly<Record<string, number>> | null {
  return marks
}
