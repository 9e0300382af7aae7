// Issue 14's hot paths answer what the slow paths would: a list page polled again (its bytes are
// kept while its records and their lifecycle steps are) answers, after every kind of change, the
// bytes made of each item's own GET answer at that moment.
import { Agent, request } from 'node:http'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { advance, AUTH, build, scenario, START_MS } from '../helper.js'
import { startMock } from '../../src/index.js'

const A = 'prj-aaaaaaaa-0000-4000-8000-000000000000'
const B = 'prj-bbbbbbbb-0000-4000-8000-000000000000'
const as = (key: string) => ({ authorization: `Bearer ${key}` })

/** 12 batches a second apart over two projects, on timelines whose steps fall at different times. */
function world() {
  return scenario(
    Array.from({ length: 12 }, (_, i) => ({
      id: `bat-${String(i).padStart(2, '0')}`,
      project_id: i % 3 === 0 ? B : A,
      created_at: new Date(START_MS - (12 - i) * 1000).toISOString(),
      files: 1 + (i % 4),
      outcome: i % 5 === 0 ? ('FAILED' as const) : ('COMPLETED' as const),
      timeline: { pending_ms: 1000 * (i % 3), running_ms: 5000 + 2000 * i }
    })),
    { api_keys: [{ key: 'key-a', project_id: A }, { key: 'key-b', project_id: B }] }
  )
}

async function raw(app: FastifyInstance, url: string, key: string, method: 'GET' | 'POST' = 'GET', payload?: object) {
  const res = await app.inject({ method, url, headers: as(key), ...(payload && { payload }) })
  return { status: res.statusCode, body: res.body, headers: res.headers }
}

/**
 * The list page for `query` as `key` sees it, checked byte for byte against the page made of each
 * item's own GET answer now (time-driven batches: a GET changes nothing) and the token it named.
 */
async function checkPage(t: Test, app: FastifyInstance, query: string, key: string, what: string): Promise<{ ids: string[]; token: string | null }> {
  const list = await raw(app, `/api/v2/batches?${query}`, key)
  t.equal(list.status, 200, `${what}: 200`)
  const parsed = JSON.parse(list.body) as { items: { id: string }[]; next_page_token: string | null }
  const gets: string[] = []
  for (const item of parsed.items) {
    const one = await raw(app, `/api/v2/batches/${item.id}`, key)
    t.equal(one.status, 200, `${what}: ${item.id} is the key's to read`)
    gets.push(one.body)
  }
  t.equal(list.body, `{"items":[${gets.join(',')}],"next_page_token":${JSON.stringify(parsed.next_page_token)}}`, `${what}: the page is its items' answers, byte for byte`)
  t.equal(list.headers['content-length'], String(Buffer.byteLength(list.body)), `${what}: content-length`)
  return { ids: parsed.items.map((i) => i.id), token: parsed.next_page_token }
}

t.test('a list page polled again follows every change: the clock, cancels, creates, injects, a reset', async (t) => {
  const app = await build(t, { scenario: world() })
  const q = 'page_size=3'
  const first = await checkPage(t, app, q, 'key-a', 'first poll')
  t.same(first.ids, ['bat-11', 'bat-10', 'bat-08'], "newest first, only the key's project")
  t.same((await checkPage(t, app, q, 'key-a', 'polled again')).ids, first.ids)
  // The second page through the token, twice (its own key), then the first again.
  const second = await checkPage(t, app, `${q}&page_token=${first.token}`, 'key-a', 'second page')
  t.same(second.ids, ['bat-07', 'bat-05', 'bat-04'])
  t.same((await checkPage(t, app, `${q}&page_token=${first.token}`, 'key-a', 'second page again')).ids, second.ids)

  // A cancel makes a new record of an item on the page (bat-10 runs for 20 s yet).
  await advance(app, 1000)
  t.equal((await raw(app, '/api/v2/batches/bat-10/cancel', 'key-a', 'POST')).status, 200)
  await checkPage(t, app, q, 'key-a', 'after a cancel')

  // Every step of the timelines (and the cancel's): each advance moves some item of a page on.
  for (let step = 1; step <= 16; step++) {
    await advance(app, 2000)
    await checkPage(t, app, q, 'key-a', `after ${1000 + step * 2000} ms`)
    await checkPage(t, app, `${q}&page_token=${first.token}`, 'key-a', `second page after ${1000 + step * 2000} ms`)
  }
  const statuses = (JSON.parse((await raw(app, `/api/v2/batches?${q}`, 'key-a')).body) as { items: { status: string }[] }).items.map((i) => i.status)
  t.same(statuses, ['COMPLETED', 'CANCELLED', 'COMPLETED'], 'the page polled all along shows the cancel and the ends')

  // A create puts a new batch first; the old first page's token still resumes after it.
  const created = await raw(app, '/api/v2/batches', 'key-a', 'POST', { config: { job: { type: 'parse_v2', configuration_id: 'cfg-x' } }, source_directory_id: 'dir-new' })
  t.equal(created.status, 200)
  const newId = (JSON.parse(created.body) as { id: string }).id
  t.same((await checkPage(t, app, q, 'key-a', 'after a create')).ids, [newId, 'bat-11', 'bat-10'])
  t.same((await checkPage(t, app, `${q}&page_token=${first.token}`, 'key-a', 'old token after a create')).ids, second.ids)

  // An injected batch (the control plane) likewise.
  const injected = await app.inject({ method: 'POST', url: '/_mock/batches', payload: { id: 'bat-injected', project_id: A, files: 2 } })
  t.equal(injected.statusCode, 200)
  t.same((await checkPage(t, app, q, 'key-a', 'after an inject')).ids, ['bat-injected', newId, 'bat-11'])

  // A reset brings the scenario's world back: the page is the first one again, as at the start.
  t.equal((await app.inject({ method: 'POST', url: '/_mock/reset' })).statusCode, 200)
  t.same((await checkPage(t, app, q, 'key-a', 'after a reset')).ids, first.ids)
})

