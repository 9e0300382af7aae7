import t, { type Test } from 'tap'
import { createHmac } from 'node:crypto'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import LlamaCloud from '@llamaindex/llama-cloud'
import { startMock, type RunningMock, type StartOptions } from '../../src/index.js'
import type { Scenario } from '../../src/schemas/scenario.js'
import { rejectsAs, START } from '../helper.js'

// Webhook delivery end to end: a receiver on 127.0.0.1 (port 0) shared by every subtest,
// each subtest on its own path, and mocks that post to it for real.

interface Received {
  path: string
  headers: IncomingHttpHeaders
  raw: Buffer
}

/** A receiver: records every request; `plan(path, [500, ...])` answers those statuses first; `hold(path)` never answers. */
async function receiver(t: Test) {
  const got: Received[] = []
  const plans = new Map<string, number[]>()
  const held = new Set<string>()
  const hanging: ServerResponse[] = []
  const listeners: (() => void)[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? ''
      got.push({ path, headers: req.headers, raw: Buffer.concat(chunks) })
      for (const l of listeners.splice(0)) l()
      if (held.has(path)) return void hanging.push(res)
      res.writeHead(plans.get(path)?.shift() ?? 200).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const res of hanging) res.destroy()
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const port = (server.address() as { port: number }).port
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    at: (path: string) => got.filter((r) => r.path === path),
    under: (prefix: string) => got.filter((r) => r.path.startsWith(prefix)),
    plan: (path: string, statuses: number[]) => void plans.set(path, statuses),
    hold: (path: string) => void held.add(path),
    /** Resolves once `path` has had `n` requests; fails after `ms` of wall time. */
    until: async (path: string, n: number, ms = 10_000) => {
      const deadline = Date.now() + ms
      while (got.filter((r) => r.path === path).length < n) {
        if (Date.now() > deadline) throw new Error(`${path}: ${got.filter((r) => r.path === path).length} of ${n} requests in ${ms} ms`)
        await new Promise<void>((resolve) => {
          listeners.push(resolve)
          setTimeout(resolve, 50).unref()
        })
      }
    }
  }
}

const hooksScenario = (extra: Partial<Scenario> = {}): Scenario => ({
  name: 'hooks',
  seed: 7,
  start_time: START,
  defaults: { timeline: { pending_ms: 1000, throttled_ms: 0, running_ms: 4000 }, cancel_delay_ms: 500, directory_files: { min: 2, max: 2 }, webhooks: { retry_backoff_ms: [10, 20] }, ...extra.defaults },
  ...(extra.batches && { batches: extra.batches })
})

async function mockFor(t: Test, opts: StartOptions = {}): Promise<RunningMock> {
  const mock = await startMock({ clock: 'manual', scenario: hooksScenario(), ...opts })
  t.teardown(() => mock.close())
  return mock
}

const AUTH = { authorization: 'Bearer test-key', 'content-type': 'application/json' }
const CONFIG = { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }

async function call(mock: RunningMock, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(mock.url + path, { method, headers: AUTH, ...(body !== undefined && { body: JSON.stringify(body) }) })
  const text = await res.text()
  return { status: res.status, body: text === '' ? null : JSON.parse(text) }
}

