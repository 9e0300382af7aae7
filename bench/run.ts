// npm run bench: the mock against the limits and the alternatives, measured in one run.
// Loopback only; every load is bounded in time. BENCH_SECONDS sets the length of each run.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { webhookFigures, type WebhookFigures } from './webhooks.js'

// Compiled to bench/dist/bench/run.js: the repository is three levels up.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
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
  firstOkMs: number
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
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d
      const m = /(https?:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) resolve(m[1] as string)
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
  return { name, url, child, firstOkMs: performance.now() - started }
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

async function load(target: string, workload: string, url: string, opts: { method?: 'GET' | 'POST'; body?: string } = {}): Promise<Row> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: opts.method ?? 'GET',
    headers: { ...AUTH, ...(opts.body ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body ? { body: opts.body } : {})
  })
  const rps = result.requests.average
  return { target, workload, rps, meanMs: (CONNECTIONS / Math.max(rps, 1)) * 1000, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts }
}

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

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a')

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

function costLines(c: CostFigures): string[] {
  return [
    `| heap per created batch (10k creates) | ${fmt(c.creates10k.bytesPerBatch)} bytes | a few hundred bytes |`,
    `| heap after 1M creates (measured) | ${fmt(c.creates1M.heapMb)} MB (${fmt(c.creates1M.bytesPerBatch)} bytes a batch, ${fmt(c.creates1M.seconds, 1)} s) | < 500 MB |`,
    `| status list matching nothing, 100k batches: ms / unfiltered page of 50 | ${fmt(c.listMs.matchingNothing, 3)} ms / ${fmt(c.listMs.unfiltered, 3)} ms = ${ratio(c.listMs.matchingNothing, c.listMs.unfiltered)} | <= 1x |`,
    `| status list matching a page of 50, 100k batches / unfiltered | ${fmt(c.listMs.matchingAPage, 3)} ms / ${fmt(c.listMs.unfiltered, 3)} ms = ${ratio(c.listMs.matchingAPage, c.listMs.unfiltered)} | <= 1.5x |`
  ]
}