t.test('tenants polling the same list URL each see their own page', async (t) => {
  const app = await build(t, { scenario: world() })
  for (let round = 0; round < 3; round++) {
    const a = await checkPage(t, app, 'page_size=4', 'key-a', `key-a, round ${round}`)
    const b = await checkPage(t, app, 'page_size=4', 'key-b', `key-b, round ${round}`)
    t.same(a.ids, ['bat-11', 'bat-10', 'bat-08', 'bat-07'])
    t.same(b.ids, ['bat-09', 'bat-06', 'bat-03', 'bat-00'])
    // Another project's token is refused, however often the page was read.
    const stolen = await raw(app, `/api/v2/batches?page_size=4&page_token=${a.token}`, 'key-b')
    t.equal(stolen.status, 422, "another tenant's token is refused")
    await advance(app, 8000)
  }
})

t.test('many distinct list queries keep memory bounded and answers right', async (t) => {
  const app = await build(t, { scenario: world() })
  // More queries than the page cache keeps (LIST_CACHE_PAGES): it is cleared, answers stay right.
  for (let i = 0; i < 300; i++) {
    const size = 1 + (i % 12)
    const res = await raw(app, `/api/v2/batches?page_size=${size}&created_at_on_or_before=${new Date(START_MS - (i % 7) * 500).toISOString()}`, 'key-a')
    t.equal(res.status, 200)
    if (i % 50 === 0) await checkPage(t, app, `page_size=${size}`, 'key-a', `query ${i}`)
  }
  t.same((JSON.parse((await raw(app, '/api/v2/batches?page_size=12', 'key-a')).body) as { items: unknown[] }).items.length, 8, "all 8 of key-a's batches")
})

/**
 * Each request sent to both mocks alike (with the fast path, and without): each one's status and
 * body. Over node:http with kept-alive connections (fetch costs about twice the CPU a request).
 */
function toBoth(t: Test, fast: { port: number }, slow: { port: number }) {
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const send = (port: number, method: string, path: string, body?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const headers = { ...AUTH, 'content-length': Buffer.byteLength(body ?? ''), ...(body !== undefined && { 'content-type': 'application/json' }) }
      const req = request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve(`${res.statusCode} ${text}`))
      })
      req.on('error', reject)
      req.end(body)
    })
  return async (method: 'GET' | 'POST', path: string, body?: object): Promise<string[]> => {
    const text = body && JSON.stringify(body)
    return Promise.all([send(fast.port, method, path, text), send(slow.port, method, path, text)])
  }
}

/** mulberry32: a seeded sequence of integers below `n`, the same on every run. */
function seeded(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), seed | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) % n
  }
}

// The fast path answers a plain list page from its kept bytes without building it while the store
// is unchanged and the clock has not reached the next step of any of its batches. Two mocks get
// the same random clock moves (0, 1 ms, a step's worth, seconds), creates and cancels: the one
// with the fast path must answer every page as the one without it builds it afresh.
t.test('a plain list page kept between steps is what the route builds, through random moves', async (t) => {
  const options = {
    clock: 'manual' as const,
    startTime: new Date(START_MS).toISOString(),
    scenario: scenario(
      Array.from({ length: 8 }, (_, i) => ({
        id: `bat-${i}`,
        created_at: new Date(START_MS - (8 - i) * 700).toISOString(),
        files: 3 + i,
        timeline: { pending_ms: 200 * i, running_ms: 900 + 370 * i }
      })),
      { defaults: { cancel_delay_ms: 150 } }
    )
  }
  const [fast, slow] = await Promise.all([startMock(options), startMock({ ...options, fastPath: false })])
  t.teardown(() => Promise.all([fast.close(), slow.close()]))
  const both = toBoth(t, fast, slow)
  const random = seeded(7)
  const moves = [0, 0, 1, 1, 7, 61, 333, 1200]
  let same = 0
  for (let i = 0; i < 300; i++) {
    const roll = random(20)
    if (roll === 0) await both('POST', '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' })
    else if (roll === 1) await both('POST', `/api/v2/batches/bat-${random(8)}/cancel`)
    else {
      const ms = moves[random(moves.length)] as number
      fast.clock.advance(ms)
      slow.clock.advance(ms)
    }
    for (const query of ['', '?page_size=4']) {
      const [kept, built] = await both('GET', `/api/v2/batches${query}`)
      const [again] = await both('GET', `/api/v2/batches${query}`)
      if (kept !== built || again !== built) {
        t.fail(`step ${i}, list${query}: the kept page differs from the built one`)
        return
      }
      same++
    }
  }
  t.equal(same, 600, '600 pages, each the bytes the route builds')
})

