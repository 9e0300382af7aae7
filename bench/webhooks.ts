// Webhook rows of `npm run bench` (BENCH_ONLY=webhooks runs them alone): deliveries per
// second to a local receiver, and GET throughput while 1,000 batches with webhooks transition
// (and, as a control, while 1,000 batches without webhooks do).
import type { Receiver } from './receiver.mjs'
import type { Row, Server } from './run.js'

export interface BenchTools {
  cli: string
  start(name: string, command: string, args: string[], probe: string): Promise<Server>
  stop(server: Server): Promise<void>
  load(target: string, workload: string, url: string): Promise<Row>
  body(url: string, init?: RequestInit): Promise<string>
}

export interface WebhookFigures {
  rows: Row[]
  /** Deliveries answered per second, clock advanced past 1,000 batches' transitions (2,000 deliveries). */
  deliveriesPerSecond: number
  deliveries: number
}

const EXAMPLE = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const BATCHES = 1000

/**
 * The shared receiver (bench/receiver.mjs, plain JavaScript beside this file's source): loaded
 * from the source tree, as this file runs compiled from bench/dist/bench/.
 */
async function receiver(): Promise<Receiver> {
  const mod = (await import(new URL('../../receiver.mjs', import.meta.url).href)) as typeof import('./receiver.mjs')
  return mod.receiver()
}

/** 1,000 creates, each naming `hook` as its one inline webhook (none when null: the control). */
async function createBatches(tools: BenchTools, url: string, hook: string | null): Promise<void> {
  const body = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', ...(hook !== null && { webhook_configurations: [{ webhook_url: hook }] }) })
  // 10 at a time: quick, and no more than the mock's queue can hold.
  for (let i = 0; i < BATCHES; i += 10) await Promise.all(Array.from({ length: 10 }, () => tools.body(`${url}/api/v2/batches`, { method: 'POST', body })))
}

export async function webhookFigures(tools: BenchTools): Promise<WebhookFigures> {
  const rx = await receiver()
  const rows: Row[] = []
  try {
    // 1. Deliveries per second: a manual clock, 1,000 batches, then one advance past every
    // transition (RUNNING and COMPLETED: 2,000 deliveries), timed until the flush returns.
    const manual = await tools.start('mock-webhooks', process.execPath, [tools.cli, '--port', '0', '--log-level', 'warn', '--scenario', 'empty', '--clock', 'manual'], '/api/v2/batches?page_size=1')
    await createBatches(tools, manual.url, rx.url)
    await tools.body(`${manual.url}/_mock/webhooks/flush?timeout_ms=60000`, { method: 'POST' })
    const before = await rx.count()
    const t0 = performance.now()
    await tools.body(`${manual.url}/_mock/clock/advance`, { method: 'POST', body: JSON.stringify({ ms: 60_000 }) })
    await tools.body(`${manual.url}/_mock/webhooks/flush?timeout_ms=60000`, { method: 'POST' })
    const seconds = (performance.now() - t0) / 1000
    const deliveries = (await rx.count()) - before
    await tools.stop(manual)

    // 2. GET throughput, the default scenario under a real clock: alone, then while 1,000
    // batches with webhooks go PENDING → RUNNING → COMPLETED (default timeline, 1 s + 4 s).
    const real = await tools.start('mock-webhooks-real', process.execPath, [tools.cli, '--port', '0', '--log-level', 'warn'], EXAMPLE)
    rows.push(await tools.load('mock', 'get small (webhooks baseline)', real.url + EXAMPLE))
    await createBatches(tools, real.url, rx.url)
    rows.push(await tools.load('mock', 'get small, 1000 batches with webhooks transitioning', real.url + EXAMPLE))
    await tools.stop(real)

    // 3. The control, in a mock of its own: the same, but the 1,000 batches name no webhook.
    // Its ratio is what the creates and the batches themselves cost; the rest of the drop above is webhooks'.
    const control = await tools.start('mock-webhooks-control', process.execPath, [tools.cli, '--port', '0', '--log-level', 'warn'], EXAMPLE)
    rows.push(await tools.load('mock', 'get small (control baseline)', control.url + EXAMPLE))
    await createBatches(tools, control.url, null)
    rows.push(await tools.load('mock', 'get small, 1000 batches without webhooks transitioning (control)', control.url + EXAMPLE))
    await tools.stop(control)
    return { rows, deliveriesPerSecond: deliveries / seconds, deliveries }
  } finally {
    await rx.close()
  }
}