const create = (mock: RunningMock, hooks: object[], extra: object = {}) => call(mock, 'POST', '/api/v2/batches', { config: CONFIG, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', webhook_configurations: hooks, ...extra })
/** Waits (bounded) until the mock has journaled `n` attempts. */
async function journaled(mock: RunningMock, n: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while (mock.webhooks.deliveries().length < n) {
    if (Date.now() > deadline) throw new Error(`${mock.webhooks.deliveries().length} of ${n} attempts journaled`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const advance = (mock: RunningMock, ms: number) => call(mock, 'POST', '/_mock/clock/advance', { ms })
const flush = (mock: RunningMock) => call(mock, 'POST', '/_mock/webhooks/flush')

/** The envelope a request carried, whichever format it was sent in. */
function envelopeOf(r: Received, format: 'json' | 'string'): any {
  const outer = JSON.parse(r.raw.toString('utf8'))
  if (format === 'json') return outer
  if (typeof outer !== 'string') throw new Error('a string-format body is a JSON string')
  return JSON.parse(outer)
}

t.test('webhooks', async (t) => {
  const rx = await receiver(t)
  const mock = await mockFor(t)

  for (const [format, secret] of [['string', null], ['json', null], ['string', 'shh-1'], ['json', 'shh-2']] as const) {
    t.test(`the full lifecycle, format ${format}, ${secret ? 'signed' : 'unsigned'}`, async (t) => {
      const path = `/life-${format}-${secret ?? 'none'}`
      const created = await create(mock, [{ webhook_url: rx.url(path), webhook_output_format: format === 'string' ? null : format, webhook_signing_secret: secret, webhook_headers: { 'X-Team': 'a' } }])
      t.equal(created.status, 200)
      t.equal((await flush(mock)).status, 200)
      const seen = [created.body]
      await advance(mock, 1000)
      seen.push((await call(mock, 'GET', `/api/v2/batches/${created.body.id}`)).body)
      await flush(mock) // one at a time: with several in flight, arrival order is not guaranteed
      await advance(mock, 4000)
      seen.push((await call(mock, 'GET', `/api/v2/batches/${created.body.id}`)).body)
      t.same((await flush(mock)).body, { queued: 0, in_flight: 0, retrying: 0 })
      const got = rx.at(path)
      t.same(got.map((r) => r.headers['x-webhook-event-type']), ['batch.pending', 'batch.running', 'batch.success'])
      for (const [i, r] of got.entries()) {
        const envelope = envelopeOf(r, format)
        t.same(Object.keys(envelope), ['event_id', 'event_type', 'timestamp', 'data'])
        t.same(envelope.data, seen[i], `data is the batch as a GET showed it (${seen[i].status})`)
        t.equal(envelope.timestamp, Date.parse(seen[i].updated_at) / 1000, 'timestamp: unix seconds of the transition')
        t.match(format === 'json' ? r.raw.toString() : JSON.parse(r.raw.toString()), /"timestamp":\d+\.\d+,/, 'written as a float')
        t.equal(r.headers['x-webhook-event-id'], envelope.event_id)
        t.equal(r.headers['x-webhook-event-type'], envelope.event_type)
        t.equal(r.headers['content-type'], 'application/json')
        t.equal(r.headers['user-agent'], 'llamaindex-webhook-service/1.0')
        t.equal(r.headers['x-team'], 'a', "the configuration's headers")
        if (secret === null) t.notOk(r.headers['lc-signature'], 'no secret, no signature')
        else t.equal(r.headers['lc-signature'], `sha256=${createHmac('sha256', secret).update(r.raw).digest('hex')}`, 'HMAC-SHA256 over the raw bytes')
      }
      t.equal(new Set(got.map((r) => r.headers['x-webhook-event-id'])).size, 3, 'one event id per event')
    })
  }

  t.test('webhook_events filters what is sent', async (t) => {
    const created = await create(mock, [
      { webhook_url: rx.url('/only-success'), webhook_events: ['batch.success'] },
      { webhook_url: rx.url('/all'), webhook_events: null }
    ])
    await advance(mock, 5000)
    await flush(mock)
    t.same(rx.at('/only-success').map((r) => envelopeOf(r, 'string').event_type), ['batch.success'])
    t.same(rx.at('/all').map((r) => envelopeOf(r, 'string').data.status).sort(), ['COMPLETED', 'PENDING', 'RUNNING'])
    const journal = (await call(mock, 'GET', `/_mock/webhooks?batch_id=${created.body.id}&event_type=batch.success`)).body
    t.equal(journal.count, 2, 'the journal filters by batch and event type')
  })

  t.test('saved configurations through the official SDK', async (t) => {
    const client = new LlamaCloud({ apiKey: 'test-key', baseURL: mock.url, maxRetries: 0 })
    const saved = await client.webhookConfigs.create({ webhook_url: rx.url('/saved'), webhook_output_format: 'json', webhook_signing_secret: 'saved-secret', webhook_events: ['batch.pending', 'batch.success'] })
    t.match(saved.id, /^whc-[0-9a-f-]{36}$/)
    t.equal(saved.has_secret, true)
    t.notOk('webhook_signing_secret' in saved, 'the secret is write-only')
    t.equal(saved.tenant_type, 'project')
    const other = await client.webhookConfigs.create({ webhook_url: rx.url('/saved-2') })
    t.same((await client.webhookConfigs.list()).map((c) => c.id), [other.id, saved.id], 'newest first')
    t.equal((await client.webhookConfigs.retrieve(saved.id)).webhook_url, rx.url('/saved'))
    const updated = await client.webhookConfigs.update(saved.id, { webhook_events: ['batch.running'] })
    t.same(updated.webhook_events, ['batch.running'])
    t.equal(updated.webhook_output_format, 'json', 'fields not sent stay')
    t.equal(updated.has_secret, true)
    const batch = await client.batches.create({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', webhook_configuration_ids: [saved.id, saved.id] })
    await advance(mock, 5000)
    await mock.webhooks.flush()
    const got = rx.at('/saved')
    t.same(got.map((r) => JSON.parse(r.raw.toString()).event_type), ['batch.running'], 'the saved filter, as updated; an id named twice sends once')
    t.equal(got[0]?.headers['lc-signature'], `sha256=${createHmac('sha256', 'saved-secret').update(got[0]!.raw).digest('hex')}`)
    t.equal(JSON.parse(got[0]!.raw.toString()).data.id, batch.id)
    await client.webhookConfigs.delete(other.id)
    await rejectsAs(t, client.webhookConfigs.retrieve(other.id), LlamaCloud.NotFoundError)
    const unknown = await client.batches.create({ config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir-1', webhook_configuration_ids: [saved.id, other.id] }).catch((e: unknown) => e)
    t.type(unknown, LlamaCloud.UnprocessableEntityError)
    t.same((unknown as { error: { detail: { loc: unknown[] }[] } }).error.detail[0]?.loc, ['body', 'webhook_configuration_ids', 1], 'the unknown id, by its index')
  })

  t.test('a 500 is retried with backoff; every attempt is journaled', async (t) => {
    rx.plan('/flaky', [500])
    const created = await create(mock, [{ webhook_url: rx.url('/flaky'), webhook_events: ['batch.pending'] }])
    await flush(mock)
    t.equal(rx.at('/flaky').length, 2)
    const attempts = (await call(mock, 'GET', `/_mock/webhooks?batch_id=${created.body.id}`)).body.deliveries
    t.same(attempts.map((d: any) => [d.attempt, d.outcome, d.status]), [[1, 'retrying', 500], [2, 'delivered', 200]])
    t.equal(attempts[0].delivery_id, attempts[1].delivery_id, 'one delivery, two attempts')
    t.equal(attempts[0].request.body, rx.at('/flaky')[0]!.raw.toString(), 'the journal shows the body sent')
    t.equal((await call(mock, 'GET', `/_mock/webhooks?batch_id=${created.body.id}&status=500`)).body.count, 1, 'filter by status')
    // `since`, as httpx writes a naive datetime (no offset: UTC), as unix seconds, and refused when it is neither.
    const retried = attempts[1].finished_at as string
    const since = async (value: string) => call(mock, 'GET', `/_mock/webhooks?batch_id=${created.body.id}&since=${encodeURIComponent(value)}`)
    t.same((await since(retried.slice(0, -1))).body.deliveries.map((d: any) => d.attempt), [2], 'since a naive datetime: the retry only (it waited its backoff)')
    t.same((await since(String(Date.parse(retried) / 1000))).body.deliveries.map((d: any) => d.attempt), [2], 'since unix seconds')
    t.equal((await since('2999-01-01T00:00:00')).body.count, 0, 'since the future: none')
    const bad = await since('yesterday')
    t.equal(bad.status, 422)
    t.same(bad.body.detail[0].loc, ['query', 'since'])
    rx.plan('/down', [503, 503, 503])
    const failed = await create(mock, [{ webhook_url: rx.url('/down'), webhook_events: ['batch.pending'] }])
    await flush(mock)
    t.same((await call(mock, 'GET', `/_mock/webhooks?batch_id=${failed.body.id}`)).body.deliveries.map((d: any) => d.outcome), ['retrying', 'retrying', 'failed'], '3 attempts in all')
    const lastTwo = (await call(mock, 'GET', `/_mock/webhooks?batch_id=${failed.body.id}&last=2`)).body
    t.same([lastTwo.deliveries.map((d: any) => d.attempt), lastTwo.count], [[2, 3], 2], '?last=N: the newest N matching, oldest first')
    t.equal((await call(mock, 'GET', `/_mock/webhooks?batch_id=${failed.body.id}&last=99`)).body.count, 3)
    t.equal((await call(mock, 'GET', '/_mock/webhooks?last=0')).status, 422)
    t.same(mock.webhooks.deliveries({ batch_id: failed.body.id, last: 2 }).map((d) => d.attempt), [2, 3], 'the library takes last too')
  })

  t.test('a cancel sends batch.cancelled', async (t) => {
    const created = await create(mock, [{ webhook_url: rx.url('/cancel') }])
    await advance(mock, 1500)
    await flush(mock)
    t.equal((await call(mock, 'POST', `/api/v2/batches/${created.body.id}/cancel`)).status, 200)
    await advance(mock, 500)
    await flush(mock)
    const got = rx.at('/cancel').map((r) => envelopeOf(r, 'string'))
    t.same(got.map((e) => e.event_type), ['batch.pending', 'batch.running', 'batch.cancelled'])
    t.equal(got[2].data.status, 'CANCELLED')
  })

  t.test('under a running cap, data is the batch as a GET shows it: a waiting batch sends batch.running when its slot comes', async (t) => {
    // Cap 1, no cancel delay: a runs 1 s → 5 s; b waits (THROTTLED, nothing sent) and runs 5 s → 9 s;
    // c waits and is cancelled while waiting, CANCELLED at once.
    const capped = await mockFor(t, { scenario: hooksScenario({ defaults: { max_running_per_project: 1, cancel_delay_ms: 0, timeline: { pending_ms: 1000, throttled_ms: 0, running_ms: 4000 } } }) })
    const ids: string[] = []
    for (const name of ['a', 'b', 'c']) ids.push((await create(capped, [{ webhook_url: rx.url(`/cap-${name}`), webhook_output_format: 'json' }])).body.id)
    await advance(capped, 2000)
    const gets: Record<string, unknown>[] = []
    const read = async (id: string) => gets.push((await call(capped, 'GET', `/api/v2/batches/${id}`)).body)
    await read(ids[1] as string)
    t.equal((await call(capped, 'POST', `/api/v2/batches/${ids[2] as string}/cancel`)).body.status, 'CANCELLED')
    await read(ids[2] as string)
    await advance(capped, 4000)
    await read(ids[1] as string)
    await advance(capped, 4000)
    await read(ids[1] as string)
    await read(ids[0] as string)
    t.same((await flush(capped)).body, { queued: 0, in_flight: 0, retrying: 0 })
    const sent = (name: string) => rx.at(`/cap-${name}`).map((r) => envelopeOf(r, 'json'))
    t.same(sent('b').map((e) => e.event_type), ['batch.pending', 'batch.running', 'batch.success'], 'THROTTLED sends nothing')
    t.same(sent('c').map((e) => e.event_type), ['batch.pending', 'batch.cancelled'])
    for (const e of [...sent('a'), ...sent('b'), ...sent('c')]) t.equal(e.timestamp, Date.parse(e.data.updated_at) / 1000, `${e.event_type} of ${e.data.id}: timestamp is its data's updated_at`)
    t.same(gets.map((g) => g.status), ['THROTTLED', 'CANCELLED', 'RUNNING', 'COMPLETED', 'COMPLETED'])
    t.same(sent('b')[1].data, gets[2], "b's batch.running: as a GET showed it while it ran")
    t.equal(Date.parse(sent('b')[1].data.updated_at), Date.parse(sent('a')[2].data.updated_at), "b starts when a's run ends")
    t.same(sent('b')[2].data, gets[3], "b's batch.success: as a GET shows it")
    t.same(sent('c')[1].data, gets[1], "c's batch.cancelled: as a GET shows it")
  })

  t.test('a batch that progresses by polls sends on the GET that moves it', async (t) => {
    const injected = await call(mock, 'POST', '/_mock/batches', { files: 1, progression: 'polls', webhook_configurations: [{ webhook_url: rx.url('/polls'), webhook_output_format: 'json' }] })
    t.equal(injected.status, 200)
    await flush(mock)
    t.equal(rx.at('/polls').length, 1, 'pending at inject')
    const shown: string[] = []
    for (let i = 0; i < 3; i++) {
      shown.push((await call(mock, 'GET', `/api/v2/batches/${injected.body.id}`)).body.status)
      await flush(mock)
    }
    t.same(shown, ['PENDING', 'RUNNING', 'COMPLETED'])
    t.same(rx.at('/polls').map((r) => JSON.parse(r.raw.toString()).data.status), ['PENDING', 'RUNNING', 'COMPLETED'])
    for (const e of rx.at('/polls').map((r) => JSON.parse(r.raw.toString()))) t.equal(e.timestamp, Date.parse(e.data.updated_at) / 1000, `${e.event_type}: timestamp is the transition the data shows`)
  })

  t.test('an immediate batch sends every event at once', async (t) => {
    const injected = await call(mock, 'POST', '/_mock/batches', { files: 1, progression: 'immediate', outcome: 'FAILED', webhook_configurations: [{ webhook_url: rx.url('/immediate'), webhook_output_format: 'json' }] })
    await flush(mock)
    const got = rx.at('/immediate').map((r) => JSON.parse(r.raw.toString()))
    t.same(got.map((e) => [e.event_type, e.data.status]).sort(), [['batch.error', 'FAILED'], ['batch.pending', 'PENDING'], ['batch.running', 'RUNNING']])
    t.equal(got.find((e) => e.event_type === 'batch.error').data.updated_at, (await call(mock, 'GET', `/api/v2/batches/${injected.body.id}`)).body.updated_at)
    for (const e of got) t.equal(e.timestamp, Date.parse(e.data.updated_at) / 1000, `${e.event_type}: timestamp is the transition the data shows`)
  })

  t.test('scenario batches carry webhook configurations; what happened before start is not sent', async (t) => {
    const withHooks = await mockFor(t, { scenario: hooksScenario({ batches: [{ id: 'bat-scn', files: 1, webhook_configurations: [{ webhook_url: rx.url('/scenario'), webhook_output_format: 'json' }] }] }) })
    await advance(withHooks, 5000)
    await withHooks.webhooks.flush()
    t.same(rx.at('/scenario').map((r) => JSON.parse(r.raw.toString()).event_type).sort(), ['batch.running', 'batch.success'])
  })

  t.test('clock set sends what fell due, in due order; THROTTLED sends nothing', async (t) => {
    const one = await mockFor(t, { webhooks: { concurrency: 1 }, scenario: hooksScenario({ defaults: { max_running_per_project: 1 } }) })
    const a = (await create(one, [{ webhook_url: rx.url('/order') }])).body
    await advance(one, 500)
    const b = (await create(one, [{ webhook_url: rx.url('/order') }])).body
    await one.webhooks.flush()
    t.equal((await call(one, 'POST', '/_mock/clock/set', { now: '2026-01-01T00:01:00.000Z' })).status, 200)
    await one.webhooks.flush()
    const seen = rx.at('/order').map((r) => envelopeOf(r, 'string')).map((e) => `${e.data.id === a.id ? 'a' : e.data.id === b.id ? 'b' : '?'} ${e.event_type}`)
    t.same(seen, ['a batch.pending', 'b batch.pending', 'a batch.running', 'a batch.success', 'b batch.running', 'b batch.success'], 'b waits THROTTLED for the one slot, and says nothing until it runs')
  })

  t.test('an attempt that gets no answer in time is a timeout, journaled', async (t) => {
    const impatient = await mockFor(t, { webhooks: { timeoutMs: 50 }, scenario: hooksScenario({ defaults: { webhooks: { max_attempts: 1 } } }) })
    rx.hold('/silent')
    await create(impatient, [{ webhook_url: rx.url('/silent'), webhook_events: ['batch.pending'] }])
    await impatient.webhooks.flush()
    t.match(impatient.webhooks.deliveries(), [{ outcome: 'failed', status: null, error: /timeout: no answer in 50 ms/ }])
  })

  t.test('the delivery journal: cleared by DELETE, behind the admin token when one is set', async (t) => {
    const guarded = await mockFor(t, { adminToken: 'adm' })
    await create(guarded, [{ webhook_url: rx.url('/guarded'), webhook_events: ['batch.pending'] }])
    await guarded.webhooks.flush()
    t.equal((await fetch(`${guarded.url}/_mock/webhooks`)).status, 401)
    t.equal((await fetch(`${guarded.url}/_mock/webhooks/flush`, { method: 'POST' })).status, 401)
    const admin = { authorization: 'Bearer adm' }
    t.equal(((await (await fetch(`${guarded.url}/_mock/webhooks`, { headers: admin })).json()) as { count: number }).count, 1)
    t.equal((await fetch(`${guarded.url}/_mock/webhooks`, { method: 'DELETE', headers: admin })).status, 204)
    t.equal(guarded.webhooks.deliveries().length, 0)
    const ring = await mockFor(t, { webhooks: { journalSize: 2 } })
    const made = await create(ring, [{ webhook_url: rx.url('/ring') }])
    await advance(ring, 5000)
    await ring.webhooks.flush()
    const kept = (await call(ring, 'GET', '/_mock/webhooks')).body
    t.same([kept.count, kept.capacity, kept.total], [2, 2, 3], 'a ring: the newest kept, every attempt counted')
    t.same(kept.deliveries.map((d: any) => [d.batch_id, d.event_type]).sort(), [[made.body.id, 'batch.running'], [made.body.id, 'batch.success']], 'the two sent last (in either order: both were in flight at once)')
    // Bounded by bytes too: entries keep bodies and headers, so a big journalSize alone could hold gigabytes.
    const small = await mockFor(t, { webhooks: { journalSize: 100, journalBytes: 1 } })
    await create(small, [{ webhook_url: rx.url('/small') }])
    await advance(small, 5000)
    await small.webhooks.flush()
    const few = (await call(small, 'GET', '/_mock/webhooks')).body
    t.same([few.count, few.capacity, few.total], [1, 100, 3], 'past the bytes only the newest is kept; every attempt counted')
  })

  t.test('safe by default: only loopback URLs, unless allowed', async (t) => {
    for (const url of ['https://example.com/hook', 'ftp://127.0.0.1/x', 'not a url', 'http://10.0.0.1/x']) {
      const r = await create(mock, [{ webhook_url: url }])
      t.equal(r.status, 422, url)
      t.same(r.body.detail[0].loc, ['body', 'webhook_configurations', 0, 'webhook_url'])
    }
    // Decided on the literal as fetch reads it: loopback however it is spelled, nothing that only looks like it.
    for (const url of ['http://[::ffff:10.0.0.1]/x', 'http://127.0.0.1@evil.com/x', 'http://localhost./x', 'http://localhost.evil.com/x', 'http://127.0.0.1.evil.com/x', 'http://0.0.0.0/x', 'http://[::]/x', 'http://[::ffff:7f00:1]@evil.com/x']) {
      t.equal((await create(mock, [{ webhook_url: url }])).status, 422, url)
    }
    for (const url of ['http://0x7f.1:9/x', 'http://2130706433:9/x', 'http://127.1:9/x', 'http://LOCALHOST:9/x', 'http://[::ffff:127.0.0.1]:9/x', 'http://[0:0:0:0:0:0:0:1]:9/x']) {
      t.equal((await create(mock, [{ webhook_url: url, webhook_events: ['batch.success'] }])).status, 200, url)
    }
    t.equal((await create(mock, [{ webhook_url: 'http://localhost:9/x', webhook_events: ['batch.success'] }])).status, 200, 'localhost is loopback')
    t.equal((await create(mock, [{ webhook_url: 'http://[::1]:9/x', webhook_events: ['batch.success'] }])).status, 200, '::1 too')
    t.equal((await call(mock, 'POST', '/api/v1/beta/webhook-configs', { webhook_url: 'https://hooks.example.com/x' })).status, 422, 'saved ones too')
    const open = await mockFor(t, { webhooks: { allowHosts: ['hooks.example.com'] } })
    t.equal((await call(open, 'POST', '/api/v1/beta/webhook-configs', { webhook_url: 'https://hooks.example.com/x' })).status, 200, 'an allowed host')
    const spelled = await mockFor(t, { webhooks: { allowHosts: ['Hooks.Example.COM', '2001:DB8::0:1', '[fd00::0001]', '10.1'] } })
    for (const url of ['https://hooks.example.com/x', 'http://[2001:db8::1]/x', 'http://[fd00::1]:8080/x', 'http://10.0.0.1/x']) {
      t.equal((await call(spelled, 'POST', '/api/v1/beta/webhook-configs', { webhook_url: url })).status, 200, `allowed however it is spelled: ${url}`)
    }
    t.equal((await call(spelled, 'POST', '/api/v1/beta/webhook-configs', { webhook_url: 'http://[2001:db8::2]/x' })).status, 422, 'only those')
    t.equal((await create(mock, [{ webhook_url: rx.url('/h'), webhook_headers: { 'bad name': 'x' } }])).status, 422, 'a header fetch cannot send')
    const userinfo = await create(mock, [{ webhook_url: rx.url('/h').replace('http://', 'http://user:pw@') }])
    t.match([userinfo.status, userinfo.body.detail?.[0]?.msg], [422, /webhook_url must be a URL without user:password@/], 'credentials in the URL, which fetch will not send')
    const euro = await create(mock, [{ webhook_url: rx.url('/h'), webhook_headers: { 'X-Price': '5 €' } }])
    t.same([euro.status, euro.body.detail?.[0]?.loc], [422, ['body', 'webhook_configurations', 0, 'webhook_headers', 'X-Price']], 'a value fetch cannot send')
    await create(mock, [{ webhook_url: rx.url('/latin1'), webhook_headers: { 'X-Name': 'Café Müller' }, webhook_events: ['batch.pending'] }])
    await flush(mock)
    t.equal(rx.at('/latin1')[0]?.headers['x-name'], 'Café Müller', 'a Latin-1 value arrives as given')
    const proto = await call(mock, 'POST', '/api/v2/batches', JSON.parse(`{"config":${JSON.stringify(CONFIG)},"source_directory_id":"d","webhook_configurations":[{"webhook_url":"${rx.url('/proto')}","webhook_events":["batch.pending"],"webhook_headers":{"constructor":"c","__proto__":"p"}}]}`))
    t.same([proto.status, proto.body.detail?.[0]?.loc], [422, ['body', 'webhook_configurations', 0, 'webhook_headers', '__proto__']], 'a header fetch would silently drop')
  })

  t.test('localhost is sent to a loopback address, never to what a resolver says', async (t) => {
    const port = Number(new URL(rx.url('/')).port)
    await create(mock, [{ webhook_url: `http://localhost:${port}/by-name`, webhook_events: ['batch.pending'] }])
    await flush(mock)
    t.equal(rx.at('/by-name')[0]?.headers.host, `localhost:${port}`, 'reached on 127.0.0.1 (where rx listens); Host is what the URL names, as any client sends it')
    // A receiver listening on ::1 only (what `listen(port, 'localhost')` gives on many hosts) is reached too.
    const v6 = createServer((req, res) => {
      v6got.push(`${req.headers.host} ${req.url}`)
      res.end('ok')
    })
    const v6got: string[] = []
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve))
    t.teardown(() => {
      v6.closeAllConnections()
      return new Promise<void>((resolve) => v6.close(() => resolve()))
    })
    const v6port = (v6.address() as { port: number }).port
    const created = await create(mock, [{ webhook_url: `http://localhost:${v6port}/v6`, webhook_events: ['batch.pending'] }])
    await flush(mock)
    t.same(v6got, [`localhost:${v6port} /v6`])
    t.match(mock.webhooks.deliveries({ batch_id: created.body.id }), [{ outcome: 'delivered', status: 200 }])
  })

  t.test('the delivery bounds are checked when the mock starts', async (t) => {
    for (const webhooks of [{ concurrency: 0 }, { queueSize: -1 }, { journalSize: 0 }, { journalBytes: 0 }, { journalBytes: 2 ** 31 }, { timeoutMs: 1.5 }, { concurrency: 1e9 }, { timeoutMs: Number.POSITIVE_INFINITY }]) {
      await t.rejects(startMock({ clock: 'manual', scenario: hooksScenario(), webhooks }), { name: 'RangeError', message: new RegExp(`^webhooks\\.${Object.keys(webhooks)[0]} must be an integer from 1 to`) }, JSON.stringify(webhooks))
    }
    // A flush with a wait setTimeout cannot keep would give up after 1 ms.
    for (const wait of [Number.POSITIVE_INFINITY, Number.NaN, -1, 2 ** 31]) await t.rejects(mock.webhooks.flush(wait), RangeError, `flush(${wait})`)
  })

  t.test('the queue is bounded: overflow is dropped and journaled', async (t) => {
    const small = await mockFor(t, { webhooks: { queueSize: 2, concurrency: 1 } })
    rx.hold('/slow')
    const created = await create(small, [1, 2, 3, 4, 5].map(() => ({ webhook_url: rx.url('/slow'), webhook_events: ['batch.pending'] })))
    const journal = (await call(small, 'GET', `/_mock/webhooks?outcome=dropped`)).body
    t.equal(journal.count, 2, 'one in flight, two queued, two dropped')
    t.match(journal.deliveries[0].error, /queue is full \(2\)/)
    t.equal(journal.deliveries[0].batch_id, created.body.id)
    const stuck = await call(small, 'POST', '/_mock/webhooks/flush?timeout_ms=50')
    t.equal(stuck.status, 408, 'a bounded flush says what is still pending')
    t.same([stuck.body.in_flight, stuck.body.queued], [1, 2])
    t.match(stuck.body.detail, /still pending/)
  })

  t.test('reset clears the queue, the journal and saved configurations', async (t) => {
    const other = await mockFor(t, { scenario: hooksScenario({ defaults: { webhooks: { retry_backoff_ms: [60_000] } } }) })
    rx.plan('/reset', [500])
    await call(other, 'POST', '/api/v1/beta/webhook-configs', { webhook_url: rx.url('/reset') })
    await create(other, [{ webhook_url: rx.url('/reset') }])
    await journaled(other, 1)
    t.equal(other.webhooks.pending.retrying, 1, 'a retry waits')
    t.equal((await call(other, 'POST', '/_mock/reset')).status, 200)
    t.same(other.webhooks.pending, { queued: 0, in_flight: 0, retrying: 0 })
    t.equal((await call(other, 'GET', '/_mock/webhooks')).body.count, 0)
    t.same((await call(other, 'GET', '/api/v1/beta/webhook-configs')).body, [])
  })

  t.test('a reset while a request is in flight does not abort the deliveries made after it', async (t) => {
    const resetting = await mockFor(t, { scenario: hooksScenario({ defaults: { webhooks: { max_attempts: 1 } } }) })
    rx.hold('/reset-held')
    const inject = (url: string, payload: object) => resetting.app.inject({ method: 'POST', url, headers: AUTH, payload })
    const hook = (path: string) => ({ config: CONFIG, source_directory_id: 'dir-1', webhook_configurations: [{ webhook_url: rx.url(path), webhook_events: ['batch.pending'] }] })
    await inject('/api/v2/batches', hook('/reset-held'))
    await rx.until('/reset-held', 1)
    // The reset stops the sender with a request in flight; the next batch's delivery starts a new one at once.
    const [reset, created] = await Promise.all([inject('/_mock/reset', {}), inject('/api/v2/batches', hook('/reset-after'))])
    t.same([reset.statusCode, created.statusCode], [200, 200])
    await resetting.webhooks.flush()
    t.match(resetting.webhooks.deliveries(), [{ batch_id: created.json().id, outcome: 'delivered', status: 200, error: null }], 'sent, not settled as aborted by the old sender ending')
    t.equal(rx.at('/reset-after').length, 1)
  })

  t.test('close drops what is owed, journaled, and does not wait for it', async (t) => {
    const closing = await startMock({ clock: 'manual', scenario: hooksScenario({ defaults: { webhooks: { retry_backoff_ms: [60_000] } } }) })
    rx.plan('/closing', [500])
    await create(closing, [{ webhook_url: rx.url('/closing'), webhook_events: ['batch.pending'] }])
    await journaled(closing, 1)
    // A test's flush waiting on that retry: close ends the wait instead of waiting a minute for it.
    const arrived = new Promise<void>((resolve) => closing.app.server.once('request', () => resolve()))
    const flushing = call(closing, 'POST', '/_mock/webhooks/flush?timeout_ms=60000')
    await arrived
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve)) // the route is waiting
    await closing.close()
    t.same(await flushing, { status: 200, body: { queued: 0, in_flight: 0, retrying: 0 } }, 'the flush is answered: nothing is owed any more')
    t.same(closing.webhooks.deliveries().map((d) => d.outcome), ['retrying', 'dropped'])
    t.same(closing.webhooks.pending, { queued: 0, in_flight: 0, retrying: 0 })
  })

  t.test('seeded chaos: duplicates keep their event id', async (t) => {
    const chaotic = await mockFor(t, { scenario: hooksScenario({ defaults: { webhooks: { duplicate_rate: 1, shuffle: true } } }) })
    await create(chaotic, [{ webhook_url: rx.url('/chaos') }])
    await advance(chaotic, 5000)
    await chaotic.webhooks.flush()
    const ids = rx.at('/chaos').map((r) => r.headers['x-webhook-event-id'])
    t.equal(ids.length, 6, 'every event twice')
    t.equal(new Set(ids).size, 3)
    const one = await mockFor(t, { webhooks: { concurrency: 1 }, scenario: hooksScenario({ defaults: { webhooks: { shuffle: true } } }) })
    await create(one, Array.from({ length: 10 }, (_, i) => ({ webhook_url: rx.url(`/shuffle/${i}`) })))
    await one.webhooks.flush()
    const order = rx.under('/shuffle/').map((r) => Number(r.path.split('/')[2]))
    t.same([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every delivery once')
    t.notSame(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'in a shuffled order')
  })

  t.test('a real clock at high speed delivers from its timer', async (t) => {
    const fast = await startMock({ clock: 'real', speed: 1000, scenario: hooksScenario() })
    t.teardown(() => fast.close())
    await create(fast, [{ webhook_url: rx.url('/fast') }])
    await rx.until('/fast', 3)
    await fast.webhooks.flush()
    t.same(rx.at('/fast').map((r) => envelopeOf(r, 'string').event_type).sort(), ['batch.pending', 'batch.running', 'batch.success'])
  })

  t.test('what Python httpx sends (Content-Type: application/json, no body) is accepted', async (t) => {
    const saved = await call(mock, 'POST', '/api/v1/beta/webhook-configs', { webhook_url: rx.url('/py') })
    const raw = (method: string, path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(mock.url + path, { method, headers: { ...AUTH, 'content-length': '0' } }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
    t.equal(await raw('GET', '/api/v1/beta/webhook-configs'), 200)
    t.equal(await raw('GET', `/api/v1/beta/webhook-configs/${saved.body.id}`), 200)
    t.equal(await raw('POST', '/_mock/webhooks/flush'), 200)
    t.equal(await raw('GET', '/_mock/webhooks'), 200)
    t.equal(await raw('DELETE', `/api/v1/beta/webhook-configs/${saved.body.id}`), 204)
    t.equal(await raw('DELETE', '/_mock/webhooks'), 204)
  })

  t.test("the README's example (receiver and test) runs and passes, against the built package", async (t) => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const receiverJs = /```js\n(\/\/ receiver\.mjs[\s\S]*?)```/.exec(readme)?.[1]
    const testJs = /```js\n(\/\/ webhooks\.test\.mjs[\s\S]*?)```/.exec(readme)?.[1]
    t.ok(receiverJs && testJs, 'the README has both')
    t.ok(receiverJs!.trim().split('\n').length <= 20, 'the receiver is short')
    const dist = pathToFileURL(join(import.meta.dirname, '../../dist/index.js')).href
    const dir = t.testdir({ 'receiver.mjs': receiverJs!, 'webhooks.test.mjs': testJs!.replace("'llamacloud-batches-mock'", JSON.stringify(dist)) })
    const run = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, ['--test', 'webhooks.test.mjs'], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }))
    })
    t.equal(run.code, 0, run.out.slice(-1500))
    t.match(run.out, /# pass 1/)
  })
})
