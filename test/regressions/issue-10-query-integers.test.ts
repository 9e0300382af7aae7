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