// The same comparison under what moves a page without a create or a cancel of its own: a running
// cap (waiting batches handed their slots, cancels moving others' planned starts), batches that
// progress by polls or at once (GETs of each), compat mode (unknown ids read and cancelled),
// `/_mock/batches` injects, `/_mock/clock/set`, a scenario swap to a world of as many batches,
// and a reset.
t.test('a plain list page kept between steps follows caps, polls, compat, injects, swaps and resets', async (t) => {
  const specs = (tag: string) =>
    Array.from({ length: 8 }, (_, i) => ({
      id: `bat-${tag}${i}`,
      created_at: new Date(START_MS - (8 - i) * 700).toISOString(),
      files: 2 + i,
      timeline: { pending_ms: 150 * i, running_ms: 700 + 310 * i },
      // The oldest two (the end of the plain page, off the first page of 3) progress otherwise.
      ...(i === 0 && { progression: 'polls' as const, polls_per_step: 2 }),
      ...(i === 1 && { progression: 'immediate' as const })
    }))
  const variants = [
    { name: 'running cap', mode: 'realistic' as const, defaults: { cancel_delay_ms: 150, max_running_per_project: 2 } },
    { name: 'compat', mode: 'compat' as const, defaults: { cancel_delay_ms: 0 } },
    { name: 'compat under a cap', mode: 'compat' as const, defaults: { cancel_delay_ms: 90, max_running_per_project: 1 } }
  ]
  for (const variant of variants) {
    const options = { clock: 'manual' as const, mode: variant.mode, startTime: new Date(START_MS).toISOString(), scenario: scenario(specs('a'), { defaults: variant.defaults }) }
    const [fast, slow] = await Promise.all([startMock(options), startMock({ ...options, fastPath: false })])
    t.teardown(() => Promise.all([fast.close(), slow.close()]))
    const both = toBoth(t, fast, slow)
    const random = seeded(11)
    const moves = [0, 1, 7, 61, 333, 1200]
    let now = START_MS
    let tag = 'a'
    let same = 0
    let failed = false
    const done = new Set<string>()
    for (let i = 0; i < 150 && !failed; i++) {
      const roll = random(24)
      const id = `bat-${tag}${random(8)}`
      const op = async (kind: string, method: 'GET' | 'POST', path: string, body?: object) => {
        const [a, b] = await both(method, path, body)
        if (a !== b) t.fail(`${variant.name}, step ${i}: ${kind} answered differently`, { a, b })
        if (a?.startsWith('200 ')) done.add(kind)
      }
      if (roll === 0) await both('POST', '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-x' })
      else if (roll <= 2) await op('cancel', 'POST', `/api/v2/batches/${id}/cancel`)
      else if (roll <= 5) await both('GET', `/api/v2/batches/${random(3) === 0 ? `bat-unknown${random(4)}` : id}`)
      else if (roll === 6) await both('POST', `/api/v2/batches/bat-unknown${random(4)}/cancel`)
      else if (roll === 7) await op('inject', 'POST', '/_mock/batches', { id: `bat-inj${i}`, files: 1 + random(4), timeline: { pending_ms: random(500), running_ms: 200 + random(900) }, ...(random(8) === 0 && { progression: 'polls' }) })
      else if (roll === 8) {
        now += random(900)
        await op('clock set', 'POST', '/_mock/clock/set', { now: new Date(now).toISOString() })
      } else if (roll === 9) {
        tag = tag === 'a' ? 'b' : 'a'
        now = START_MS
        await op('swap', 'POST', '/_mock/scenario', { scenario: scenario(specs(tag), { defaults: variant.defaults }) })
      } else if (roll === 10) {
        now = START_MS
        await op('reset', 'POST', '/_mock/reset')
      } else {
        const ms = moves[random(moves.length)] as number
        now += ms
        fast.clock.advance(ms)
        slow.clock.advance(ms)
      }
      for (const query of ['', '?page_size=3']) {
        const [kept, built] = await both('GET', `/api/v2/batches${query}`)
        const [again] = await both('GET', `/api/v2/batches${query}`)
        if (kept !== built || again !== built) {
          t.fail(`${variant.name}, step ${i} (roll ${roll}), list${query}: the kept page differs from the built one`, { kept, built, again })
          failed = true
          break
        }
        same++
      }
    }
    t.equal(same, 300, `${variant.name}: 300 pages, each the bytes the route builds`)
    t.same([...done].sort(), ['cancel', 'clock set', 'inject', 'reset', 'swap'], `${variant.name}: each kind of change was made`)
  }
})
