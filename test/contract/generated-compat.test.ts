import t, { type Test } from 'tap'
import LlamaCloud from '@llamaindex/llama-cloud'
import { rejectsAs } from '../helper.js'
import { sdkAgainstMock } from './sdk-helper.js'

// The SDK's own generated tests for this resource (skipped upstream: "Mock server tests are
// disabled"), run here against --mode compat with the same calls and assertions.

t.test('resource batches, as the SDK generates it', async (t) => {
  const { client } = await sdkAgainstMock(t, { mode: 'compat', scenario: 'empty' })
  const wellFormed = async (t: Test, responsePromise: ReturnType<typeof client.batches.get>) => {
    const rawResponse = await responsePromise.asResponse()
    t.type(rawResponse, Response)
    const response = await responsePromise
    t.notOk(response instanceof Response)
    const dataAndResponse = await responsePromise.withResponse()
    t.equal(dataAndResponse.data, response)
    t.equal(dataAndResponse.response, rawResponse)
  }
  const config = { job: { configuration_id: 'cfg-PARSE_AGENTIC', type: 'parse_v2' as const } }
  const uuid = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e'

  t.test('create: only required params', (t) => wellFormed(t, client.batches.create({ config, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })))
  t.test('create: required and optional params', async (t) => {
    const response = await client.batches.create({ config, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', organization_id: uuid, project_id: uuid })
    t.equal(response.status, 'PENDING')
    t.equal(response.project_id, `prj-${uuid}`)
  })
  t.test('list', async (t) => {
    const responsePromise = client.batches.list()
    const rawResponse = await responsePromise.asResponse()
    t.type(rawResponse, Response)
    const response = await responsePromise
    t.notOk(response instanceof Response)
    const dataAndResponse = await responsePromise.withResponse()
    t.same(dataAndResponse.data.items, response.items)
  })
  t.test('list: request options and params are passed correctly', async (t) => {
    await rejectsAs(
      t,
      client.batches.list(
        {
          created_at_on_or_after: '2019-12-27T18:11:19.117Z',
          created_at_on_or_before: '2019-12-27T18:11:19.117Z',
          organization_id: uuid,
          page_size: 0,
          page_token: 'page_token',
          project_id: uuid,
          source_directory_id: 'source_directory_id',
          status: 'PENDING'
        },
        { path: '/_stainless_unknown_path' }
      ),
      LlamaCloud.NotFoundError
    )
  })
  t.test('list: the same params on the real path succeed', async (t) => {
    const page = await client.batches.list({ created_at_on_or_after: '2019-12-27T18:11:19.117Z', organization_id: uuid, page_size: 0, page_token: 'page_token', project_id: uuid, source_directory_id: 'source_directory_id', status: 'PENDING' })
    t.same(page.items, [])
  })
  t.test('get', (t) => wellFormed(t, client.batches.get('batch_id')))
  t.test('get: request options and params are passed correctly', async (t) => {
    await rejectsAs(t, client.batches.get('batch_id', { expand: ['string', 'string'], organization_id: uuid, project_id: uuid }, { path: '/_stainless_unknown_path' }), LlamaCloud.NotFoundError)
    const batch = await client.batches.get('batch_id', { expand: ['string', 'string'], organization_id: uuid, project_id: uuid })
    t.equal(batch.id, 'batch_id')
  })
  t.test('cancel', (t) => wellFormed(t, client.batches.cancel('batch_id')))
  t.test('cancel: required and optional params', async (t) => {
    t.equal((await client.batches.cancel('batch_id', { organization_id: uuid, project_id: uuid })).id, 'batch_id')
  })
})
