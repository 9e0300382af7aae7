// npm run bench: the mock against the limits and the alternatives, measured in one run.
// Loopback only; every load is bounded in time. BENCH_SECONDS sets the length of each run.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { webhookFigures, type WebhookFigures } from './webhooks.js'
import { startupFigures, startupLines, type StartupFigures } from './startup.js'

// Compiled to bench/dist/bench/run.js: the repository is three levels up.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
// Steady state: each throughput row first runs its workload this long, uncounted, for every
// server alike (the JIT, caches and connections warm up). The webhook rows take none: their
// window is timed against the batches' transitions.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1)
const CONNECTIONS = 50
const PRISM_VERSION = '5.14.2'
const AUTH = { authorization: 'Bearer bench' }
const EXAMPLE = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const BIG = '/api/v2/batches/bat-bench-1000?expand=results'
const CREATE_BODY = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })

export interface Server {
  name: string
  url: string
  child: ChildProcess
  /** Spawn → the first 200 on the probe, this process's clock. */
  firstOkMs: number
  /** Spawn → the line with the URL (the CLI's banner). */
  bannerMs: number
  /** When it was spawned, epoch ms (performance.timeOrigin + performance.now()). */
  spawnedAt: number
  /** The process's start-up marks (epoch ms) when MOCK_STARTUP_TIMING=1 asked for them. */
  timing?: Record<string, number>
  /** Everything it wrote to stdout and stderr so far. */
  output(): string
}

export interface Row {
  target: string
  workload: string
  rps: number
  meanMs: number
  p99Ms: number
  non2xx: number
  errors: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Spawns a server, waits for its "listening on URL" line, then for its first 200 on `probe`. */
async function start(name: string, command: string, args: string[], probe: string, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const started = performance.now()
  const spawnedAt = performance.timeOrigin + started
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let bannerMs = NaN
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d
      const m = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) {
        if (Number.isNaN(bannerMs)) bannerMs = performance.now() - started
        resolve(m[1] as string)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}: ${output.slice(-2000)}`)))
    setTimeout(() => reject(new Error(`${name} did not start in 120 s`)), 120_000).unref()
  })
  for (;;) {
    const ok = await fetch(url + probe, { headers: AUTH }).then((r) => r.ok, () => false)
    if (ok) break
    if (performance.now() - started > 120_000) throw new Error(`${name}: no 200 on ${probe}`)
    await sleep(5)
  }
  const firstOkMs = performance.now() - started
  let timing: Record<string, number> | undefined
  // The marks line follows the banner on the other pipe: wait for it briefly.
  for (let waited = 0; env.MOCK_STARTUP_TIMING === '1' && timing === undefined && waited < 5000; waited += 5) {
    const line = /\{"startupTiming":[^\n]*\}\n/.exec(output)
    if (line) timing = (JSON.parse(line[0]) as { startupTiming: Record<string, number> }).startupTiming
    else await sleep(5)
  }
  return { name, url, child, firstOkMs, bannerMs, spawnedAt, ...(timing && { timing }), output: () => output }
}

/**
 * The first fetch() of a process loads undici (tens of ms): do it once before any start-up is
 * timed, so spawn → first 200 measures the server, not this process's first request.
 */
async function warmFetch(): Promise<void> {
  const server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`).then((r) => r.text())
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}

function peakRssMb(child: ChildProcess): number {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
  } catch {
    return NaN
  }
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM')
  await new Promise((r) => server.child.once('exit', r))
}

async function load(target: string, workload: string, url: string, opts: { method?: 'GET' | 'POST'; body?: string; warmupSeconds?: number } = {}): Promise<Row> {
  const run = (duration: number) =>
    autocannon({
      url,
      connections: CONNECTIONS,
      duration,
      method: opts.method ?? 'GET',
      headers: { ...AUTH, ...(opts.body ? { 'content-type': 'application/json' } : {}) },
      ...(opts.body ? { body: opts.body } : {})
    })
  const warmup = opts.warmupSeconds ?? WARMUP_SECONDS
  if (warmup > 0) await run(warmup)
  const result = await run(SECONDS)
  const rps = result.requests.average
  return { target, workload, rps, meanMs: (CONNECTIONS / Math.max(rps, 1)) * 1000, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts }
}

/** A throughput row without the warm-up (the webhook rows). */
const unwarmed = (target: string, workload: string, url: string): Promise<Row> => load(target, workload, url, { warmupSeconds: 0 })

