import t from 'tap'
import { batchAt, cancelBatch, lifecycleStepAt, nextStepAfter, resultsAt, statusAt, updatedAtOf } from '../../src/domain/lifecycle.js'
import { BatchNotCancellableError } from '../../src/domain/errors.js'
import type { BatchRecord, ResultsPolicy, Transition } from '../../src/domain/batch-record.js'
import { readTimeOf } from '../../src/domain/progression.js'
import type { BatchStatus } from '../../src/schemas/batch.js'
import { record as baseRecord } from '../helper.js'
import { buildRecord } from '../../src/scenario/records.js'
import { listedDirectory } from '../../src/domain/directory.js'

const result = (n: number, error: string | null = null) => ({
  source_directory_file_id: `dfl-${n}`,
  job_reference: error === null ? { type: 'parse_v2' as const, id: `pjb-${n}` } : null,
  error_message: error
})

/** PENDING@1000, RUNNING@2000, <end>@5000; files mapped @3000, @4000 (an error), @5000. */
function record(end: BatchStatus | null, policy: ResultsPolicy = 'null'): BatchRecord {
  const transitions: Transition[] = [
    { status: 'PENDING', at: 1000 },
    { status: 'RUNNING', at: 2000 }
  ]
  if (end) transitions.push({ status: end, at: 5000 })
  return baseRecord({
    createdAt: 1000,
    transitions,
    mappedAt: end === 'FAILED' ? [3000, Infinity, Infinity] : [3000, 4000, 5000],
    results: [result(1), result(2, 'File b.pdf is empty (0 bytes)'), result(3)],
    resultsWhileRunning: policy,
    resultsWhenFailed: policy
  })
}

t.test('status at every edge of the timeline', async (t) => {
  const b = record('COMPLETED')
  t.equal(statusAt(b, 0), 'PENDING', 'before created_at reads as PENDING')
  t.equal(statusAt(b, 1000), 'PENDING', 'exactly at creation')
  t.equal(statusAt(b, 1999), 'PENDING', 'one ms before the transition')
  t.equal(statusAt(b, 2000), 'RUNNING', 'exactly at the transition')
  t.equal(statusAt(b, 4999), 'RUNNING')
  t.equal(statusAt(b, 5000), 'COMPLETED', 'exactly at the last transition')
  t.equal(statusAt(b, 1e15), 'COMPLETED', 'long after the last')
})

t.test('results table', async (t) => {
  const ids = (r: ReturnType<typeof resultsAt>) => r?.map((x) => x.source_directory_file_id) ?? null
  const completed = record('COMPLETED')
  t.equal(resultsAt(completed, 9000, false), null, 'without expand results is always null')
  t.equal(resultsAt(completed, 1500, true), null, 'PENDING: null')
  t.equal(resultsAt(record('THROTTLED'), 6000, true), null, 'THROTTLED: null')
  t.equal(resultsAt(completed, 3500, true), null, 'RUNNING with the default policy: null')
  t.same(ids(resultsAt(record('COMPLETED', 'partial'), 3500, true)), ['dfl-1'], 'RUNNING partial: the files mapped so far')
  t.same(ids(resultsAt(record('COMPLETED', 'partial'), 1999, true)), null, 'partial still null while PENDING')
  t.same(ids(resultsAt(completed, 5000, true)), ['dfl-1', 'dfl-2', 'dfl-3'], 'COMPLETED: every file in directory order')
  t.equal(resultsAt(record('FAILED'), 6000, true), null, 'FAILED with the default policy: null')
  t.same(ids(resultsAt(record('FAILED', 'partial'), 6000, true)), ['dfl-1'], 'FAILED partial: the files mapped before the failure')
  const errored = resultsAt(completed, 5000, true)![1]!
  t.same(errored, { source_directory_file_id: 'dfl-2', job_reference: null, error_message: 'File b.pdf is empty (0 bytes)' }, 'a per-file error has no job')
})

t.test('updated_at is the latest visible change', async (t) => {
  t.equal(updatedAtOf(record('COMPLETED'), 500), 1000, 'before creation: created_at')
  t.equal(updatedAtOf(record('COMPLETED'), 3500), 2000, 'RUNNING, results hidden: the RUNNING transition')
  t.equal(updatedAtOf(record('COMPLETED', 'partial'), 4500), 4000, 'RUNNING partial: the last mapping shown')
  t.equal(updatedAtOf(record('COMPLETED'), 99999), 5000, 'terminal: the final transition')
  const view = batchAt(record('COMPLETED'), 99999, false)
  t.equal(view.updated_at, new Date(5000).toISOString())
  t.equal(view.created_at, new Date(1000).toISOString())
})

t.test('the lifecycle step changes exactly at events', async (t) => {
  const b = record('COMPLETED')
  t.equal(lifecycleStepAt(b, 2999), lifecycleStepAt(b, 2000))
  t.not(lifecycleStepAt(b, 3000), lifecycleStepAt(b, 2999))
})

