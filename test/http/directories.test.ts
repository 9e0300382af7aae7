import t from 'tap'
import { request } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { advance, AUTH, build, get, post, scenario, START, walk } from '../helper.js'

const DIRS = '/api/v1/beta/directories'
const JSON_HEADERS = { ...AUTH, 'content-type': 'application/json' }
const config = { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_FAST' } }

async function send(app: FastifyInstance, method: 'PATCH' | 'DELETE' | 'POST' | 'GET', url: string, payload?: unknown, headers: Record<string, string> = AUTH) {
  const res = await app.inject({ method, url, headers, ...(payload !== undefined && { payload: payload as object }) })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json(), res }
}

async function createDir(app: FastifyInstance, name = 'inputs', headers = AUTH): Promise<any> {
  const { status, body } = await post(app, DIRS, { name }, headers)
  if (status !== 200) throw new Error(`create directory: ${status} ${JSON.stringify(body)}`)
  return body
}

async function addFile(app: FastifyInstance, dir: string, body: Record<string, unknown>, headers = AUTH): Promise<any> {
  const res = await post(app, `${DIRS}/${dir}/files`, body, headers)
  if (res.status !== 200) throw new Error(`add file: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

t.test('a created directory: create, get, list, update, delete, with the SDK shapes', async (t) => {
  const app = await build(t)
  t.same((await get(app, DIRS, JSON_HEADERS)).body, { items: [], next_page_token: null }, 'none yet (a GET as httpx sends it: JSON content type, no body)')
  const created = await post(app, DIRS, { name: 'Q1 invoices', description: 'scans', type: 'ephemeral', expires_at: '2026-02-01T00:00:00Z' })
  t.equal(created.status, 200)
  const dir = created.body
  t.match(dir.id, /^dir-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.same(
    { ...dir, id: undefined },
    { id: undefined, name: 'Q1 invoices', project_id: 'prj-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', description: 'scans', type: 'ephemeral', connector_subscription_id: null, system_metadata: null, expires_at: '2026-02-01T00:00:00.000Z', created_at: START, updated_at: START, deleted_at: null }
  )
  t.same((await get(app, `${DIRS}/${dir.id}`)).body, dir, 'get answers what create did')

  await advance(app, 5000)
  const patched = await send(app, 'PATCH', `${DIRS}/${dir.id}`, { description: null })
  t.equal(patched.status, 200)
  t.same([patched.body.name, patched.body.description, patched.body.updated_at], ['Q1 invoices', null, '2026-01-01T00:00:05.000Z'])

  const listed = await get(app, DIRS)
  t.same(listed.body, { items: [patched.body], next_page_token: null })
  t.same((await get(app, `${DIRS}?type=user`)).body.items, [], 'filtered by type')
  t.same((await get(app, `${DIRS}?name=Q1%20invoices`)).body.items.length, 1, 'filtered by name')

  // httpx sends Content-Type: application/json with an empty body on a DELETE.
  const deleted = await send(app, 'DELETE', `${DIRS}/${dir.id}`, undefined, JSON_HEADERS)
  t.equal(deleted.status, 204)
  t.equal(deleted.res.body, '')
  t.equal((await get(app, `${DIRS}/${dir.id}`)).status, 404, 'a deleted directory is not found')
  t.same((await get(app, DIRS)).body.items, [])
  const withDeleted = (await get(app, `${DIRS}?include_deleted=true`)).body.items
  t.same(withDeleted.map((d: any) => [d.id, d.deleted_at]), [[dir.id, '2026-01-01T00:00:05.000Z']])
  // pydantic reads a bool from 1/0, yes/no, on/off, t/f, y/n (any case) as well as true/false.
  for (const [text, count] of [['1', 1], ['YES', 1], ['on', 1], ['0', 0], ['off', 0], ['No', 0]] as const) {
    t.equal((await get(app, `${DIRS}?include_deleted=${text}`)).body.items?.length, count, `include_deleted=${text}`)
  }
  t.same((await get(app, `${DIRS}?include_deleted=maybe`)).body.detail?.[0]?.loc, ['query', 'include_deleted'], 'other text is a 422')
  t.equal((await post(app, '/api/v2/batches', { config, source_directory_id: dir.id })).status, 404, 'no batch over a deleted directory')
  t.equal((await send(app, 'DELETE', `${DIRS}/${dir.id}`)).status, 404, 'deleting twice is a 404')

  const bad = await post(app, DIRS, { name: '' })
  t.equal(bad.status, 422)
  t.same(bad.body.detail[0].loc, ['body', 'name'])
  const missing = await send(app, 'POST', DIRS, undefined, JSON_HEADERS)
  t.same([missing.status, missing.body.detail[0].type], [422, 'missing'], 'an empty JSON body is a missing body, as FastAPI says')
  t.equal((await send(app, 'PATCH', DIRS, {})).status, 405)
})

t.test("files: add, list with filters and pages, get, update, delete; a batch joins results to them and keeps its snapshot", async (t) => {
  const app = await build(t)
  const dir = (await createDir(app)).id
  const added = []
  for (let i = 0; i < 7; i++) {
    const body = { file_id: `file-${i}`, display_name: `doc-${i}.pdf`, unique_id: `u${i}`, metadata: i === 3 ? { mock_error: 'File doc-3.pdf is password-protected' } : { n: i, tags: ['a'] } }
    added.push(await addFile(app, dir, body))
  }
  t.match(added[0], { directory_id: dir, display_name: 'doc-0.pdf', unique_id: 'u0', file_id: 'file-0', project_id: 'prj-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', metadata: { n: 0, tags: ['a'] }, deleted_at: null })
  t.match(added[0].id, /^dfl-/)
  t.equal(new Set(added.map((f) => f.id)).size, 7, 'distinct ids')

  const walked = await walk(app, `${DIRS}/${dir}/files?page_size=3`)
  t.same(walked.items, added, "every file once, in the directory's order")
  t.equal(walked.pages, 3)
  const token = walked.tokens[0] as string
  const other = await get(app, `${DIRS}/${dir}/files?page_size=3&display_name_contains=doc&page_token=${encodeURIComponent(token)}`)
  t.same([other.status, other.body.detail[0].loc], [422, ['query', 'page_token']], "a token is bound to its query")
  t.same((await get(app, `${DIRS}/${dir}/files?display_name=doc-2.pdf`)).body.items, [added[2]])
  t.same((await get(app, `${DIRS}/${dir}/files?display_name_contains=C-5`)).body.items, [added[5]], 'contains ignores case')
  t.same((await get(app, `${DIRS}/${dir}/files?file_id=file-4`)).body.items, [added[4]])
  t.same((await get(app, `${DIRS}/${dir}/files?unique_id=u6`)).body.items, [added[6]])
  t.same((await get(app, `${DIRS}/${dir}/files/${added[1].id}`)).body, added[1])
  t.equal((await get(app, `${DIRS}/${dir}/files/dfl-nope`)).status, 404)

  const batch = (await post(app, '/api/v2/batches', { config, source_directory_id: dir })).body
  await advance(app, 60_000)
  const results = (await get(app, `/api/v2/batches/${batch.id}?expand=results`)).body.results
  t.same(results.map((r: any) => r.source_directory_file_id), added.map((f) => f.id), 'results name the files, in order')
  t.same(results[3], { source_directory_file_id: added[3].id, job_reference: null, error_message: 'File doc-3.pdf is password-protected' }, 'mock_error fails the mapping')
  t.ok(results.filter((_: unknown, i: number) => i !== 3).every((r: any) => /^pjb-/.test(r.job_reference.id) && r.error_message === null), 'the others have parse jobs')

  // Change the directory after the batch: the batch keeps what it was created over.
  const renamed = await send(app, 'PATCH', `${DIRS}/${dir}/files/${added[0].id}`, { display_name: 'renamed.pdf', metadata: { mock_error: 'now broken' } })
  t.same([renamed.status, renamed.body.id, renamed.body.display_name, renamed.body.metadata], [200, added[0].id, 'renamed.pdf', { mock_error: 'now broken' }])
  t.equal((await send(app, 'DELETE', `${DIRS}/${dir}/files/${added[1].id}`, undefined, JSON_HEADERS)).status, 204)
  t.equal((await get(app, `${DIRS}/${dir}/files/${added[1].id}`)).status, 404)
  const late = await addFile(app, dir, { file_id: 'file-late' })
  t.same([late.display_name, late.unique_id], ['file-late', 'file-late'], 'names default to the file_id')
  t.same((await get(app, `/api/v2/batches/${batch.id}?expand=results`)).body.results, results, 'the earlier batch is unchanged')
  const recent = (await get(app, `${DIRS}/${dir}/files?updated_at_on_or_after=2026-01-01T00:00:30Z`)).body.items
  t.same(recent.map((f: any) => f.id), [added[0].id, late.id], 'updated_at filters: the renamed file and the new one')
  t.same((await get(app, `${DIRS}/${dir}/files?updated_at_on_or_before=2026-01-01T00:00:30Z`)).body.items.length, 5)
  const naiveRecent = (await get(app, `${DIRS}/${dir}/files?updated_at_on_or_after=2026-01-01T00:00:30.000000`, JSON_HEADERS)).body.items
  t.same(naiveRecent, recent, 'a naive datetime, as httpx sends a Python datetime, is UTC')

  const second = (await post(app, '/api/v2/batches', { config, source_directory_id: dir })).body
  await advance(app, 60_000)
  const now = (await get(app, `/api/v2/batches/${second.id}?expand=results`)).body.results
  t.same(now.map((r: any) => r.source_directory_file_id), [added[0].id, ...added.slice(2).map((f) => f.id), late.id], 'a new batch sees the directory as it is now')
  t.same(now[0].error_message, 'now broken')

  t.equal((await send(app, 'DELETE', `${DIRS}/${dir}`)).status, 204)
  t.same((await get(app, `/api/v2/batches/${batch.id}?expand=results`)).body.results, results, 'deleting the directory leaves its batches as they were')
  t.equal((await get(app, `${DIRS}/${dir}/files`)).status, 404)
})

t.test('moving a file to another directory keeps its id', async (t) => {
  const app = await build(t)
  const [a, b] = [(await createDir(app, 'a')).id, (await createDir(app, 'b')).id]
  const f = await addFile(app, a, { file_id: 'file-1' })
  const moved = await send(app, 'PATCH', `${DIRS}/${a}/files/${f.id}`, { target_directory_id: b })
  t.same([moved.status, moved.body.id, moved.body.directory_id], [200, f.id, b])
  t.same((await get(app, `${DIRS}/${a}/files`)).body.items, [])
  t.same((await get(app, `${DIRS}/${b}/files`)).body.items.map((x: any) => x.id), [f.id])
})

const A = 'prj-11111111-1111-4111-8111-111111111111'
const B = 'prj-22222222-2222-4222-8222-222222222222'
const SCENARIO_DIR = 'dir-33333333-3333-4333-8333-333333333333'
const tenants = scenario([{ project_id: A, source_directory_id: SCENARIO_DIR, created_at: '2025-12-31T00:00:00Z', timeline: { pending_ms: 0, running_ms: 1000 } }], {
  api_keys: [
    { key: 'key-a', project_id: A },
    { key: 'key-b', project_id: B }
  ],
  directories: [{ id: SCENARIO_DIR, files: [{ id: 'dfl-s1', name: 'one.pdf' }, { id: 'dfl-s2', name: 'two.pdf', error: 'File two.pdf is empty (0 bytes)' }, { id: 'dfl-s3', name: 'three.pdf' }] }]
})
const keyA = { authorization: 'Bearer key-a' }
const keyB = { authorization: 'Bearer key-b' }

t.test('tenancy: another key\u2019s directory and its files are 404, for batches too', async (t) => {
  const app = await build(t, { scenario: tenants })
  const mine = await createDir(app, 'mine', keyA)
  t.equal(mine.project_id, A)
  const file = await addFile(app, mine.id, { file_id: 'f' }, keyA)
  for (const url of [`${DIRS}/${mine.id}`, `${DIRS}/${mine.id}/files`, `${DIRS}/${mine.id}/files/${file.id}`, `${DIRS}/${SCENARIO_DIR}`]) {
    t.equal((await get(app, url, keyB)).status, 404, `B: GET ${url}`)
  }
  t.equal((await post(app, `${DIRS}/${mine.id}/files`, { file_id: 'x' }, keyB)).status, 404)
  t.equal((await send(app, 'PATCH', `${DIRS}/${mine.id}`, { name: 'x' }, keyB)).status, 404)
  t.equal((await send(app, 'DELETE', `${DIRS}/${mine.id}/files/${file.id}`, undefined, keyB)).status, 404)
  t.equal((await send(app, 'DELETE', `${DIRS}/${mine.id}`, undefined, keyB)).status, 404)
  t.equal((await post(app, '/api/v2/batches', { config, source_directory_id: mine.id }, keyB)).status, 404, 'no batch over another project\u2019s directory')
  const overTheirs = await post(app, '/api/v2/batches', { config, source_directory_id: SCENARIO_DIR }, keyB)
  t.same([overTheirs.status, overTheirs.body.detail], [404, `Directory not found: ${SCENARIO_DIR}`], "nor over a scenario directory A's batch runs over: its files (and its jobs' names) are A's")
  t.equal((await get(app, `${DIRS}/${SCENARIO_DIR}`, keyA)).body.project_id, A, 'and it stays A\u2019s')
  t.equal((await post(app, '/api/v2/batches', { config, source_directory_id: SCENARIO_DIR }, keyA)).status, 200, 'A runs batches over it')
  t.same((await get(app, DIRS, keyB)).body.items, [], 'B lists nothing of A')
  t.same((await get(app, DIRS, keyA)).body.items.map((d: any) => d.id), [SCENARIO_DIR, mine.id], "A lists the scenario's directory (its batch is A's) and its own")
  t.equal((await get(app, `${DIRS}/${mine.id}?project_id=${B}`, keyA)).status, 404, 'a key naming another project sees nothing')
})

t.test('scenario and made-up directories are the same directories through the API', async (t) => {
  const app = await build(t, { scenario: tenants })
  const dir = await get(app, `${DIRS}/${SCENARIO_DIR}`, keyA)
  t.match(dir.body, { id: SCENARIO_DIR, project_id: A, type: 'user', created_at: '2025-12-31T00:00:00.000Z' })
  const files = (await get(app, `${DIRS}/${SCENARIO_DIR}/files`, keyA)).body.items
  t.same(files.map((f: any) => [f.id, f.display_name]), [['dfl-s1', 'one.pdf'], ['dfl-s2', 'two.pdf'], ['dfl-s3', 'three.pdf']])
  const batch = (await get(app, `/api/v2/batches?expand=results`, keyA)).body.items[0]
  const results = (await get(app, `/api/v2/batches/${batch.id}?expand=results`, keyA)).body.results
  t.same(results.map((r: any) => r.source_directory_file_id), files.map((f: any) => f.id))
  t.equal(results[1].error_message, 'File two.pdf is empty (0 bytes)', "the scenario's error fails the mapping")

  // A write adopts the scenario directory; the scenario batch keeps its files.
  const extra = await addFile(app, SCENARIO_DIR, { file_id: 'file-x' }, keyA)
  t.equal((await send(app, 'DELETE', `${DIRS}/${SCENARIO_DIR}/files/dfl-s1`, undefined, keyA)).status, 204)
  t.same((await get(app, `${DIRS}/${SCENARIO_DIR}/files`, keyA)).body.items.map((f: any) => f.id), ['dfl-s2', 'dfl-s3', extra.id])
  t.same((await get(app, `/api/v2/batches/${batch.id}?expand=results`, keyA)).body.results, results)
  const created = (await post(app, '/api/v2/batches', { config, source_directory_id: SCENARIO_DIR }, keyA)).body
  await advance(app, 60_000)
  t.same((await get(app, `/api/v2/batches/${created.id}?expand=results`, keyA)).body.results.map((r: any) => r.source_directory_file_id), ['dfl-s2', 'dfl-s3', extra.id])

  // A made-up directory (realistic mode, not exclusive): its files are the ones a batch over it names.
  const madeUp = 'dir-44444444-4444-4444-8444-444444444444'
  const madeFiles = (await get(app, `${DIRS}/${madeUp}/files?page_size=1000`, keyB)).body.items
  t.ok(madeFiles.length > 0)
  const overMadeUp = (await post(app, '/api/v2/batches', { config, source_directory_id: madeUp }, keyB)).body
  await advance(app, 60_000)
  t.same((await get(app, `/api/v2/batches/${overMadeUp.id}?expand=results`, keyB)).body.results.map((r: any) => r.source_directory_file_id), madeFiles.map((f: any) => f.id))
  t.equal((await get(app, `${DIRS}/${madeUp}`, keyB)).body.project_id, B)

  // A file GET answers what the list shows, for the last file and the first, over more made-up directories than the file-index cache keeps.
  for (let d = 0; d < 10; d++) {
    const id = `dir-44444444-4444-4444-8444-4444444444${String(d).padStart(2, '0')}`
    const listed = (await get(app, `${DIRS}/${id}/files?page_size=1000`, keyB)).body.items
    for (const f of [listed[listed.length - 1], listed[0]]) t.same((await get(app, `${DIRS}/${id}/files/${f.id}`, keyB)).body, f, `${id}: ${f.id}`)
    t.equal((await get(app, `${DIRS}/${id}/files/dfl-00000000-0000-4000-8000-000000000000`, keyB)).status, 404)
  }
  t.same((await get(app, `${DIRS}/${madeUp}/files/${madeFiles[madeFiles.length - 1].id}`, keyB)).body, madeFiles[madeFiles.length - 1], 'after the cache was cleared')
})

t.test('exclusive directories: an unknown id is a 404', async (t) => {
  const app = await build(t, { scenario: scenario([], { exclusive_directories: true }) })
  t.equal((await get(app, `${DIRS}/dir-unknown`)).status, 404)
  t.equal((await get(app, `${DIRS}/dir-unknown/files`)).status, 404)
  t.equal((await get(app, `${DIRS}/dir-unknown`)).body.detail, 'Directory not found: dir-unknown')
})

t.test('expires_at is read as pydantic reads a datetime', async (t) => {
  const app = await build(t)
  const naive = await post(app, DIRS, { name: 'from httpx', expires_at: '2026-02-01T12:30:00.250000' }, JSON_HEADERS)
  t.same([naive.status, naive.body.expires_at], [200, '2026-02-01T12:30:00.250Z'], 'a naive datetime (what a Python client sends) is UTC, as pydantic reads it')
  const noDate = await post(app, DIRS, { name: 'x', expires_at: 'soon' })
  t.same([noDate.status, noDate.body.detail?.[0]?.loc], [422, ['body', 'expires_at']], 'a datetime that is none is a 422 at its field')
})

t.test('limits: files per directory, directories per project; bad input is a 422', async (t) => {
  const big = 'dir-55555555-5555-4555-8555-555555555555'
  const app = await build(t, { scenario: scenario([], { directories: [{ id: big, files: 10_000 }] }), directoryLimits: { perProject: 3, storedFiles: 10_003 } })
  const full = await post(app, `${DIRS}/${big}/files`, { file_id: 'one-more' })
  t.same([full.status, full.body.detail], [400, 'Too many files: a directory holds at most 10000'])
  t.equal((await get(app, `${DIRS}/${big}/files?page_size=1001`)).status, 422, 'page_size at most 1000')
  t.equal((await post(app, `${DIRS}/${big}/files`, { file_id: 'x', metadata: { deep: { no: 1 } } })).status, 422, 'metadata values are flat')
  const longKey = { ['k'.repeat(257)]: 1 }
  t.same((await post(app, `${DIRS}/${big}/files`, { file_id: 'x', metadata: longKey })).body.detail?.[0]?.loc, ['body', 'metadata'], 'a metadata key has at most 256 characters')
  t.equal((await post(app, DIRS, { name: 'x', system_metadata: longKey })).status, 422, 'a system_metadata key too')
  t.equal((await post(app, `${DIRS}/${big}/files`, { file_id: 'x', metadata: { ['k'.repeat(256)]: 1 } })).status, 400, '256 is fine (the directory is full: 400, not 422)')

  t.same((await get(app, `${DIRS}/${big}`)).body.updated_at, START, 'a refused write changed nothing')
  const made = [await createDir(app, 'd0'), await createDir(app, 'd1'), await createDir(app, 'd2')]
  const over = await post(app, DIRS, { name: 'one too many' })
  t.same([over.status, over.body.detail], [400, 'Too many directories: a project holds at most 3'])
  t.equal((await send(app, 'DELETE', `${DIRS}/${made[0].id}`)).status, 204)
  t.equal((await post(app, DIRS, { name: 'room again' })).status, 200, 'a deleted directory makes room')

  // Files stored over all directories: the adopted 10,000 count too.
  await addFile(app, made[1].id, { file_id: 'a' })
  await addFile(app, made[1].id, { file_id: 'b' })
  await addFile(app, made[1].id, { file_id: 'c' })
  t.equal((await send(app, 'DELETE', `${DIRS}/${big}/files/dfl-none`)).status, 404, 'adopts the big directory (10,000 files stored)')
  const stored = await post(app, `${DIRS}/${made[2].id}/files`, { file_id: 'd' })
  t.same([stored.status, stored.body.detail], [400, 'Too many files: this mock stores at most 10003 files in created or changed directories; reset it (POST /_mock/reset)'])
})

t.test('limits: deleted directories are bounded apart from live ones, so deleting made-up ids never blocks creates', async (t) => {
  const app = await build(t, { directoryLimits: { stored: 2, deleted: 2 } })
  const madeUp = (i: number) => `dir-00000000-0000-4000-8000-00000000000${i}`
  t.equal((await send(app, 'DELETE', `${DIRS}/${madeUp(1)}`)).status, 204, 'a made-up directory can be deleted')
  t.equal((await get(app, `${DIRS}/${madeUp(1)}`)).status, 404, 'and stays deleted')
  t.equal((await send(app, 'DELETE', `${DIRS}/${madeUp(2)}`)).status, 204)
  const third = await send(app, 'DELETE', `${DIRS}/${madeUp(3)}`)
  t.same([third.status, third.body.detail], [400, 'Too many deleted directories: this mock remembers at most 2; reset it (POST /_mock/reset)'])
  t.equal((await get(app, `${DIRS}/${madeUp(3)}`)).status, 200, 'a refused delete left it as it was')
  const a = await createDir(app, 'a')
  await createDir(app, 'b')
  const over = await post(app, DIRS, { name: 'c' })
  t.same([over.status, over.body.detail], [400, 'Too many directories: this mock stores at most 2 created or changed directories; reset it (POST /_mock/reset)'], 'the live cap counts live ones only')
  const full = await send(app, 'DELETE', `${DIRS}/${a.id}`)
  t.equal(full.status, 400, 'no room to remember one more deleted directory: refused, still live')
  t.equal((await get(app, `${DIRS}/${a.id}`)).body.deleted_at, null)
})

t.test('limits: a directory adopted by a write counts for its project until deleted', async (t) => {
  const app = await build(t, { scenario: tenants, directoryLimits: { perProject: 2 } })
  const madeUp = 'dir-00000000-0000-4000-8000-0000000000aa'
  t.equal((await send(app, 'PATCH', `${DIRS}/${madeUp}`, { name: 'adopted' }, keyA)).status, 200)
  await createDir(app, 'one', keyA)
  const over = await post(app, DIRS, { name: 'two' }, keyA)
  t.same([over.status, over.body.detail], [400, 'Too many directories: a project holds at most 2'], 'the adopted one counts')
  t.equal((await post(app, DIRS, { name: 'b1' }, keyB)).status, 200, 'another project has its own room')
  t.equal((await send(app, 'DELETE', `${DIRS}/${madeUp}`, undefined, keyA)).status, 204)
  t.equal((await post(app, DIRS, { name: 'two' }, keyA)).status, 200, 'deleting it makes room')
})

t.test('limits: files stored count an adopted directory with what is added to it; a move stores nothing new', async (t) => {
  const lazy = 'dir-33333333-3333-4333-8333-333333333333'
  const app = await build(t, { scenario: scenario([], { directories: [{ id: lazy, files: 3 }] }), directoryLimits: { storedFiles: 3 } })
  const over = await post(app, `${DIRS}/${lazy}/files`, { file_id: 'fourth' })
  t.same([over.status, over.body.detail], [400, 'Too many files: this mock stores at most 3 files in created or changed directories; reset it (POST /_mock/reset)'], 'its 3 files and 1 more are 4')
  t.equal((await walk(app, `${DIRS}/${lazy}/files`)).items.length, 3, 'the refused add changed nothing')
  const other = await createDir(app, 'other')
  const [first] = (await walk(app, `${DIRS}/${lazy}/files`)).items
  const moved = await send(app, 'PATCH', `${DIRS}/${lazy}/files/${first.id}`, { target_directory_id: other.id })
  t.same([moved.status, moved.body.directory_id, moved.body.id], [200, other.id, first.id], 'with the store full, a file still moves')
})

t.test('limits: what stored directories and files hold in all (names, metadata) is bounded', async (t) => {
  const app = await build(t, { directoryLimits: { storedBytes: 20_000 } })
  const dir = (await createDir(app)).id
  const metadata = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'x'.repeat(500)]))
  const before = (await walk(app, `${DIRS}/${dir}/files`)).items.length
  let refused: any
  for (let i = 0; i < 10 && !refused; i++) {
    const res = await post(app, `${DIRS}/${dir}/files`, { file_id: `f${i}`, metadata })
    if (res.status !== 200) refused = res
  }
  t.equal(before, 0)
  t.same([refused?.status, refused?.body.detail], [400, 'Too much stored: created or changed directories and files hold at most 20000 bytes of names and metadata; reset it (POST /_mock/reset)'])
  const kept = (await walk(app, `${DIRS}/${dir}/files`)).items
  t.ok(kept.length >= 1 && kept.length < 10, `some files fit (${kept.length})`)
  t.equal((await send(app, 'DELETE', `${DIRS}/${dir}/files/${kept[0].id}`)).status, 204)
  t.equal((await post(app, `${DIRS}/${dir}/files`, { file_id: 'again', metadata })).status, 200, 'a delete gives the room back')
})

t.test('multipart upload: a real FormData client and a hand-made (curl -F) body; size limit; bad fields', async (t) => {
  const app = await build(t, { maxUploadBytes: 1024 })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address() as { port: number }
  const base = `http://127.0.0.1:${address.port}${DIRS}`
  const dir = (await createDir(app)).id

  const form = new FormData()
  form.append('upload_file', new Blob(['%PDF-1.7 hello']), 'scan.pdf')
  form.append('metadata', JSON.stringify({ mock_error: 'File scan.pdf is corrupted or not a valid PDF', pages: 2 }))
  form.append('external_file_id', 'ext-1')
  const res = await fetch(`${base}/${dir}/files/upload`, { method: 'POST', body: form, headers: AUTH })
  const uploaded = (await res.json()) as any
  t.equal(res.status, 200)
  t.match(uploaded, { directory_id: dir, display_name: 'scan.pdf', unique_id: 'ext-1', metadata: { pages: 2 } })
  t.match(uploaded.file_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4/)

  // curl -F 'upload_file=@notes.txt' -F display_name=Notes: fields may come after the file.
  const boundary = '------------------------curl7b3f'
  const body = [`--${boundary}`, 'Content-Disposition: form-data; name="upload_file"; filename="notes.txt"', 'Content-Type: text/plain', '', 'some notes', `--${boundary}`, 'Content-Disposition: form-data; name="display_name"', '', 'Notes', `--${boundary}--`, ''].join('\r\n')
  const curl = await app.inject({ method: 'POST', url: `${DIRS}/${dir}/files/upload`, headers: { ...AUTH, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
  t.same([curl.statusCode, curl.json().display_name, curl.json().unique_id], [200, 'Notes', 'notes.txt'])

  const batch = (await post(app, '/api/v2/batches', { config, source_directory_id: dir })).body
  await advance(app, 60_000)
  const results = (await get(app, `/api/v2/batches/${batch.id}?expand=results`)).body.results
  t.same(results.map((r: any) => [r.source_directory_file_id, r.error_message]), [[uploaded.id, 'File scan.pdf is corrupted or not a valid PDF'], [curl.json().id, null]])

  const big = new FormData()
  big.append('upload_file', new Blob([new Uint8Array(1025)]), 'big.bin')
  const tooBig = await fetch(`${base}/${dir}/files/upload`, { method: 'POST', body: big, headers: AUTH })
  t.same([tooBig.status, await tooBig.json()], [413, { detail: 'File too large: an upload holds at most 1024 bytes (--max-upload-bytes)' }])

  const noFile = new FormData()
  noFile.append('display_name', 'x')
  const missing = await fetch(`${base}/${dir}/files/upload`, { method: 'POST', body: noFile, headers: AUTH })
  t.same([missing.status, ((await missing.json()) as any).detail[0].loc], [422, ['body', 'upload_file']])

  const longName = new FormData()
  longName.append('upload_file', new Blob(['x']), `${'n'.repeat(600)}.pdf`)
  const named = await fetch(`${base}/${dir}/files/upload`, { method: 'POST', body: longName, headers: AUTH })
  t.same([named.status, ((await named.json()) as any).detail[0].loc], [422, ['body', 'upload_file']], 'a file name over 512 characters')

  const badMeta = new FormData()
  badMeta.append('upload_file', new Blob(['x']), 'x.txt')
  badMeta.append('metadata', '{not json')
  const bad = await fetch(`${base}/${dir}/files/upload`, { method: 'POST', body: badMeta, headers: AUTH })
  t.same([bad.status, ((await bad.json()) as any).detail[0].loc], [422, ['body', 'metadata']])
  const longKeyMeta = new FormData()
  longKeyMeta.append('upload_file', new Blob(['x']), 'x.txt')
  longKeyMeta.append('metadata', JSON.stringify({ ['k'.repeat(257)]: 1 }))
  const longKey = await fetch(`${base}/${dir}/files/upload`, { method: 'POST', body: longKeyMeta, headers: AUTH })
  t.same([longKey.status, ((await longKey.json()) as any).detail[0].loc], [422, ['body', 'metadata']], 'a metadata key over 256 characters')

  // httpx: Content-Type application/json and no body.
  const empty = await send(app, 'POST', `${DIRS}/${dir}/files/upload`, undefined, JSON_HEADERS)
  t.same([empty.status, empty.body.detail[0].type], [422, 'missing'])
  // Bodies busboy cannot read are the client's fault: 400, as Starlette answers them, never a 500.
  const cut = [`--${boundary}`, 'Content-Disposition: form-data; name="upload_file"; filename="cut.pdf"', '', '%PDF-1.7 and then the connection'].join('\r\n')
  const unreadable: [string, string, string][] = [
    ['a body cut short inside the file', `multipart/form-data; boundary=${boundary}`, cut],
    ['a multipart content type without a boundary', 'multipart/form-data', body]
  ]
  for (const [what, contentType, payload] of unreadable) {
    const res = await app.inject({ method: 'POST', url: `${DIRS}/${dir}/files/upload`, headers: { ...AUTH, 'content-type': contentType }, payload })
    t.same([res.statusCode, res.json()], [400, { detail: 'There was an error parsing the body' }], what)
  }
  // The whole body is bounded too, whatever busboy skips (a preamble before the first part):
  // by Content-Length up front, and counted as it comes when chunked (Go, or a streaming client).
  const limit = 1024 + 16 * 64 * 1024 + 64 * 1024
  const tooLong = { detail: `Request body too large: an upload's body holds at most ${limit} bytes (--max-upload-bytes plus its fields)` }
  const padded = `${'x'.repeat(limit)}\r\n${body}`
  const declared = await app.inject({ method: 'POST', url: `${DIRS}/${dir}/files/upload`, headers: { ...AUTH, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: padded })
  t.same([declared.statusCode, declared.json()], [413, tooLong], 'a Content-Length over the limit')
  const streamed = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: address.port, method: 'POST', path: `${DIRS}/${dir}/files/upload`, headers: { ...AUTH, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
    })
    req.on('error', reject)
    req.end(padded)
  })
  t.same([streamed.status, JSON.parse(streamed.body)], [413, tooLong], 'a chunked body past the limit')
  t.same((await get(app, `${DIRS}/${dir}/files`)).body.items.length, 2, 'no refused upload added a file')
  t.equal((await fetch(`${base}/dir-nope-x/files/upload`, { method: 'POST', body: form, headers: { authorization: 'Bearer k' } })).status, 200, 'a made-up directory takes uploads too')
})
