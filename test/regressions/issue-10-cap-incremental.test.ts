import t from 'tap'
import { performance } from 'node:perf_hooks'
import { advance, build, get, post, scenario, START_MS } from '../helper.js'
import { cpuTimed } from '../cpu-time.js'

// Issue 10 item 13: under a running cap, a create used to re-plan the whole project (O(k log k)
// for k batches). It now joins the queue's tail: its cost must not grow with k.
const body = { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' }
type App = Awaited<ReturnType<typeof build>>

async function projectOf(t: Parameters<typeof build>[0], existing: number): Promise<App> {
  const app = await build(t, {
    scenario: scenario([], {
      defaults: { max_running_per_project: 5, project_id: 'prj-big', timeline: { pending_ms: 1000, running_ms: 60_000 } },
      // Batches that started running by now (or ended): a create queues behind them all.
      generate: [{ count: existing, project_id: 'prj-big', files: { min: 1, max: 1 }, statuses: { COMPLETED: 60, FAILED: 10, CANCELLED: 10, RUNNING: 20, PENDING: 0, THROTTLED: 0 } }]
    })
  })
  for (let i = 0; i < 5; i++) await post(app, '/api/v2/batches', body) // warm up
  return app
}

/** Milliseconds per create over one round of at least 30 ms (and at least 3 creates). */
async function round(app: App): Promise<number> {
  const start = performance.now()
  let n = 0
  while (n < 3 || performance.now() - start < 30) {
    const res = await post(app, '/api/v2/batches', body)
    if (res.status !== 200) throw new Error(`create: ${res.status}`)
    n++
  }
  return (performance.now() - start) / n
}

t.test('a create under the cap costs about the same at 1,500 and 15,000 batches in the project', async (t) => {
  const small = await projectOf(t, 1_500)
  const large = await projectOf(t, 15_000)
  // Rounds alternate between the two, so a busy machine slows both alike; the best of each counts.
  let [bestSmall, bestLarge] = [Infinity, Infinity]
  for (let i = 0; i < 5; i++) {
    bestSmall = Math.min(bestSmall, await round(small))
    bestLarge = Math.min(bestLarge, await round(large))
  }
  const ratio = bestLarge / bestSmall
  t.comment(`per create: ${bestSmall.toFixed(3)} ms at 1,500, ${bestLarge.toFixed(3)} ms at 15,000 (x${ratio.toFixed(2)})`)
  // Re-planning the project grew tenfold or more here; joining the queue's tail does not grow.
  t.ok(ratio < 5, `10x the batches costs ${ratio.toFixed(2)}x per create, not ~10x or more`)
})

// The cancel half: a cancel under the cap used to re-plan every batch waiting behind it and
// write each one's new record into the store (O(k) for k waiting). Waiting batches' records
// are now derived from the queue when read, so a cancel costs about the same whatever k is.
const PROJECT = 'prj-0000b000-0000-4000-8000-000000000000'
const waitingProject = async (t: Parameters<typeof build>[0], count: number): Promise<App> =>
  build(t, {
    scenario: scenario([], {
      defaults: { max_running_per_project: 5, project_id: PROJECT },
      // Each would be RUNNING now (started within the last ten minutes): five run, the rest wait THROTTLED.
      generate: [{ count, project_id: PROJECT, files: { min: 1, max: 1 }, statuses: { RUNNING: 100, PENDING: 0, THROTTLED: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0 } }]
    })
  })

/** Ids of the project's batches in `status`, newest first (optionally created at or before `before`). */
async function idsIn(app: App, status: string, pageSize: number, before?: string): Promise<string[]> {
  const res = await get(app, `/api/v2/batches?project_id=${PROJECT}&status=${status}&page_size=${pageSize}${before ? `&created_at_on_or_before=${before}` : ''}`)
  if (res.status !== 200) throw new Error(`list: ${res.status} ${res.res.body}`)
  return res.body.items.map((b: { id: string }) => b.id)
}

async function cancel(app: App, id: string): Promise<void> {
  const res = await post(app, `/api/v2/batches/${id}/cancel`)
  if (res.status !== 200) throw new Error(`cancel ${id}: ${res.status} ${res.res.body}`)
}

t.test('a cancel under the cap costs about the same with 2,000 and 20,000 batches waiting', async (t) => {
  const worlds = [await waitingProject(t, 2_000), await waitingProject(t, 20_000)]
  const targets = []
  for (const app of worlds) {
    // Batches that would have started ~10 minutes ago wait near the queue's head (most of it
    // behind them); the newest wait at its tail.
    const head = await idsIn(app, 'THROTTLED', 10, new Date(START_MS - 570_000).toISOString())
    const tail = await idsIn(app, 'THROTTLED', 20)
    const running = await idsIn(app, 'RUNNING', 5)
    t.equal(head.length, 10, 'batches waiting near the head')
    t.equal(running.length, 5, 'the cap is full')
    // Cancelled: two near the head and one at the tail a round; read: other batches at the tail.
    targets.push({ waiting: [...head, ...tail.slice(0, 5)], reads: tail.slice(5), running })
  }
  t.ok((await get(worlds[1] as App, `/api/v2/batches?project_id=${PROJECT}&status=THROTTLED&page_size=100`)).body.next_page_token, 'the large world has more than a page waiting')
  // Rounds alternate between the two worlds, so a busy machine slows both alike; the best round of each counts.
  const cancels = [Infinity, Infinity]
  const reads = [Infinity, Infinity]
  const creates = [Infinity, Infinity]
  for (let round = 0; round < 5; round++) {
    for (const w of [0, 1]) {
      const app = worlds[w] as App
      const { waiting, reads: readIds, running } = targets[w] as { waiting: string[]; reads: string[]; running: string[] }
      const ids = [waiting[round * 2] as string, waiting[round * 2 + 1] as string, waiting[10 + round] as string, running[round] as string]
      let [cancelMs, readMs, createMs] = [0, 0, 0]
      for (const [i, id] of ids.entries()) {
        cancelMs += (await cpuTimed(() => cancel(app, id))).ms
        // A GET of a batch waiting behind the cancelled one (its start just moved), and a create.
        const read = await cpuTimed(() => get(app, `/api/v2/batches/${readIds[round * 3 + (i % 3)] as string}`))
        if (read.value.body.status !== 'THROTTLED') throw new Error(`a waiting batch read ${read.value.body.status}`)
        readMs += read.ms
        const created = await cpuTimed(() => post(app, '/api/v2/batches', body))
        if (created.value.status !== 200) throw new Error(`create: ${created.value.status}`)
        createMs += created.ms
      }
      cancels[w] = Math.min(cancels[w] as number, cancelMs / ids.length)
      reads[w] = Math.min(reads[w] as number, readMs / ids.length)
      creates[w] = Math.min(creates[w] as number, createMs / ids.length)
    }
  }
  const ratio = (cancels[1] as number) / (cancels[0] as number)
  t.comment(`CPU per cancel: ${(cancels[0] as number).toFixed(3)} ms with 2,000 waiting, ${(cancels[1] as number).toFixed(3)} ms with 20,000 (x${ratio.toFixed(2)})`)
  t.ok(ratio < 3, `10x the waiting batches costs ${ratio.toFixed(2)}x per cancel, not ~10x`)
  const readRatio = (reads[1] as number) / (reads[0] as number)
  t.comment(`CPU per GET of a waiting batch after a cancel: ${(reads[0] as number).toFixed(3)} ms, ${(reads[1] as number).toFixed(3)} ms (x${readRatio.toFixed(2)})`)
  t.ok(readRatio < 3, `and a GET of a batch waiting behind it ${readRatio.toFixed(2)}x, not ~10x`)
  const createRatio = (creates[1] as number) / (creates[0] as number)
  t.comment(`CPU per create after a cancel: ${(creates[0] as number).toFixed(3)} ms, ${(creates[1] as number).toFixed(3)} ms (x${createRatio.toFixed(2)})`)
  t.ok(createRatio < 3, `and a create after it ${createRatio.toFixed(2)}x, not ~10x`)

  // What the cancels left is what the queue says: the cancels take effect at +500 ms, and the
  // five earliest batches still waiting take the five freed slots then; the cancelled ones never run.
  for (const w of [0, 1]) {
    const app = worlds[w] as App
    const { waiting, running } = targets[w] as { waiting: string[]; running: string[] }
    const throttled = await idsIn(app, 'THROTTLED', 100)
    const stillWaiting = throttled[0] as string
    t.equal((await get(app, `/api/v2/batches/${stillWaiting}`)).body.status, 'THROTTLED', 'a GET of a waiting batch')
    t.same(await idsIn(app, 'RUNNING', 10), running, 'the cancelled runs hold their slots until their cancels take effect')
    await advance(app, 500)
    const next = await idsIn(app, 'RUNNING', 10)
    t.equal(next.length, 5, 'five batches took the freed slots')
    t.same(next.filter((id) => running.includes(id) || waiting.includes(id)), [], 'none of them a cancelled one')
    for (const id of next) {
      const seen = (await get(app, `/_mock/batches/${id}`)).body
      t.same(seen.timeline.filter((tr: { status: string }) => tr.status === 'RUNNING').map((tr: { at: string }) => tr.at), [new Date(START_MS + 500).toISOString()], 'started when the slots freed')
    }
    const cancelled = await idsIn(app, 'CANCELLED', 100)
    t.same([...cancelled].sort(), [...waiting, ...running].sort(), 'every cancelled batch reads CANCELLED')
  }

  // A tiny case whose FIFO plan is known: cap 1, five 10 s runs that would all start at 0.
  const ids = ['bat-a', 'bat-b', 'bat-c', 'bat-d', 'bat-e']
  const tiny = await build(t, { scenario: scenario(ids.map((id) => ({ id, files: 1, timeline: { pending_ms: 0, running_ms: 10_000 } })), { defaults: { max_running_per_project: 1 } }) })
  const runAt = async (id: string) => (await get(tiny, `/_mock/batches/${id}`)).body.timeline.find((tr: { status: string }) => tr.status === 'RUNNING')?.at ?? null
  const iso = (ms: number) => new Date(START_MS + ms).toISOString()
  t.same(await Promise.all(ids.map(runAt)), [0, 10_000, 20_000, 30_000, 40_000].map(iso), 'planned one after another')
  await cancel(tiny, 'bat-c') // waiting: d and e move up
  await cancel(tiny, 'bat-a') // running: its slot frees when the cancel takes effect, at 500 ms
  t.same(await Promise.all(ids.map(runAt)), [0, 500, null, 10_500, 20_500].map((ms) => (ms === null ? null : iso(ms))), 'each waiting batch moved up')
  const statusList = async (status: string) => (await get(tiny, `/api/v2/batches?status=${status}`)).body.items.map((b: { id: string }) => b.id).sort()
  t.same(await statusList('THROTTLED'), ['bat-b', 'bat-c', 'bat-d', 'bat-e'], 'c reads THROTTLED until its cancel takes effect')
  t.equal((await get(tiny, '/api/v2/batches/bat-d')).body.status, 'THROTTLED')
  await advance(tiny, 500)
  t.same(await statusList('RUNNING'), ['bat-b'])
  t.same(await statusList('CANCELLED'), ['bat-a', 'bat-c'])
  await advance(tiny, 10_000)
  t.same(await statusList('RUNNING'), ['bat-d'])
  t.same(await statusList('THROTTLED'), ['bat-e'])
})
