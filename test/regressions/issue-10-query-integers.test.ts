import t from 'tap'
import { build, get, scenario, START_MS } from '../helper.js'

const many = () => scenario(Array.from({ length: 30 }, (_, i) => ({ id: `bat-${i}`, created_at: new Date(START_MS - (i + 1) * 1000).toISOString(), files: 1 })))

t.test('query integers are plain decimal digits', async (t) => {
  const app = await build(t, { scenario: many() })
  for (const value of ['Infinity', '1e1000', '1e2', '0x10', ' 5', '5 ', '+5', '5.0', '1_0', '']) {
    const res = await get(app, `/api/v2/batches?page_size=${encodeURIComponent(value)}`)
    t.equal(res.status, 422, `page_size=${JSON.stringify(value)}`)
    t.same(res.body.detail?.[0], { type: 'int_parsing', loc: ['query', 'page_size'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: value })
  }
  const ok = await get(app, '/api/v2/batches?page_size=7')
  t.equal(ok.status, 200)
  t.equal(ok.body.items.length, 7)
  t.equal((await get(app, '/api/v2/batches?page_size=007')).body.items.length, 7, 'leading zeros are digits still')
  const negative = await get(app, '/api/v2/batches?page_size=-5')
  t.equal(negative.status, 422)
  t.equal(negative.body.detail[0].type, 'greater_than_equal', '-5 parses, then fails the bound')
})

t.test('control-plane integers too', async (t) => {
  const app = await build(t)
  for (const value of ['4e2', '0x190', 'Infinity', ' 200']) {
    const res = await get(app, `/_mock/requests?status=${encodeURIComponent(value)}`, {})
    t.equal(res.status, 422, `status=${value}`)
    t.equal(res.body.detail[0].type, 'int_parsing')
  }
  t.equal((await get(app, '/_mock/requests?status=200', {})).status, 200)
})

// pydantic quotes a query integer that parses but fails its bound as the text sent: "input": "-5".
t.test('a query integer out of bounds is quoted as sent', async (t) => {
  const app = await build(t, { scenario: many() })
  const cases: [string, string, string][] = [
    ['/api/v2/batches?page_size=-5', 'greater_than_equal', '-5'],
    ['/api/v2/batches?page_size=007000', 'less_than_equal', '007000'],
    ['/_mock/requests?last=99999999999999999999999', 'less_than_equal', '99999999999999999999999'],
    ['/_mock/requests?last=0&status=abc', 'int_parsing', 'abc']
  ]
  for (const [url, type, input] of cases) {
    const res = await get(app, url)
    t.equal(res.status, 422, url)
    t.match(res.body.detail, [{ type, input }], url)
  }
  t.same((await get(app, '/_mock/requests?last=0&status=abc', {})).body.detail.map((d: { input: unknown }) => d.input).sort(), ['0', 'abc'], 'every integer of a failing query as sent')
})