function webhookLines(w: WebhookFigures): string[] {
  const rps = (workload: string) => w.rows.find((r) => r.workload === workload)?.rps
  return [
    `| webhook deliveries/s to a local receiver (${w.deliveries} deliveries, concurrency 8) | ${fmt(w.deliveriesPerSecond)} /s | >= 1000 /s |`,
    `| get small while 1000 batches with webhooks transition / alone | ${ratio(rps('get small, 1000 batches with webhooks transitioning'), rps('get small (webhooks baseline)'))} | >= 0.8x (no regression beyond noise) |`
  ]
}

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY === 'webhooks') {
    // The webhook rows alone: two mocks of their own and a receiver in this process.
    const w = await webhookFigures({ cli: join(ROOT, 'dist', 'cli.js'), start, stop, load, body })
    const lines = ['| target | workload | req/s | mean latency ms | p99 ms | non-2xx | errors |', '|---|---|---:|---:|---:|---:|---:|']
    for (const r of w.rows) lines.push(`| ${r.target} | ${r.workload} | ${fmt(r.rps)} | ${fmt(r.meanMs, 2)} | ${fmt(r.p99Ms)} | ${r.non2xx} | ${r.errors} |`)
    lines.push('', '| webhooks (same run) | measured | target |', '|---|---:|---|', ...webhookLines(w))
    process.stdout.write(`\n${lines.join('\n')}\n`)
    return
  }
  if (process.env.BENCH_ONLY === 'cost') {
    // The cost rows alone (no load generator, no other servers): quick to rerun.
    const lines = ['| cost (same run) | measured | target |', '|---|---:|---|', ...costLines(costFigures())]
    process.stdout.write(`\n${lines.join('\n')}\n`)
    return
  }
  const rows: Row[] = []
  const notes: string[] = []
  const cli = join(ROOT, 'dist', 'cli.js')

  // 1. The mock as users start it: the CLI with default flags (default scenario, real clock).
  const mock = await start('mock', process.execPath, [cli, '--port', '0', '--log-level', 'warn'], EXAMPLE)
  await body(`${mock.url}/_mock/batches`, { method: 'POST', body: JSON.stringify({ id: 'bat-bench-1000', files: 1000, outcome: 'COMPLETED', created_ago_ms: 3_600_000 }) })
  const small = await body(mock.url + EXAMPLE)
  const big = await body(mock.url + BIG)
  const created = await body(`${mock.url}/api/v2/batches`, { method: 'POST', body: CREATE_BODY })

  // 2. The scale scenario: 100k batches / 1M files, for the list workload and the scale targets.
  const large = await start('mock-large', process.execPath, [cli, '--port', '0', '--log-level', 'warn', '--scenario', join(ROOT, 'bench', 'scenarios', 'large.yaml')], '/api/v2/batches?page_size=1')
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

  const webhooks = await webhookFigures({ cli, start, stop, load, body })
  rows.push(...webhooks.rows)
  const cost = costFigures()
  const rss = { mock: peakRssMb(mock.child), large: peakRssMb(large.child), prism: prism ? peakRssMb(prism.child) : NaN }
  const servers = [mock, large, bare, naive, ...(prism ? [prism] : [])]
  await Promise.all(servers.map(stop))

  const rps = (target: string, workload: string) => rows.find((r) => r.target === target && r.workload === workload)?.rps
  const lines: string[] = []
  lines.push(`| target | workload | req/s | mean latency ms | p99 ms | non-2xx | errors |`)
  lines.push(`|---|---|---:|---:|---:|---:|---:|`)
  for (const r of rows) lines.push(`| ${r.target} | ${r.workload} | ${fmt(r.rps)} | ${fmt(r.meanMs, 2)} | ${fmt(r.p99Ms)} | ${r.non2xx} | ${r.errors} |`)
  lines.push('')
  lines.push(`| ratio (same run) | measured | target |`)
  lines.push(`|---|---:|---|`)
  lines.push(`| get small: mock / bare | ${ratio(rps('mock', 'get small'), rps('bare', 'get small'))} | >= 0.8x |`)
  lines.push(`| get small: mock / Prism | ${ratio(rps('mock', 'get small'), rps('prism', 'get small'))} | >= 25x |`)
  lines.push(`| get 1000 results: mock / bare | ${ratio(rps('mock', 'get 1000 results'), rps('bare', 'get 1000 results'))} | >= 0.6x |`)
  lines.push(`| get 1000 results: mock / naive Fastify | ${ratio(rps('mock', 'get 1000 results'), rps('naive-fastify', 'get 1000 results'))} | >= 7x |`)
  lines.push(`| list 50 of 100k: mock / bare | ${ratio(rps('mock', 'list 50 of 100k'), rps('bare', 'list 50 of 100k'))} | >= 0.5x |`)
  lines.push(`| create: mock / bare | ${ratio(rps('mock', 'create'), rps('bare', 'create'))} | >= 0.4x |`)
  lines.push(`| get small: 1000 non-matching fault rules / none | ${ratio(rps('mock', 'get small, 1000 fault rules'), rps('mock', 'get small'))} | >= 0.8x |`)
  lines.push(`| get small, 100k scenario / default scenario | ${ratio(rps('mock-large', 'get small'), rps('mock', 'get small'))} | latency <= 1.2x (ratio >= 0.83x) |`)
  lines.push(`| spawn to first 200, default scenario | ${fmt(mock.firstOkMs)} ms | <= 600 ms |`)
  lines.push(`| spawn to first 200: mock / Prism | ${prism ? ratio(mock.firstOkMs, prism.firstOkMs) : 'n/a'} (Prism ${prism ? fmt(prism.firstOkMs) : 'n/a'} ms) | <= 0.35x |`)
  lines.push(`| spawn to first 200, 100k batches / 1M files | ${fmt(large.firstOkMs)} ms | <= 3000 ms |`)
  lines.push(`| peak RSS: default / 100k scenario / Prism | ${fmt(rss.mock)} / ${fmt(rss.large)} / ${fmt(rss.prism)} MB | 100k: <= 400 MB |`)
  lines.push(...webhookLines(webhooks))
  lines.push(...costLines(cost))
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, autocannon -c ${CONNECTIONS} -d ${SECONDS}, loopback`
  const table = `Measured ${new Date().toISOString()} on ${machine}.\n\n${lines.join('\n')}\n${notes.map((n) => `\nNote: ${n}`).join('')}\n`
  process.stdout.write(`\n${table}`)

  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  writeFileSync(join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ machine, rows, cost, webhooks: { deliveriesPerSecond: webhooks.deliveriesPerSecond, deliveries: webhooks.deliveries }, firstOkMs: { mock: mock.firstOkMs, large: large.firstOkMs, prism: prism?.firstOkMs ?? null }, rss, notes }, null, 2))
  const readmePath = join(ROOT, 'bench', 'README.md')
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : ''
  const marker = /<!-- results -->[\s\S]*<!-- \/results -->/
  if (marker.test(readme)) writeFileSync(readmePath, readme.replace(marker, `<!-- results -->\n${table}<!-- /results -->`))
}

await main()
