// Server CPU per request (µs), the figure throughput work optimises on a shared machine, where
// req/s is noise. Spawns the built CLI (default scenario, and the 100k-batch scale scenario for
// the list), bench/bare-server.ts and bench/naive-fastify.ts; sends a fixed number of requests
// (autocannon `amount`, 50 connections) per workload and reads the server process's utime+stime
// from /proc/<pid>/stat before and after. Linux only. Loopback only.
//
//   npm run build && npx tsc -p bench/tsconfig.json && node bench/dist/bench/cpu-per-request.js
//   CPU_N=20000     requests per measured run (default 20000)
//   CPU_RUNS=3      measured runs per row; the median is shown (default 3)
//   CPU_ONLY=get    only workloads whose name contains this (get, list, create)
//   CPU_TARGETS=mock  only these servers (comma-separated: mock, bare, naive)
//   CPU_PROF=dir    run the mock under `node --cpu-prof --cpu-prof-dir=dir` (a profile per process)
//   CPU_CLI=path    another build's dist/cli.js as the mock (an A/B against an earlier commit)
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const N = Number(process.env.CPU_N ?? 20_000)
const RUNS = Number(process.env.CPU_RUNS ?? 3)
const ONLY = process.env.CPU_ONLY
const TARGETS = (process.env.CPU_TARGETS ?? 'mock,bare,naive').split(',')
const PROF = process.env.CPU_PROF
const CONNECTIONS = 50
const AUTH = { authorization: 'Bearer bench' }
const EXAMPLE = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const LIST = '/api/v2/batches?page_size=50'
const CREATE = '/api/v2/batches'
// The same body as bench/run.ts.
const CREATE_BODY = JSON.stringify({ config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })
const TICK_US = 1e6 / 100 // USER_HZ: 100 on Linux

interface Proc {
  name: string
  url: string
  child: ChildProcess
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function start(name: string, args: string[], probe: string, nodeArgs: string[] = []): Promise<Proc> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) resolve(m[1] as string)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}: ${output.slice(-2000)}`)))
    setTimeout(() => reject(new Error(`${name} did not start in 120 s`)), 120_000).unref()
  })
  for (let i = 0; ; i++) {
    if (await fetch(url + probe, { headers: AUTH }).then((r) => r.ok, () => false)) break
    if (i > 20_000) throw new Error(`${name}: no 200 on ${probe}`)
    await sleep(5)
  }
  return { name, url, child }
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return
  const exited = new Promise((r) => p.child.once('exit', r))
  p.child.kill('SIGTERM')
  await exited
}

/** The process's CPU time so far, µs: user + system, and system alone (the kernel: socket writes and reads). */
function cpuUs(p: Proc): { total: number; sys: number } {
  const stat = readFileSync(`/proc/${p.child.pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const user = Number(fields[11]) * TICK_US
  const sys = Number(fields[12]) * TICK_US
  return { total: user + sys, sys }
}

async function send(url: string, amount: number, post?: string): Promise<{ non2xx: number; errors: number }> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    amount,
    method: post ? 'POST' : 'GET',
    headers: { ...AUTH, ...(post ? { 'content-type': 'application/json' } : {}) },
    ...(post ? { body: post } : {})
  })
  return { non2xx: r.non2xx, errors: r.errors + r.timeouts }
}

