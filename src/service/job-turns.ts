import { MockError } from '../domain/errors.js'

/** Job list walks going on past their first turn, at most, per app: more answer 503. */
export const MAX_JOB_LIST_WALKS = 8

export class JobListsBusyError extends MockError {
  constructor(readonly max: number) {
    super('TOO_MANY_JOB_LISTS', `Too many job lists in progress: at most ${max} at once; retry`)
  }
}

/** One slice of a walk: true once the walk has ended (answered, or its client gone). */
export type Slice = () => boolean

/**
 * Runs long walks one slice per turn of the event loop, round robin: a walk's slice, then
 * whatever I/O is waiting, then the next walk's. However many walks are going on, no turn
 * does more than one slice, so a GET between two slices waits one slice at most; each walk
 * goes on at 1/n of the turns. A slice that throws ends its walk.
 */
export class SliceTurns {
  readonly #walks: Slice[] = []
  #scheduled = false

  constructor(readonly max = MAX_JOB_LIST_WALKS) {}

  /** Walks going on now. */
  get size(): number {
    return this.#walks.length
  }

  /** Runs `slice` from the next turn on until it answers true; JobListsBusyError when `max` walks go on. */
  add(slice: Slice): void {
    if (this.#walks.length >= this.max) throw new JobListsBusyError(this.max)
    this.#walks.push(slice)
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled || this.#walks.length === 0) return
    this.#scheduled = true
    setImmediate(this.#turn)
  }

  readonly #turn = (): void => {
    this.#scheduled = false
    const slice = this.#walks.shift()
    if (slice === undefined) return
    let done: boolean
    try {
      done = slice()
    } catch {
      // A slice answers its own errors (listJobs rejects its request); a throw here must not end the process.
      done = true
    }
    if (!done) this.#walks.push(slice)
    this.#schedule()
  }
}