t.test('a record on a shared plan counts its lifecycle step as the plain record of its timeline does', async (t) => {
  const mismatches: string[] = []
  let checked = 0
  let fastPaths = 0
  for (const outcome of ['PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const) {
    for (const count of [0, 1, 3, 10]) {
      for (const durations of [{ pending_ms: 1000, throttled_ms: 0, running_ms: 2000 }, { pending_ms: 0, throttled_ms: 500, running_ms: 7 }, { pending_ms: 250, throttled_ms: 0, running_ms: 0 }]) {
        for (const failAfterFiles of outcome === 'FAILED' ? [undefined, 0, 2] : [undefined]) {
          const directory = listedDirectory('dir-1', Array.from({ length: count }, (_, i) => ({ id: `dfl-${i}`, name: `f${i}.pdf`, error: null })))
          const planned = buildRecord(
            { id: 'bat-1', projectId: 'prj-1', sourceDirectoryId: 'dir-1', config: { job: { type: 'parse_v2', configuration_id: 'cfg-x' } }, createdAt: 1_700_000_000_123, outcome, durations, directory, failAfterFiles, resultsWhileRunning: 'partial', resultsWhenFailed: 'partial' },
            7
          )
          // The same timeline as a plain record (an array of mapping times): the generic count.
          const plain: BatchRecord = { ...planned, transitions: [...planned.transitions], mappedAt: Float64Array.from(Array.from(planned.mappedAt)) }
          if (planned.stepAt !== undefined && plain.stepAt === undefined) fastPaths++
          const events = [...plain.transitions.map((tr) => tr.at), ...Array.from(plain.mappedAt).filter(Number.isFinite)]
          for (const e of [0, ...events, Number.MAX_VALUE]) {
            for (const at of [e - 1, e - 0.5, e, e + 0.5, e + 1]) {
              checked++
              const fast = lifecycleStepAt(planned, at)
              const slow = lifecycleStepAt(plain, at)
              if (fast !== slow) mismatches.push(`${outcome}, ${count} files, ${JSON.stringify(durations)}, failAfter ${failAfterFiles} at ${at}: ${fast} vs ${slow}`)
              // The next change of step: the first event after `at`, for either form of the record.
              const next = Math.min(...events.filter((ev) => ev > at), Infinity)
              for (const r of [planned, plain]) {
                if (nextStepAfter(r, at) !== next) mismatches.push(`nextStepAfter ${outcome}, ${count} files, ${JSON.stringify(durations)} at ${at}: ${nextStepAfter(r, at)} vs ${next}`)
              }
              if (Number.isFinite(next) && (lifecycleStepAt(plain, next - 1e-3) !== slow || lifecycleStepAt(plain, next) === slow)) mismatches.push(`the step does not change exactly at ${next}`)
            }
          }
        }
      }
    }
  }
  t.ok(fastPaths > 0 && checked > 1000, 'the planned records take their own count; their plain copies the generic one')
  t.same(mismatches, [])
})

t.test('cancel', async (t) => {
  const running = record('COMPLETED', 'null')
  const cancelled = cancelBatch(running, 3500, 1000)
  t.equal(statusAt(cancelled, 3500), 'RUNNING', 'the request itself changes nothing yet')
  t.equal(statusAt(cancelled, 4499), 'RUNNING')
  t.equal(statusAt(cancelled, 4500), 'CANCELLED', 'takes effect after the delay')
  t.equal(statusAt(cancelled, 1e12), 'CANCELLED', 'the natural COMPLETED never comes')
  t.same(resultsAt(cancelled, 1e12, true)?.map((r) => r.source_directory_file_id), ['dfl-1', 'dfl-2'], 'files mapped before it took effect keep their results')
  t.equal(cancelled.cancelRequestedAt, 3500)
  t.equal(statusAt(running, 1e12), 'COMPLETED', 'the original record is untouched')

  const pending = cancelBatch(record('COMPLETED'), 1500, 500)
  t.equal(statusAt(pending, 2000), 'CANCELLED', 'a PENDING batch never starts')
  t.same(resultsAt(pending, 1e12, true), [], 'and maps no file')

  t.throws(() => cancelBatch(record('COMPLETED'), 5000, 0), BatchNotCancellableError, 'COMPLETED cannot be cancelled')
  for (const [batch, status] of [[record('FAILED'), 'FAILED'], [cancelled, 'CANCELLED']] as const) {
    const error = t.throws(() => cancelBatch(batch, 6000, 0)) as BatchNotCancellableError
    t.same([error.code, error.status], ['BATCH_NOT_CANCELLABLE', status], `${status} cannot be cancelled`)
    t.match(error.message, status)
  }
})

t.test('progression by polls and immediate', async (t) => {
  const polls = { ...record('COMPLETED'), progression: { kind: 'polls' as const, every: 2 } }
  const seen = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => statusAt(polls, readTimeOf(polls, 0, n)))
  t.same(seen, ['PENDING', 'PENDING', 'RUNNING', 'RUNNING', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED'], 'one status per two GETs, whatever the clock says')
  t.equal(readTimeOf(polls, 1e12, 0), 1000, 'the clock does not move it')
  const immediate = { ...record('FAILED', 'partial'), progression: { kind: 'immediate' as const } }
  t.equal(statusAt(immediate, readTimeOf(immediate, 0, 0)), 'FAILED', 'immediate is final from the start')
  t.equal(readTimeOf(immediate, 9e9, 0), 9e9, 'and follows the clock after')
  t.equal(readTimeOf(record('COMPLETED'), 1234, 99), 1234, 'time progression reads at the clock')
})
