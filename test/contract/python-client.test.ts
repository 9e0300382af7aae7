import t from 'tap'
import { request } from 'node:http'
import LlamaCloud from '@llamaindex/llama-cloud'
import { startMock, type RunningMock } from '../../src/index.js'
import { rawAnswer, rawExchange, scenario, START_MS } from '../helper.js'

// What the Python SDK (httpx) puts on the wire for the four Batches calls, sent raw, must
// get the same answers as the TypeScript SDK's calls on the same manual-clock state.
const KEY = 'py-key'
const PYTHON_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json',
  'user-agent': 'LlamaCloud/Python 1.4.0',
  'x-stainless-lang': 'python',
  'x-stainless-package-version': '1.4.0',
  'x-stainless-retry-count': '0',
  authorization: `Bearer ${KEY}`
}

const at = (minutesBefore: number) => new Date(START_MS - minutesBefore * 60_000).toISOString()
const world = () =>
  scenario(
    [
      { id: 'bat-a', created_at: at(5), files: 3, timeline: { pending_ms: 1000, running_ms: 3_600_000 } },
      { id: 'bat-b', created_at: at(10), files: 2, timeline: { pending_ms: 1000, running_ms: 1000 } },
      { id: 'bat-c', created_at: at(15), files: 1 },
      { id: 'bat-old', created_at: at(60), files: 1 }
    ],
    { defaults: { cancel_delay_ms: 500, file_error_rate: 0 } }
  )

interface Answer {
  status: number
  body: unknown
}

interface Client {
  create(body: { config: { job: { type: 'parse_v2'; configuration_id: string } }; source_directory_id: string }): Promise<Answer>
  get(id: string, expand: string[]): Promise<Answer>
  list(after: Date, pageSize: number, token: string | null): Promise<Answer>
  cancel(id: string): Promise<Answer>
}

/** The Python SDK's requests, byte for byte what httpx sends, over node:http. */
function pythonClient(mock: RunningMock): Client {
  const send = (method: 'GET' | 'POST', path: string, body?: string) =>
    new Promise<Answer>((resolve, reject) => {
      const headers = { ...PYTHON_HEADERS, 'content-length': String(Buffer.byteLength(body ?? '')) }
      const req = request({ host: '127.0.0.1', port: mock.port, method, path, headers }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      })
      req.on('error', reject)
      req.end(body ?? '')
    })
  // Python's datetime.isoformat() of a naive datetime: no offset, microseconds.
  const naive = (d: Date) => `${d.toISOString().slice(0, 23)}000`
  return {
    create: (body) => send('POST', '/api/v2/batches', JSON.stringify(body)),
    get: (id, expand) => send('GET', `/api/v2/batches/${id}?${expand.map((e) => `expand=${e}`).join('&')}`),
    list: (after, pageSize, token) => send('GET', `/api/v2/batches?created_at_on_or_after=${encodeURIComponent(naive(after))}&page_size=${pageSize}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`),
    cancel: (id) => send('POST', `/api/v2/batches/${id}/cancel`)
  }
}

/** The TypeScript SDK, answers as status and parsed body (errors included). */
function typescriptClient(mock: RunningMock): Client {
  const client = new LlamaCloud({ apiKey: KEY, baseURL: mock.url, maxRetries: 0 })
  const answer = async (call: () => Promise<Response>): Promise<Answer> => {
    try {
      const res = await call()
      return { status: res.status, body: await res.json() }
    } catch (e) {
      if (e instanceof LlamaCloud.APIError) return { status: e.status as number, body: e.error }
      throw e
    }
  }
  return {
    create: (body) => answer(() => client.batches.create(body).asResponse()),
    get: (id, expand) => answer(() => client.batches.get(id, { expand }).asResponse()),
    list: (after, pageSize, token) => answer(() => client.batches.list({ created_at_on_or_after: after.toISOString(), page_size: pageSize, ...(token !== null && { page_token: token }) }).asResponse()),
    cancel: (id) => answer(() => client.batches.cancel(id).asResponse())
  }
}

