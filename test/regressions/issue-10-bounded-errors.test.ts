import t from 'tap'
import { AUTH, build, post } from '../helper.js'

const JSON_CT = { ...AUTH, 'content-type': 'application/json' }

t.test('a 422 lists at most 100 issues and says how many more', async (t) => {
  const app = await build(t)
  const body = { config: { job: { type: 'parse_v2', configuration_id: 'c' } }, source_directory_id: 'dir', webhook_configurations: Array.from({ length: 60 }, () => ({ webhook_url: 1, webhook_events: 2, webhook_output_format: 3 })) }
  const res = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: JSON.stringify(body) })
  t.equal(res.statusCode, 422)
  const detail = res.json().detail as { type: string; msg: string }[]
  t.equal(detail.length, 101)
  t.match(detail[100], { type: 'too_many_errors', loc: ['body'], msg: /^\d+ more errors not listed/ })
  t.ok(res.payload.length < 40_000, `a bounded answer (${res.payload.length} bytes)`)
})

t.test('no error echoes a large value', async (t) => {
  const app = await build(t)
  const long = 'x'.repeat(50_000)
  const res = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: JSON.stringify({ config: long, source_directory_id: 7 }) })
  t.equal(res.statusCode, 422)
  const detail = res.json().detail as { loc: unknown[]; input: unknown }[]
  const config = detail.find((d) => d.loc[1] === 'config')
  t.ok(typeof config?.input === 'string' && config.input.length < 200, 'a long string is quoted as a prefix')
  t.ok(res.payload.length < 2000, `answer of ${res.payload.length} bytes`)

  const big = Array.from({ length: 1500 }, (_, i) => ({ ['k' + i]: 'v'.repeat(10) }))
  const arr = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: JSON.stringify({ config: { job: big }, source_directory_id: 'd' }) })
  t.equal(arr.statusCode, 422)
  t.ok(arr.payload.length < 4000, `a large array is summarized (${arr.payload.length} bytes)`)

  const query = await app.inject({ method: 'GET', url: `/api/v2/batches?status=${'Q'.repeat(5000)}`, headers: AUTH })
  t.equal(query.statusCode, 422)
  t.ok(query.payload.length < 1000, `query values too (${query.payload.length} bytes)`)
})

t.test('JSON nested deeper than 64 levels is a 422 saying so', async (t) => {
  const app = await build(t)
  for (const depth of [65, 5000]) {
    const payload = '['.repeat(depth) + ']'.repeat(depth)
    const res = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload })
    t.equal(res.statusCode, 422, `depth ${depth}`)
    t.match(res.json().detail[0], { type: 'json_invalid', loc: ['body'], ctx: { error: /Nesting too deep: at most 64/ } })
  }
  // The limit itself: 64 levels are JSON (the schema refuses an array), 65 in objects are not, and
  // a body both too deep and broken is refused for its depth.
  const atLimit = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: '['.repeat(64) + ']'.repeat(64) })
  t.equal(atLimit.statusCode, 422)
  t.not(atLimit.json().detail[0].type, 'json_invalid', '64 levels parse')
  for (const payload of [`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`, '['.repeat(65)]) {
    const res = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload })
    t.match(res.json().detail[0], { type: 'json_invalid', ctx: { error: /Nesting too deep: at most 64/ } }, payload.slice(0, 12))
  }
  // The limit is on the text sent: a deep value under a key given twice (JSON.parse keeps the last)
  // is refused too, small or large, and never makes a batch.
  const deep = `${'['.repeat(70)}${']'.repeat(70)}`
  for (const pad of [0, 2000]) {
    const payload = `{"config":{"job":{"type":"parse_v2","configuration_id":"c"}},"source_directory_id":"dir-a","pad":"${'p'.repeat(pad)}","x":${deep},"x":1}`
    const res = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload })
    t.equal(res.statusCode, 422, `a deep value under a repeated key, ${payload.length} bytes`)
    t.match(res.json().detail?.[0], { type: 'json_invalid', ctx: { error: /Nesting too deep: at most 64/ } })
  }
  const deepScenario = `{"scenario": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`
  const scenario = await app.inject({ method: 'POST', url: '/_mock/scenario', headers: { 'content-type': 'application/json' }, payload: deepScenario })
  t.equal(scenario.statusCode, 422, 'an inline scenario goes through the same parser')
  t.match(scenario.json().detail[0], { type: 'json_invalid' })
  const inString = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: '['.repeat(100) } }, source_directory_id: 'dir-a' })
  t.equal((await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: inString })).statusCode, 200, 'brackets inside strings do not count')
})

t.test('__proto__ is a plain key', async (t) => {
  const app = await build(t)
  const payload = '{"__proto__": {"polluted": true}, "config": {"job": {"type": "parse_v2", "configuration_id": "c", "__proto__": {"x": 1}}}, "source_directory_id": "dir-a"}'
  const res = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload })
  t.equal(res.statusCode, 200, res.payload)
  t.equal(res.json().source_directory_id, 'dir-a')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was touched')
  const bad = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: '{"__proto__": 5, "source_directory_id": "d"}' })
  t.equal(bad.statusCode, 422)
  t.match(bad.json().detail, [{ type: 'missing', loc: ['body', 'config'] }])
})

t.test('invalid UTF-8 is a 422', async (t) => {
  const app = await build(t)
  const body = Buffer.concat([Buffer.from('{"config": {"job": {"type": "parse_v2", "configuration_id": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}, "source_directory_id": "dir-a"}')])
  const res = await app.inject({ method: 'POST', url: '/api/v2/batches', headers: JSON_CT, payload: body })
  t.equal(res.statusCode, 422)
  t.match(res.json().detail[0], { type: 'json_invalid', loc: ['body'], ctx: { error: /UTF-8/ } })
  const ok = await post(app, '/api/v2/batches', { config: { job: { type: 'parse_v2', configuration_id: 'é✓' } }, source_directory_id: 'dir-a' })
  t.equal(ok.status, 200, 'valid multi-byte UTF-8 is fine')
})