async function body(url: string, init: RequestInit = {}, retries = 2): Promise<string> {
  const send = () => fetch(url, { ...init, headers: { ...AUTH, ...(init.body ? { 'content-type': 'application/json' } : {}) } })
  // A kept-alive socket the server has just closed fails once; a fresh one does not.
  const res = await send().catch((e: unknown) => (retries > 0 ? sleep(50).then(send) : Promise.reject(e)))
  if (!res.ok) throw new Error(`${url}: ${res.status}`)
  return res.text()
}

/** Prism, installed on first use into bench/.prism (pinned; not a project dependency). */
function prismBin(): string | null {
  const dir = join(ROOT, 'bench', '.prism')
  const bin = join(dir, 'node_modules', '.bin', 'prism')
  if (existsSync(bin)) return bin
  try {
    mkdirSync(dir, { recursive: true })
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', `@stoplight/prism-cli@${PRISM_VERSION}`], { stdio: 'ignore' })
    return existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

const fmt = (n: number | undefined, digits = 0) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const div = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined)
const x = (r: number | undefined) => (r === undefined ? 'n/a' : `${r.toFixed(2)}x`)

/** One row of the targets table: a figure, what was measured, the target and whether it is met. */
interface Figure {
  figure: string
  measured: string
  target: string
  /** The number the target is about; undefined when it could not be measured. */
  value: number | undefined
  /** undefined: the bench does not measure this figure (the row says where it is measured). */
  met?: (value: number) => boolean
  /** A control: measured to explain another figure, with no target of its own. */
  control?: true
}

const atLeast = (min: number) => (v: number) => v >= min
const atMost = (max: number) => (v: number) => v <= max

function verdict(f: Figure): string {
  if (f.control) return 'control'
  if (f.met === undefined) return 'not measured here'
  if (f.value === undefined || !Number.isFinite(f.value)) return 'n/a'
  return f.met(f.value) ? 'met' : '**missed**'
}

function figureLines(title: string, figures: Figure[]): string[] {
  return [`| ${title} | measured | target | met? |`, '|---|---:|---|---|', ...figures.map((f) => `| ${f.figure} | ${f.measured} | ${f.target} | ${verdict(f)} |`)]
}

interface CostFigures {
  creates10k: { bytesPerBatch: number; heapMb: number; seconds: number }
  creates1M: { bytesPerBatch: number; heapMb: number; seconds: number }
  listMs: { unfiltered: number; matchingNothing: number; matchingAPage: number }
}

/** bench/cost.ts in its own process (--expose-gc), so the heap it measures is the mock's alone. */
function costFigures(): CostFigures {
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=2048', join(ROOT, 'bench', 'dist', 'bench', 'cost.js')], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 })
  return JSON.parse(out.trim().split('\n').pop() as string) as CostFigures
}

function costRows(c: CostFigures): Figure[] {
  const nothing = div(c.listMs.matchingNothing, c.listMs.unfiltered)
  const page = div(c.listMs.matchingAPage, c.listMs.unfiltered)
  return [
    { figure: 'heap per created batch (10k creates)', measured: `${fmt(c.creates10k.bytesPerBatch)} bytes`, target: 'a few hundred bytes (< 1,000)', value: c.creates10k.bytesPerBatch, met: atMost(1000) },
    { figure: 'heap after 1M creates (measured)', measured: `${fmt(c.creates1M.heapMb)} MB (${fmt(c.creates1M.bytesPerBatch)} bytes a batch, ${fmt(c.creates1M.seconds, 1)} s)`, target: '< 500 MB', value: c.creates1M.heapMb, met: (v) => v < 500 },
    { figure: 'status list matching nothing, 100k batches: ms / unfiltered page of 50', measured: `${fmt(c.listMs.matchingNothing, 3)} ms / ${fmt(c.listMs.unfiltered, 3)} ms = ${x(nothing)}`, target: '<= 1x', value: nothing, met: atMost(1) },
    { figure: 'status list matching a page of 50, 100k batches / unfiltered', measured: `${fmt(c.listMs.matchingAPage, 3)} ms / ${fmt(c.listMs.unfiltered, 3)} ms = ${x(page)}`, target: '<= 1.5x', value: page, met: atMost(1.5) }
  ]
}

function webhookRows(w: WebhookFigures): Figure[] {
  const rps = (workload: string) => w.rows.find((r) => r.workload === workload)?.rps
  const during = div(rps('get small, 1000 batches with webhooks transitioning'), rps('get small (webhooks baseline)'))
  const control = div(rps('get small, 1000 batches without webhooks transitioning (control)'), rps('get small (control baseline)'))
  return [
    { figure: `webhook deliveries/s to a local receiver (${w.deliveries} deliveries, concurrency 8)`, measured: `${fmt(w.deliveriesPerSecond)} /s`, target: '>= 1000 /s', value: w.deliveriesPerSecond, met: atLeast(1000) },
    { figure: 'get small while 1000 batches with webhooks transition / alone', measured: x(during), target: '>= 0.8x (no regression beyond noise)', value: during, met: atLeast(0.8) },
    { figure: 'control: get small while 1000 batches without webhooks transition / alone', measured: x(control), target: 'none: the part of the drop that is not webhooks\'', value: control, control: true }
  ]
}

/** The start-up figures of issue 14's table. */
function startupRows(s: StartupFigures): Figure[] {
  const range = (series: StartupFigures['default']) => `median of ${series.runs.length}: ${fmt(series.median.totalMs)} ms (${fmt(series.minMs)}–${fmt(series.maxMs)})`
  return [
    { figure: 'spawn → first 200, default scenario', measured: `${range(s.default)}; bare node:http ${fmt(s.bare.median.totalMs)} ms`, target: '**<= 300 ms** median (issue 14; was <= 600 ms)', value: s.default.median.totalMs, met: atMost(300) },
    { figure: 'spawn → first 200, 100k batches / 1M files', measured: range(s.large), target: '<= 2000 ms (issue 14; was <= 3000 ms)', value: s.large.median.totalMs, met: atMost(2000) },
    { figure: '`npm start` → banner, fresh build (`node scripts/start.mjs`, without npm\'s own start)', measured: range(s.npmStart), target: '<= 1000 ms (issue 14)', value: s.npmStart.median.totalMs, met: atMost(1000) }
  ]
}

const TEST_WALL_TIME: Figure = { figure: '`npm test`, wall time on 2 cores', measured: 'printed by `.ci/run`, not by the bench', target: '**<= 90 s** with no test dropped (issue 14)', value: undefined }

function write(table: string, results: object): void {
  process.stdout.write(`\n${table}`)
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  writeFileSync(join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(results, null, 2))
}

const machine = (extra = '') => `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${extra}, loopback`

async function main(): Promise<void> {
  const cli = join(ROOT, 'dist', 'cli.js')
  if (process.env.BENCH_ONLY === 'webhooks') {
    // The webhook rows alone: two mocks of their own and a receiver in this process.
    const w = await webhookFigures({ cli, start, stop, load: unwarmed, body })
    const lines = ['| target | workload | req/s | mean latency ms | p99 ms | non-2xx | errors |', '|---|---|---:|---:|---:|---:|---:|']
    for (const r of w.rows) lines.push(`| ${r.target} | ${r.workload} | ${fmt(r.rps)} | ${fmt(r.meanMs, 2)} | ${fmt(r.p99Ms)} | ${r.non2xx} | ${r.errors} |`)
    lines.push('', ...figureLines('webhooks (same run)', webhookRows(w)))
    process.stdout.write(`\n${lines.join('\n')}\n`)
    return
  }
  if (process.env.BENCH_ONLY === 'cost') {
    // The cost rows alone (no load generator, no other servers): quick to rerun.
    process.stdout.write(`\n${figureLines('cost (same run)', costRows(costFigures())).join('\n')}\n`)
    return
  }
  await warmFetch()
  if (process.env.BENCH_ONLY === 'startup') {
    // The start-up rows alone (no load generator): ~20 s.
    const s = await startupFigures({ root: ROOT, cli, start, stop }, { defaultRuns: 5, largeRuns: 3, keep: false })
    const table = `Measured ${new Date().toISOString()} on ${machine()}.\n\n${startupLines(s).join('\n')}\n\n${figureLines('start-up', startupRows(s)).join('\n')}\n${s.notes.map((n) => `\nNote: ${n}`).join('')}\n`
    write(table, { machine: machine(), startup: s })
    return
  }
  const rows: Row[] = []
  const notes: string[] = []

  // 1. Start-up first, on a machine the load runs have not warmed: the default scenario (the
  // mock as users start it: default flags, real clock) and the scale scenario (100k batches /
  // 1M files), several starts each; the last of each stays up for the load runs below.
  const startup = await startupFigures({ root: ROOT, cli, start, stop }, { defaultRuns: 5, largeRuns: 3, keep: true })
  notes.push(...startup.notes)
  const mock = startup.servers.mock as Server
  const large = startup.servers.large as Server
  await body(`${mock.url}/_mock/batches`, { method: 'POST', body: JSON.stringify({ id: 'bat-bench-1000', files: 1000, outcome: 'COMPLETED', created_ago_ms: 3_600_000 }) })
  const small = await body(mock.url + EXAMPLE)
  const big = await body(mock.url + BIG)
  const created = await body(`${mock.url}/api/v2/batches`, { method: 'POST', body: CREATE_BODY })

  // 2. The scale scenario, for the list workload and the scale targets.
  const firstId = (JSON.parse(await body(`${large.url}/api/v2/batches?page_size=1`)) as { items: { id: string }[] }).items[0]!.id
  const listPath = '/api/v2/batches?page_size=50'
  const listBody = await body(large.url + listPath)

  const bodiesFile = join(ROOT, 'bench', 'dist', 'bodies.json')
  writeFileSync(bodiesFile, JSON.stringify({ [`GET ${EXAMPLE}`]: small, [`GET ${BIG}`]: big, [`GET ${listPath}`]: listBody, 'POST /api/v2/batches': created }))
  const bare = await start('bare', process.execPath, [join(ROOT, 'bench', 'dist', 'bench', 'bare-server.js'), bodiesFile], EXAMPLE)
  const naive = await start('naive-fastify', process.execPath, [join(ROOT, 'bench', 'dist', 'bench', 'naive-fastify.js'), bodiesFile], EXAMPLE)

  for (const [workload, path] of [['get small', EXAMPLE], ['get 1000 results', BIG]] as const) {
    rows.push(await load('mock', workload, mock.url + path))
    rows.push(await load('bare', workload, bare.url + path))
    rows.push(await load('naive-fastify', workload, naive.url + path))
  }
  rows.push(await load('mock', 'list 50 of 100k', large.url + listPath))
  rows.push(await load('bare', 'list 50 of 100k', bare.url + listPath))
  rows.push(await load('mock', 'create', `${mock.url}/api/v2/batches`, { method: 'POST', body: CREATE_BODY }))
  rows.push(await load('bare', 'create', `${bare.url}/api/v2/batches`, { method: 'POST', body: CREATE_BODY }))
  rows.push(await load('mock-large', 'get small', `${large.url}/api/v2/batches/${firstId}`))
  // Last on `mock`, as the rules stay: 1,000 fault rules (half exact paths, half globs) that never match.
  for (let i = 0; i < 1000; i++) {
    const path = i % 2 === 0 ? `/api/v2/batches/bat-never-${i}` : `/api/v2/never-${i}/**`
    await body(`${mock.url}/_mock/faults`, { method: 'POST', body: JSON.stringify({ path, status: 503 }) })
  }
  rows.push(await load('mock', 'get small, 1000 fault rules', mock.url + EXAMPLE))

  // 3. Prism serving the mock's own OpenAPI document.
  let prism: Server | null = null
  const bin = prismBin()
  if (bin) {
    const spec = join(ROOT, 'bench', 'dist', 'openapi.json')
    writeFileSync(spec, await body(`${mock.url}/openapi.json`))
    try {
      prism = await start('prism', bin, ['mock', spec, '--port', String(46000 + Math.floor(Math.random() * 1000)), '--host', '127.0.0.1'], EXAMPLE)
      rows.push(await load('prism', 'get small', prism.url + EXAMPLE))
      rows.push(await load('prism', 'get 1000 results', prism.url + BIG))
    } catch (e) {
      notes.push(`Prism did not run: ${(e as Error).message.split('\n')[0]}`)
    }
  } else {
    notes.push(`Prism ${PRISM_VERSION} could not be installed: no Prism figures`)
  }

  const webhooks = await webhookFigures({ cli, start, stop, load: unwarmed, body })
  rows.push(...webhooks.rows)
  const cost = costFigures()
  const rss = { mock: peakRssMb(mock.child), large: peakRssMb(large.child), prism: prism ? peakRssMb(prism.child) : NaN }
  const servers = [mock, large, bare, naive, ...(prism ? [prism] : [])]
  await Promise.all(servers.map(stop))

  const rps = (target: string, workload: string) => rows.find((r) => r.target === target && r.workload === workload)?.rps
  const ratioRow = (figure: string, a: [string, string], b: [string, string], target: string, met: (v: number) => boolean): Figure => {
    const value = div(rps(...a), rps(...b))
    return { figure, measured: x(value), target, value, met }
  }
  const defaultStart = startup.default.median.totalMs
  const vsPrism = prism ? div(defaultStart, prism.firstOkMs) : undefined
  // Issue 14's table first, every figure with its target; then the earlier rows, with theirs.
  const issue14: Figure[] = [
    startupRows(startup)[0]!,
    startupRows(startup)[1]!,
    ratioRow('get small: mock / bare', ['mock', 'get small'], ['bare', 'get small'], '>= 0.85x (issue 14; was >= 0.8x)', atLeast(0.85)),
    ratioRow('list 50 of 100k: mock / bare', ['mock', 'list 50 of 100k'], ['bare', 'list 50 of 100k'], '>= 0.6x (issue 14; was >= 0.5x)', atLeast(0.6)),
    ratioRow('create: mock / bare', ['mock', 'create'], ['bare', 'create'], '>= 0.6x (issue 14; was >= 0.4x)', atLeast(0.6)),
    startupRows(startup)[2]!,
    TEST_WALL_TIME
  ]
  const earlier: Figure[] = [
    ratioRow('get small: mock / Prism', ['mock', 'get small'], ['prism', 'get small'], '>= 25x', atLeast(25)),
    ratioRow('get 1000 results: mock / bare', ['mock', 'get 1000 results'], ['bare', 'get 1000 results'], '>= 0.6x', atLeast(0.6)),
    ratioRow('get 1000 results: mock / naive Fastify', ['mock', 'get 1000 results'], ['naive-fastify', 'get 1000 results'], '>= 7x', atLeast(7)),
    ratioRow('get small: 1000 non-matching fault rules / none', ['mock', 'get small, 1000 fault rules'], ['mock', 'get small'], '>= 0.8x', atLeast(0.8)),
    ratioRow('get small, 100k scenario / default scenario', ['mock-large', 'get small'], ['mock', 'get small'], 'latency <= 1.2x (ratio >= 0.83x)', atLeast(0.83)),
    { figure: 'spawn → first 200: mock (median) / Prism', measured: `${x(vsPrism)} (Prism ${prism ? fmt(prism.firstOkMs) : 'n/a'} ms)`, target: '<= 0.35x', value: vsPrism, met: atMost(0.35) },
    { figure: 'peak RSS: default / 100k scenario / Prism', measured: `${fmt(rss.mock)} / ${fmt(rss.large)} / ${fmt(rss.prism)} MB`, target: '100k: <= 400 MB', value: rss.large, met: atMost(400) },
    ...webhookRows(webhooks),
    ...costRows(cost)
  ]

  const lines: string[] = []
  lines.push(`| target | workload | req/s | mean latency ms | p99 ms | non-2xx | errors |`)
  lines.push(`|---|---|---:|---:|---:|---:|---:|`)
  for (const r of rows) lines.push(`| ${r.target} | ${r.workload} | ${fmt(r.rps)} | ${fmt(r.meanMs, 2)} | ${fmt(r.p99Ms)} | ${r.non2xx} | ${r.errors} |`)
  lines.push('', ...figureLines("issue 14's figures (same run)", issue14))
  lines.push('', ...figureLines('earlier targets (same run)', earlier))
  lines.push('', ...startupLines(startup))
  const where = machine(`, autocannon -c ${CONNECTIONS} -d ${SECONDS} after ${WARMUP_SECONDS} s uncounted`)
  const table = `Measured ${new Date().toISOString()} on ${where}.\n\n${lines.join('\n')}\n${notes.map((n) => `\nNote: ${n}`).join('')}\n`
  const { servers: _servers, ...startupData } = startup
  write(table, { machine: where, rows, cost, webhooks: { deliveriesPerSecond: webhooks.deliveriesPerSecond, deliveries: webhooks.deliveries }, startup: startupData, firstOkMs: { mock: defaultStart, large: startup.large.median.totalMs, prism: prism?.firstOkMs ?? null }, rss, notes })
  const readmePath = join(ROOT, 'bench', 'README.md')
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : ''
  const marker = /<!-- results -->[\s\S]*<!-- \/results -->/
  if (marker.test(readme)) writeFileSync(readmePath, readme.replace(marker, `<!-- results -->\n${table}<!-- /results -->`))
}

await main()
