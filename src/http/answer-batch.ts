import type { ServerResponse } from 'node:http'

/**
 * Answers the fast paths made while reading one turn's requests, written together once those
 * reads are done (the event loop's check phase, before it waits again). Written one by one, as
 * each was made, every answer to a client that had gone to sleep waiting for it woke it there
 * and then: on a busy 2-core machine that wake-up cost more than making a batch (a create's
 * server CPU was ~80 µs with it, ~43 µs written after the reads). A lone request waits only for
 * the end of its own turn; pipelined answers still leave in order (Node queues them per socket).
 */
const due: DueAnswer[] = []

/** An answer made, to be written after the turn's reads. */
export interface DueAnswer {
  readonly res: ServerResponse
  write(): void
}

export function afterReads(res: ServerResponse, write: () => void): void {
  answerAfterReads({ res, write })
}

/** afterReads for an answer that is its own `write` (no closure made for it). */
export function answerAfterReads(answer: DueAnswer): void {
  if (due.push(answer) === 1) setImmediate(writeDue)
}

/**
 * Writes the answers due now: before bytes read after their requests end a connection (the
 * client error handler's 400 and close), as Fastify had written its answers by then.
 */
export function writeDue(): void {
  // A write never adds another, but the loop would take one.
  for (let i = 0; i < due.length; i++) {
    const answer = due[i] as DueAnswer
    try {
      answer.write()
    } catch {
      // What escaped here would end the process; the answer is lost, so is its connection.
      answer.res.destroy()
    }
  }
  due.length = 0
}