/** Server CPU µs per request: a warm-up, then RUNS runs of N requests; the median run. */
async function measure(p: Proc, path: string, post?: string): Promise<{ us: number; sysUs: number; runs: number[]; non2xx: number; errors: number }> {
  await send(p.url + path, Math.max(1000, N >> 2), post)
  const runs: number[] = []
  const sys: number[] = []
  let non2xx = 0
  let errors = 0
  for (let i = 0; i < RUNS; i++) {
    const before = cpuUs(p)
    const r = await send(p.url + path, N, post)
    // Let the server finish what it was doing (a GC after the last answer counts too).
    await sleep(50)
    const after = cpuUs(p)
    runs.push((after.total - before.total) / N)
    sys.push((after.sys - before.sys) / N)
    non2xx += r.non2xx
    errors += r.errors
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
  return { us: median(runs), sysUs: median(sys), runs, non2xx, errors }
}

async function body(url: string, post?: string): Promise<string> {
  const res = await fetch(url, { method: post ? 'POST' : 'GET', headers: { ...AUTH, ...(post ? { 'content-type': 'application/json' } : {}) }, ...(post ? { body: post } : {}) })
  if (!res.ok) throw new Error(`${url}: ${res.status}`)
  return res.text()
}

async function main(): Promise<void> {
  const cli = process.env.CPU_CLI ?? join(ROOT, 'dist', 'cli.js')
  const prof = PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : []
  if (PROF) mkdirSync(PROF, { recursive: true })
  const want = (w: string) => ONLY === undefined || w.includes(ONLY)
  const procs: Proc[] = []
  try {
    const mock = await start('mock', [cli, '--port', '0', '--log-level', 'warn'], EXAMPLE, prof)
    procs.push(mock)
    const large = want('list') ? await start('mock-large', [cli, '--port', '0', '--log-level', 'warn', '--scenario', join(ROOT, 'bench', 'scenarios', 'large.yaml')], '/api/v2/batches?page_size=1', prof) : null
    if (large) procs.push(large)
    const bodies: Record<string, string> = {
      [`GET ${EXAMPLE}`]: await body(mock.url + EXAMPLE),
      [`POST ${CREATE}`]: await body(mock.url + CREATE, CREATE_BODY),
      ...(large && { [`GET ${LIST}`]: await body(large.url + LIST) })
    }
    const file = join(ROOT, 'bench', 'dist', 'cpu-bodies.json')
    writeFileSync(file, JSON.stringify(bodies))
    const bare = TARGETS.includes('bare') ? await start('bare', [join(ROOT, 'bench', 'dist', 'bench', 'bare-server.js'), file], EXAMPLE) : null
    const naive = TARGETS.includes('naive') ? await start('naive-fastify', [join(ROOT, 'bench', 'dist', 'bench', 'naive-fastify.js'), file], EXAMPLE) : null
    for (const p of [bare, naive]) if (p) procs.push(p)
    const rows: { workload: string; target: string; us: number; sysUs: number; runs: number[]; non2xx: number; errors: number }[] = []
    const workloads: [string, Proc | null, string, string | undefined][] = [
      ['get small', mock, EXAMPLE, undefined],
      ['list 50 of 100k', large, LIST, undefined],
      ['create', mock, CREATE, CREATE_BODY]
    ]
    for (const [workload, own, path, post] of workloads) {
      if (!want(workload.split(' ')[0] as string) || own === null) continue
      for (const [target, p] of [['mock', own], ['bare', bare], ['naive', naive]] as const) {
        if (p === null || !TARGETS.includes(target)) continue
        rows.push({ workload, target, ...(await measure(p, path, post)) })
      }
    }
    const lines = [`Server CPU per request, ${N} requests x ${RUNS} runs (median), ${CONNECTIONS} connections, Node ${process.version}`, '', '| workload | server | CPU µs / request | of which system | runs | bare / server | non-2xx | errors |', '|---|---|---:|---:|---|---:|---:|---:|']
    for (const r of rows) {
      const bareUs = rows.find((o) => o.workload === r.workload && o.target === 'bare')?.us
      const ratio = bareUs !== undefined ? `${(bareUs / r.us).toFixed(2)}x` : 'n/a'
      lines.push(`| ${r.workload} | ${r.target} | ${r.us.toFixed(1)} | ${r.sysUs.toFixed(1)} | ${r.runs.map((u) => u.toFixed(1)).join(' / ')} | ${ratio} | ${r.non2xx} | ${r.errors} |`)
    }
    process.stdout.write(`${lines.join('\n')}\n`)
  } finally {
    await Promise.all(procs.map(stop))
  }
}

await main()
