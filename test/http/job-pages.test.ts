import t from 'tap'
import { connect, type Socket } from 'node:net'
import { AUTH, START, build, get, listening, rawAnswer } from '../helper.js'
import { DEEP_DIR_BATCHES, DIR, FILE, LATE_BATCH, LATE_BIG, deep, late } from '../contract/job-scenarios.js'

// Job list walks past MAX_JOB_LIST_SCAN files: over raw HTTP as httpx, curl and Go send it, one
// slice a turn (other requests are answered in between), and bounded in number.

/** Resolves after `n` turns of the event loop (a chain of setImmediate: counts turns, times nothing). */
const turns = (n: number): Promise<void> => new Promise((resolve) => {
  const step = (left: number): void => void (left === 0 ? resolve() : setImmediate(() => step(left - 1)))
  step(n)
})

const CLIENTS: Record<string, string> = {
  // httpx sends Content-Type: application/json on every request, a bodiless GET included.
  httpx: 'Accept: */*\r\nAccept-Encoding: gzip, deflate\r\nUser-Agent: python-httpx/0.28.1\r\nContent-Type: application/json\r\nContent-Length: 0\r\n',
  curl: 'User-Agent: curl/8.5.0\r\nAccept: */*\r\n',
  go: 'User-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\n'
}
const rawGet = (path: string, client: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-key\r\n${CLIENTS[client]}Connection: close\r\n\r\n`
const statusOf = (raw: string): number => Number(raw.slice(9, 12))
const bodyOf = (raw: string): any => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))

t.test('what httpx, curl and Go send: every page of a walk past 20,000 files has a job, but the last', async (t) => {
  const { app, port } = await listening(t, { clock: 'manual', startTime: START, scenario: deep })
  const expected = await Promise.all(DEEP_DIR_BATCHES.map(async (id) => (await get(app, `/api/v2/batches/${id}?expand=results`)).body.results.find((r: any) => r.source_directory_file_id === FILE(0)).job_reference.id))
  for (const client of Object.keys(CLIENTS)) {
    const seen: string[] = []
    let token: string | null = null
    let pages = 0
    do {
      const raw = await rawAnswer(port, rawGet(`/api/v2/extract?file_input=${FILE(0)}&page_size=1${token === null ? '' : `&page_token=${encodeURIComponent(token)}`}`, client))
      t.equal(statusOf(raw), 200, `${client}: page ${pages + 1} answers 200`)
      const body = bodyOf(raw)
      token = body.next_page_token
      if (token !== null) t.equal(body.items.length, 1, `${client}: page ${pages + 1} is full while a token follows`)
      seen.push(...body.items.map((j: { id: string }) => j.id))
      pages++
    } while (token !== null && pages < 10)
    t.same(seen, expected, `${client}: the three jobs, each once, newest first`)
  }
  // A filter nothing matches: one empty page, the last, rather than a page per 20,000 files.
  const raw = await rawAnswer(port, rawGet('/api/v2/extract?file_input=dfl-00000000-0000-4000-8000-000000000000', 'httpx'))
  t.same(bodyOf(raw), { items: [], next_page_token: null })
})

t.test('a long walk goes one slice a turn: requests in between are answered first, and it reads jobs at its start', async (t) => {
  const app = await build(t, { scenario: late })
  const order: string[] = []
  const list = app.inject({ method: 'GET', url: '/api/v2/parse?status=PENDING', headers: AUTH }).then((res) => (order.push('list'), res))
  await turns(1) // the list has read the clock and walked its first slice
  // Sent after the list: a batch GET, a clock advance past the PENDING jobs' start, a create.
  const batch = app.inject({ method: 'GET', url: `/api/v2/batches/${LATE_BIG}`, headers: AUTH }).then((res) => (order.push('batch'), res))
  const advance = app.inject({ method: 'POST', url: '/_mock/clock/advance', payload: { ms: 3_600_000 } }).then((res) => (order.push('advance'), res))
  const create = app.inject({ method: 'POST', url: '/api/v2/batches', headers: AUTH, payload: { source_directory_id: DIR, config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_FAST' } } } }).then((res) => (order.push('create'), res))
  const [page, ...others] = await Promise.all([list, batch, advance, create])
  t.same(others.map((res) => res.statusCode), [200, 200, 200])
  t.equal(order.at(-1), 'list', `the 100,000-file walk answers last (${order.join(', ')})`)
  const body = page.json()
  t.same([body.items.length, body.next_page_token], [3, null], 'the three PENDING jobs behind 100,000 files, on one page')
  t.ok(body.items.every((j: { status: string }) => j.status === 'PENDING'), 'read at the clock of the request’s start, not the advanced one')
  const lateBatch = await get(app, `/api/v2/batches/${LATE_BATCH}?expand=results`)
  t.same(body.items.map((j: { id: string }) => j.id).sort(), lateBatch.body.results.map((r: any) => r.job_reference.id).sort(), 'the late batch’s jobs')
  t.same((await get(app, '/api/v2/parse?status=PENDING')).body, { items: [], next_page_token: null }, 'an hour on, none is PENDING: the advance mattered')

  // A reset (a new world, the clock back at the start) in the middle of a walk: the walk ends on
  // the world and clock it began with, where no job is PENDING any more.
  const before = app.inject({ method: 'GET', url: '/api/v2/parse?status=PENDING', headers: AUTH })
  await turns(1)
  const reset = await app.inject({ method: 'POST', url: '/_mock/reset' })
  t.equal(reset.statusCode, 200)
  const walked = await before
  t.same([walked.statusCode, walked.json()], [200, { items: [], next_page_token: null }], 'the walk across the reset: one empty page, the last')
  t.equal((await get(app, '/api/v2/parse?status=PENDING')).body.items.length, 3, 'after the reset the three are PENDING again')
})

t.test('long walks at once are bounded (503 past 8), and a walk whose client left stops', async (t) => {
  const { app, port } = await listening(t, { clock: 'manual', startTime: START, scenario: late })
  const accepted: Socket[] = []
  app.server.on('connection', (socket: Socket) => accepted.push(socket))
  // Eight walks of 100,000 files (six slices each) that match nothing, from clients that wait.
  const clients = Array.from({ length: 8 }, () => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.write(rawGet('/api/v2/parse?status=CANCELLED', 'curl'))
    return socket
  })
  t.teardown(() => clients.forEach((socket) => socket.destroy()))
  // Each request read (the server parses what it reads at once), then each walk past its first
  // slice: waited for as it happens, not for a count of turns a loaded machine may not keep.
  while (accepted.length < 8 || accepted.some((socket) => socket.bytesRead === 0)) await turns(1)
  await turns(2)
  const refused = await rawAnswer(port, rawGet('/api/v2/parse?status=CANCELLED', 'httpx'))
  t.equal(statusOf(refused), 503, 'a ninth walk: 503')
  t.match(refused, /\r\nretry-after: 1\r\n/i, 'with Retry-After')
  t.same(bodyOf(refused), { detail: 'Too many job lists in progress: at most 8 at once; retry' })
  // A list that fills its page in one slice is no walk: never refused; nor is a bad token, refused before any walk.
  t.equal((await get(app, '/api/v2/parse?page_size=5')).body.items.length, 5, 'a one-slice page is answered meanwhile')
  const forged = await get(app, '/api/v2/parse?status=CANCELLED&page_token=forged')
  t.same([forged.status, forged.body.detail[0].loc], [422, ['query', 'page_token']], 'a forged token: 422 at once, not a walk (nor a 503)')

  // The clients leave: each walk stops at its next turn. A new walk (six slices) then has the
  // turns to itself: it answers within a few turns (~7), where sharing them with the others takes over 20.
  const closed = accepted.slice(0, 8).map((socket) => new Promise((resolve) => (socket.destroyed ? resolve(null) : socket.once('close', resolve))))
  clients.forEach((socket) => socket.destroy())
  await Promise.all(closed)
  await turns(9)
  let counted = 0
  let counting = true
  const count = (): void => void (counting && (counted++, setImmediate(count)))
  count()
  const again = await rawAnswer(port, rawGet('/api/v2/parse?status=CANCELLED', 'go'))
  counting = false
  t.equal(statusOf(again), 200, 'a new walk is taken')
  t.ok(counted < 14, `the walks of the clients that left have stopped: a new walk took ${counted} turns (sharing them: over 20)`)
  t.same(bodyOf(again), { items: [], next_page_token: null })
})

t.test('batches the query’s organization hides cost a step each: a list of 20,100 of them takes turns, not one', async (t) => {
  const P = 'prj-33333333-3333-4333-8333-333333333333'
  const O = 'org-33333333-3333-4333-8333-333333333333'
  const app = await build(t, {
    scenario: { name: 'orgs', seed: 13, start_time: START, projects: [{ id: P, organization_id: O }], api_keys: [{ key: 'test-key', project_id: P }], generate: [{ count: 20_100, project_id: P, files: { min: 1, max: 1 }, job_types: ['parse_v2'], statuses: { COMPLETED: 1 } }] }
  })
  let counted = 0
  let counting = true
  const count = (): void => void (counting && (counted++, setImmediate(count)))
  count()
  const hidden = await get(app, '/api/v2/parse?organization_id=org-99999999-9999-4999-8999-999999999999')
  counting = false
  t.same(hidden.body, { items: [], next_page_token: null }, 'another organization: nothing')
  t.ok(counted > 1, `the walk over 20,100 hidden batches let other work in (${counted - 1} turns of the event loop; in one: 0)`)
  t.equal((await get(app, `/api/v2/parse?organization_id=${O}&page_size=3`)).body.items.length, 3, 'its own organization sees the jobs (the filter above is what hid them)')
})