/** The same calls, in the same order, at the same mock times. */
async function session(mock: RunningMock, client: Client): Promise<Answer[]> {
  const answers: Answer[] = []
  const created = await client.create({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-py' })
  answers.push(created)
  answers.push(await client.get((created.body as { id: string }).id, ['results']))
  mock.clock.advance(2000)
  answers.push(await client.get('bat-b', ['results', 'results']))
  let token: string | null = null
  do {
    const page = await client.list(new Date(START_MS - 20 * 60_000 + 1), 2, token)
    answers.push(page)
    token = page.status === 200 ? (page.body as { next_page_token: string | null }).next_page_token : null
  } while (token !== null)
  answers.push(await client.cancel('bat-a'))
  mock.clock.advance(100)
  answers.push(await client.cancel('bat-a'))
  mock.clock.advance(400)
  answers.push(await client.get('bat-a', ['results']))
  answers.push(await client.cancel('bat-a'))
  answers.push(await client.get('bat-missing', []))
  return answers
}

t.test('the Python SDK wire format gets the TypeScript SDK answers', async (t) => {
  const [pyMock, tsMock] = await Promise.all([startMock({ scenario: world(), clock: 'manual' }), startMock({ scenario: world(), clock: 'manual' })])
  t.teardown(() => Promise.all([pyMock.close(), tsMock.close()]))
  const py = await session(pyMock, pythonClient(pyMock))
  const ts = await session(tsMock, typescriptClient(tsMock))

  t.same(py.map((a) => a.status), [200, 200, 200, 200, 200, 200, 200, 200, 400, 404], 'the Python calls succeed where they should')
  const listed = py.slice(3, 5).flatMap((a) => (a.body as { items: { id: string }[] }).items.map((b) => b.id))
  t.same(listed.sort(), ['bat-a', 'bat-b', 'bat-c', (py[0]?.body as { id: string }).id].sort(), 'the naive datetime filters (bat-old is out)')
  t.equal((py[7]?.body as { status: string }).status, 'CANCELLED', 'the retried cancel kept the first plan')
  t.same(py, ts, 'answer for answer, the same as the TypeScript SDK')
})

/** A raw POST with exactly the headers given (no Content-Type unless given). */
const rawPost = (mock: RunningMock, path: string, body: string, headers: Record<string, string>): Promise<Answer> => rawSend(mock, 'POST', path, body, headers)

// FastAPI reads a body as JSON when its type is application/json or application/*+json, or
// when no Content-Type is sent; any other type stays bytes, which a model refuses (422). It
// never answers 415.
t.test('bodies as other clients send them: read as FastAPI reads them', async (t) => {
  const mock = await startMock({ scenario: world(), clock: 'manual' })
  t.teardown(() => mock.close())
  const body = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-py' })
  const cases: [string, Record<string, string>, number][] = [
    ["Python requests, data=json.dumps(x): no Content-Type", {}, 200],
    ['a JSON:API client', { 'content-type': 'application/vnd.api+json' }, 200],
    ['a merge-patch client, with a charset', { 'content-type': 'application/merge-patch+json; charset=utf-8' }, 200],
    ["a browser's fetch with a string body", { 'content-type': 'text/plain;charset=UTF-8' }, 422],
    ["curl -d without -H", { 'content-type': 'application/x-www-form-urlencoded' }, 422],
    ['an XML client', { 'content-type': 'application/xml' }, 422]
  ]
  for (const [who, headers, status] of cases) {
    const answer = await rawPost(mock, '/api/v2/batches', body, headers)
    t.equal(answer.status, status, `${who}: ${answer.status}`)
    if (status === 200) t.match(answer.body, { id: /^bat-/, source_directory_id: 'dir-py' })
    else t.match(answer.body, { detail: [{ type: 'dict_type', loc: ['body'] }] }, `${who}: the body is not an object to FastAPI`)
  }
  // The control plane reads bodies the same way.
  const advanced = await rawPost(mock, '/_mock/clock/advance', JSON.stringify({ ms: 1000 }), {})
  t.equal(advanced.status, 200, 'a control-plane call without Content-Type')
  const journal = (await (await fetch(`${mock.url}/_mock/requests?last=${cases.length}`)).json()) as { requests: { id: string; status: number }[] }
  t.same(journal.requests.map((r) => r.status), cases.map((c) => c[2]), 'each is journaled with its status')
  const text = (await (await fetch(`${mock.url}/_mock/requests/${journal.requests[3]?.id}`)).json()) as { body: string | null; body_bytes: number }
  t.same([text.body, text.body_bytes], [null, Buffer.byteLength(body)], 'a body of a type it does not read: its size, not its bytes')
  const none = (await (await fetch(`${mock.url}/_mock/requests/${journal.requests[0]?.id}`)).json()) as { body: string | null }
  t.equal(none.body, body, 'one read as JSON: its bytes')
})

/** Any request as a raw client sends it: no Content-Length when it says chunked. */
function rawSend(mock: RunningMock, method: string, path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const length = headers['transfer-encoding'] === undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}
    const req = request({ host: '127.0.0.1', port: mock.port, method, path, headers: { authorization: `Bearer ${KEY}`, ...length, ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

// A Content-Type FastAPI cannot read as a media type is no 415 there: Starlette reads an empty one
// as none (JSON), anything else it cannot parse as text/plain (the bytes, which a model refuses),
// and a route without a body never looks at it. multipart/form-data is bytes to a JSON route too.
t.test('odd and unparseable Content-Types, multipart to JSON routes: as FastAPI reads them', async (t) => {
  const mock = await startMock({ scenario: world(), clock: 'manual' })
  t.teardown(() => mock.close())
  const body = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-py' })
  const notAnObject = { detail: [{ type: 'dict_type', loc: ['body'] }] }
  const cases: [string, string, number][] = [
    ['an empty Content-Type (no type: JSON)', '', 200],
    ['a list of types', 'application/json, text/plain', 422],
    ['no subtype', 'json', 422],
    ['separators only', ';;;', 422],
    ['a space in the type', 'application/json x', 422],
    ['upper case JSON', 'APPLICATION/JSON', 200]
  ]
  for (const [who, type, status] of cases) {
    const answer = await rawSend(mock, 'POST', '/api/v2/batches', body, { 'content-type': type })
    t.equal(answer.status, status, `create, ${who}: ${answer.status}`)
    if (status === 200) t.match(answer.body, { id: /^bat-/, source_directory_id: 'dir-py' })
    else t.match(answer.body, notAnObject, `create, ${who}: the body is not an object to FastAPI`)
  }
  // Routes without a body do not read the type: a cancel and the control plane's reset.
  for (const type of ['', ';;;', 'application/json, text/plain']) {
    const cancel = await rawSend(mock, 'POST', '/api/v2/batches/bat-a/cancel', '', { 'content-type': type })
    t.equal(cancel.status, 200, `a bodiless cancel with Content-Type ${JSON.stringify(type)}`)
    t.match(cancel.body, { id: 'bat-a' })
  }
  t.equal((await rawSend(mock, 'POST', '/_mock/clock/advance', JSON.stringify({ ms: 1 }), { 'content-type': ';' })).status, 422, 'the control plane: a body it cannot read')
  t.equal((await rawSend(mock, 'POST', '/_mock/clock/advance', JSON.stringify({ ms: 1 }), { 'content-type': '' })).status, 200, 'the control plane: an empty type is JSON')

  // multipart/form-data to the directories API's JSON routes (the upload route reads multipart).
  const created = await rawSend(mock, 'POST', '/api/v1/beta/directories', JSON.stringify({ name: 'docs' }), {})
  t.equal(created.status, 200, 'a directory to update')
  const dir = (created.body as { id: string }).id
  const form = ['--x', 'Content-Disposition: form-data; name="name"', '', 'renamed', '--x--', ''].join('\r\n')
  const multipart = { 'content-type': 'multipart/form-data; boundary=x' }
  const create = await rawSend(mock, 'POST', '/api/v1/beta/directories', form, multipart)
  t.equal(create.status, 422, 'create a directory from a form: 422')
  t.match(create.body, notAnObject, 'create from a form: the body is not an object')
  const update = await rawSend(mock, 'PATCH', `/api/v1/beta/directories/${dir}`, form, multipart)
  t.equal(update.status, 422, 'update a directory from a form: 422, not an empty update')
  t.match(update.body, notAnObject)
  const addFile = await rawSend(mock, 'POST', `/api/v1/beta/directories/${dir}/files`, form, multipart)
  t.equal(addFile.status, 422, 'add a file from a form: 422')
  t.match(addFile.body, notAnObject)
  const still = await rawSend(mock, 'GET', `/api/v1/beta/directories/${dir}`, '', {})
  t.match(still.body, { name: 'docs' }, 'the directory was not changed')

  // The routes' body limits hold for every type: a form or an unparseable type is read (and bounded) too.
  const big = 'x'.repeat(65 * 1024)
  for (const [type, url] of [['multipart/form-data; boundary=x', '/api/v1/beta/directories'], [';;;', '/api/v2/batches'], ['', '/api/v2/batches']]) {
    const answer = await rawSend(mock, 'POST', url as string, big, { 'content-type': type as string })
    t.equal(answer.status, 413, `${url}: 65 KiB with Content-Type ${JSON.stringify(type)}: 413`)
  }

  // A body of a type the mock does not read, sent chunked: the journal still shows its size.
  const chunked = await rawSend(mock, 'POST', '/api/v2/batches', body, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' })
  t.equal(chunked.status, 422, 'a chunked text body: 422')
  const journal = (await (await fetch(`${mock.url}/_mock/requests?last=1`)).json()) as { requests: { id: string }[] }
  const entry = (await (await fetch(`${mock.url}/_mock/requests/${journal.requests[0]?.id}`)).json()) as { body: string | null; body_bytes: number }
  t.same([entry.body, entry.body_bytes], [null, Buffer.byteLength(body)], 'a chunked body of a type it does not read: its size, not its bytes')
})

// FastAPI reads a body only for a route that declares one: whatever bytes come with a cancel or a
// DELETE (a client's stray payload, a cut-off JSON) are never parsed there.
t.test('routes without a body never read one: a malformed JSON body is ignored, as FastAPI ignores it', async (t) => {
  const mock = await startMock({ scenario: world(), clock: 'manual' })
  t.teardown(() => mock.close())
  const json = { 'content-type': 'application/json' }
  for (const payload of ['garbage', '{"a":', '\u00ff', '['.repeat(100)]) {
    const cancel = await rawSend(mock, 'POST', '/api/v2/batches/bat-a/cancel', payload, json)
    t.equal(cancel.status, 200, `a cancel with ${JSON.stringify(payload.slice(0, 8))}: 200`)
    t.match(cancel.body, { id: 'bat-a' })
    const reset = await rawSend(mock, 'POST', '/_mock/reset', payload, json)
    t.equal(reset.status, 200, `/_mock/reset with ${JSON.stringify(payload.slice(0, 8))}: 200`)
  }
  const dir = (await rawSend(mock, 'POST', '/api/v1/beta/directories', JSON.stringify({ name: 'gone' }), json)).body as { id: string }
  const deleted = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: mock.port, method: 'DELETE', path: `/api/v1/beta/directories/${dir.id}`, headers: { authorization: `Bearer ${KEY}`, ...json, 'content-length': '5' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end('{"a":')
  })
  t.equal(deleted, 204, 'a DELETE with a cut-off JSON body: 204')
  // A route that takes a body still refuses one it cannot read.
  const create = await rawSend(mock, 'POST', '/api/v2/batches', '{"a":', json)
  t.match([create.status, create.body], [422, { detail: [{ type: 'json_invalid' }] }], 'a create still reads its body')
  // The journal still keeps what a client sent to a bodiless /api route.
  const journal = (await (await fetch(`${mock.url}/_mock/requests?method=DELETE`)).json()) as { requests: { id: string }[] }
  const entry = (await (await fetch(`${mock.url}/_mock/requests/${journal.requests[0]?.id}`)).json()) as { body: string | null; body_bytes: number }
  t.same([entry.body, entry.body_bytes], ['{"a":', 5], "the DELETE's body, journaled as sent")
})

// FastAPI's redirect_slashes: no API route ends in `/`, so a path that does is answered 307 to the
// path without it (the query kept, before any key is checked), and httpx — which follows a redirect
// only when told — lands where a client that follows it lands: the same method and body (307).
t.test('a trailing slash is redirected 307 as FastAPI redirects it; following it lands on the route', async (t) => {
  const mock = await startMock({ scenario: world(), clock: 'manual' })
  t.teardown(() => mock.close())
  const host = `127.0.0.1:${mock.port}`
  const head = (method: string, path: string, extra = '') => `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\n${extra}`
  const redirects: [string, string, string][] = [
    ['GET', '/api/v2/batches/?page_size=1', '/api/v2/batches?page_size=1'],
    ['GET', '/api/v2/batches//', '/api/v2/batches'],
    ['GET', '/api/v2/batches/bat-a/?expand=results', '/api/v2/batches/bat-a?expand=results'],
    ['POST', '/api/v2/batches/bat-a/cancel/', '/api/v2/batches/bat-a/cancel'],
    ['GET', '/api/v1/beta/directories/', '/api/v1/beta/directories'],
    ['GET', '/api/v2/parse/pjb-nope/', '/api/v2/parse/pjb-nope']
  ]
  for (const [method, path, to] of redirects) {
    for (const auth of [`authorization: Bearer ${KEY}\r\n`, '']) {
      const answer = await rawAnswer(mock.port, `${head(method, path, auth)}content-length: 0\r\n\r\n`)
      t.match(answer, /^HTTP\/1\.1 307 Temporary Redirect\r\n/, `${method} ${path}${auth ? '' : ', no key'}: 307`)
      t.match(answer, new RegExp(`\\r\\nlocation: http://${host.replace('.', '\\.')}${to.replace(/[?.]/g, '\\$&')}\\r\\n`), `to ${to}`)
      t.match(answer, /\r\ncontent-length: 0\r\n/, 'no body')
    }
  }
  // A create sent to the slashed path: redirected with nothing made; followed (307 keeps the method
  // and body), it makes the batch.
  const body = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-slash' })
  const auth = `authorization: Bearer ${KEY}\r\ncontent-length: ${body.length}\r\n\r\n${body}`
  const first = await rawAnswer(mock.port, `${head('POST', '/api/v2/batches/', auth)}`)
  t.match(first, /^HTTP\/1\.1 307 /, 'a create to /api/v2/batches/: 307')
  const location = /\r\nlocation: http:\/\/[^/]+(\/[^\r]*)\r\n/.exec(first)?.[1] ?? ''
  t.equal(location, '/api/v2/batches')
  const followed = await rawAnswer(mock.port, `${head('POST', location, auth)}`)
  t.match(followed, /^HTTP\/1\.1 200 /, 'followed: 200')
  t.match(followed, /"source_directory_id":"dir-slash"/)
  const made = (await (await fetch(`${mock.url}/api/v2/batches?source_directory_id=dir-slash`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { items: unknown[] }
  t.equal(made.items.length, 1, 'one batch made, by the followed request')
  // The journal shows each redirect as sent, served by no route.
  const journal = (await (await fetch(`${mock.url}/_mock/requests?status=307`)).json()) as { requests: { path: string; matched: boolean }[] }
  t.equal(journal.requests.length, redirects.length * 2 + 1, 'every redirect journaled')
  t.ok(journal.requests.every((r) => r.matched === false && r.path.endsWith('/')), 'as unmatched, at the path sent')
  // A slashed path no route serves without its slash either: 404, as before.
  t.match(await rawAnswer(mock.port, `${head('GET', '/api/v2/nope/', `authorization: Bearer ${KEY}\r\n`)}\r\n`), /^HTTP\/1\.1 404 /)
})

t.test('a body that is not JSON gets its 422 and the connection stays, as uvicorn keeps it; a body too large still ends it', async (t) => {
  // httpx and Go pool their connections: after a 422 the next request goes on the same one.
  const mock = await startMock({ scenario: world(), clock: 'manual' })
  t.teardown(() => mock.close())
  const auth = `authorization: Bearer ${KEY}\r\n`
  const json = 'content-type: application/json\r\n'
  const sized = (method: string, path: string, body: string, extra = '') => `${method} ${path} HTTP/1.1\r\nhost: mock\r\n${auth}${json}${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  const chunked = (method: string, path: string, body: string) => `${method} ${path} HTTP/1.1\r\nhost: mock\r\n${auth}${json}transfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
  const last = `GET /api/v2/batches?page_size=1 HTTP/1.1\r\nhost: mock\r\n${auth}connection: close\r\n\r\n`
  const statuses = (answer: string) => [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])
  const cases: [string, string][] = [
    ['a create, sized', sized('POST', '/api/v2/batches', '{"config":')],
    ['a create, chunked', chunked('POST', '/api/v2/batches', '{"config":')],
    ['a create nested too deep', sized('POST', '/api/v2/batches', `${'['.repeat(65)}${']'.repeat(65)}`)],
    ['a directory update', sized('PATCH', '/api/v1/beta/directories/dir-a', '{"name":')]
  ]
  for (const [what, raw] of cases) {
    const answer = await rawExchange(mock.port, raw + last)
    t.same(statuses(answer), ['422', '200'], `${what}: 422, then the next request on the same connection`)
    t.match(answer, /^HTTP\/1\.1 422 [^]*?\r\nconnection: keep-alive\r\n/i, `${what}: the 422 keeps the connection`)
  }
  // A client that asks for the connection to end (or an HTTP/1.0 one) has it ended, as on any answer.
  for (const [what, raw] of [
    ['connection: close', sized('POST', '/api/v2/batches', '{"config":', 'connection: close\r\n')],
    ['HTTP/1.0', sized('POST', '/api/v2/batches', '{"config":').replace('HTTP/1.1', 'HTTP/1.0')]
  ] as const) {
    const answer = await rawExchange(mock.port, raw + last)
    t.same(statuses(answer), ['422'], `${what}: 422, and nothing after it`)
    t.match(answer, /^HTTP\/1\.1 422 [^]*?\r\nconnection: close\r\n/i, `${what}: the 422 says so`)
  }
  // Past the create's body limit the rest of the body is never read: the connection must end.
  const big = `{"pad":"${'x'.repeat(70 * 1024)}"}`
  t.same(statuses(await rawExchange(mock.port, sized('POST', '/api/v2/batches', big) + last)), ['413'], 'a body too large: 413, and nothing after it')
})
