// Where the mock's CPU goes while webhooks deliver: the CPU time of the mock process (all
// threads, from /proc/<pid>/task/*/stat: the API thread, and the others — the sender's worker,
// V8's compiler and GC helpers), not wall-clock throughput, so a busy shared machine moves the
// figures less.
//
//   npm run build && node bench/webhooks-cpu.mjs [--prof DIR] [--rounds N]
//   MOCK_CLI=path/to/cli.js   another build (e.g. an older tree's) to compare
//   GETS=0                    the creates and their deliveries alone (quicker)
//
// For each variant (batches WITH one inline webhook each, and WITHOUT webhooks) a fresh mock
// (real clock, default scenario, as bench/webhooks.ts starts it):
//   1. GET small alone: CPU per request over GETS requests (after a warm-up);
//   2. 1,000 creates (the bench's body), then an idle window until every transition
//      (PENDING at create, RUNNING +1 s, COMPLETED +5 s) is delivered: CPU per delivery is
//      (with − without) / deliveries;
//   3. 1,000 more creates, then 5 s of GETs (autocannon, 50 connections) as the bench runs
//      them: CPU per GET over that window, deliveries included.
// Linux only (reads /proc). Loopback only; every server it starts is stopped.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { receiver } from './receiver.mjs'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const CLI = process.env.MOCK_CLI ?? join(ROOT, 'dist', 'cli.js')
const EXAMPLE = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const AUTH = { authorization: 'Bearer bench' }
const TICK_US = 1e6 / 100 // CLK_TCK
// GETS=0 skips the GET phases.
const GETS = Number(process.env.GETS ?? 60_000)
const args = process.argv.slice(2)
const profDir = args.includes('--prof') ? args[args.indexOf('--prof') + 1] : null
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 1
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** CPU µs per thread of a process, keyed by "tid name". */
function threads(pid) {
  const out = {}
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out[`${tid} ${name}`] = (Number(f[11]) + Number(f[12])) * TICK_US
      out[`${tid} ${name} sys`] = Number(f[12]) * TICK_US
    } catch {}
  }
  return out
}

/** CPU µs since `before`, split: main (the API thread), new (threads started since, e.g. the sender's worker), other (V8's helpers: GC, compiler). */
function since(pid, before) {
  const now = threads(pid)
  const split = { main: 0, new: 0, other: 0, total: 0, sys: 0 }
  for (const [key, us] of Object.entries(now)) {
    const d = us - (before[key] ?? 0)
    if (key.endsWith(' sys')) {
      split.sys += d
      continue
    }
    const part = key.split(' ')[0] === String(pid) ? 'main' : key in before ? 'other' : 'new'
    split[part] += d
    split.total += d
  }
  return split
}

async function startMock(tag) {
  const extra = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `${tag}.cpuprofile`] : []
  const child = spawn(process.execPath, [...extra, CLI, '--port', '0', '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const url = await new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) resolve(m[1])
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`mock exited ${code}: ${output}`)))
  })
  return { url, child, pid: child.pid }
}

async function body(url, init = {}) {
  const res = await fetch(url, { ...init, headers: { ...AUTH, ...(init.body ? { 'content-type': 'application/json' } : {}) } })
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`)
  return res.text()
}

async function create(url, hook) {
  const payload = { config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } }, source_directory_id: 'dir-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }
  if (hook) payload.webhook_configurations = [{ webhook_url: hook }]
  const text = JSON.stringify(payload)
  for (let i = 0; i < 1000; i += 10) await Promise.all(Array.from({ length: 10 }, () => body(`${url}/api/v2/batches`, { method: 'POST', body: text })))
}

/** GETs of the small batch, 50 connections: `amount` of them, or for 5 s (as the bench) when amount is 0. */
async function gets(url, amount) {
  const r = await autocannon({ url: url + EXAMPLE, connections: 50, ...(amount > 0 ? { amount } : { duration: 5 }), headers: AUTH })
  return { requests: r.requests.total, non2xx: r.non2xx, seconds: r.duration }
}

/** GETS=0: the creates and their deliveries alone (quicker, for comparing builds). */
async function deliveriesOnly(mock, rx, hook, tag) {
  const rx0 = await rx.count()
  const t = threads(mock.pid)
  await create(mock.url, hook)
  await sleep(6500)
  if (hook) await body(`${mock.url}/_mock/webhooks/flush?timeout_ms=60000`, { method: 'POST' })
  const cpuWindow = since(mock.pid, t)
  const delivered = (await rx.count()) - rx0
  console.log(`== ${tag}: creates + transitions: ${delivered} deliveries; ${(cpuWindow.total / 1000).toFixed(0)} ms CPU (main ${(cpuWindow.main / 1000).toFixed(0)})`)
  return { window: cpuWindow, delivered }
}

const fmt = (split, n) => `total ${(split.total / n).toFixed(1)} µs (main ${(split.main / n).toFixed(1)}, other threads ${((split.other + split.new) / n).toFixed(1)}, of which new ${(split.new / n).toFixed(1)}; kernel ${(split.sys / n).toFixed(1)} of the total)`

async function variant(rx, withHooks, round) {
  const tag = `${withHooks ? 'hooks' : 'nohooks'}-${round}`
  const mock = await startMock(tag)
  const hook = withHooks ? rx.url : null
  try {
    if (GETS === 0) return await deliveriesOnly(mock, rx, hook, tag)
    // Warm-up: JIT the GET path.
    await gets(mock.url, Math.min(20_000, GETS))
    let t = threads(mock.pid)
    const alone = await gets(mock.url, GETS)
    const cpuAlone = since(mock.pid, t)

    const rx0 = await rx.count()
    t = threads(mock.pid)
    await create(mock.url, hook)
    const cpuCreate = since(mock.pid, t)
    // Every transition is due by +5 s after the last create; deliveries follow within a second or so.
    await sleep(6500)
    if (withHooks) await body(`${mock.url}/_mock/webhooks/flush?timeout_ms=60000`, { method: 'POST' })
    const cpuWindow = since(mock.pid, t)
    const delivered = (await rx.count()) - rx0

    t = threads(mock.pid)
    await create(mock.url, hook)
    const cpuCreate2 = since(mock.pid, t)
    const rxBefore = await rx.count()
    t = threads(mock.pid)
    // As the bench: 5 s of GETs right after the creates, while RUNNING (+1 s) and COMPLETED (+5 s) fall due.
    const during = await gets(mock.url, 0)
    const cpuDuring = since(mock.pid, t)
    const inWindow = (await rx.count()) - rxBefore
    await sleep(6500)
    if (withHooks) await body(`${mock.url}/_mock/webhooks/flush?timeout_ms=60000`, { method: 'POST' })
    const delivered2 = (await rx.count()) - rx0 - delivered

    console.log(`\n== ${tag}`)
    console.log(`GET alone:           ${alone.requests} req in ${alone.seconds.toFixed(2)} s (${Math.round(alone.requests / alone.seconds)} req/s); per GET ${fmt(cpuAlone, alone.requests)}`)
    console.log(`1,000 creates:       per create ${fmt(cpuCreate, 1000)}`)
    console.log(`creates + transitions: ${delivered} deliveries; whole span ${(cpuWindow.total / 1000).toFixed(0)} ms CPU (main ${(cpuWindow.main / 1000).toFixed(0)}, other threads ${((cpuWindow.other + cpuWindow.new) / 1000).toFixed(0)})${delivered ? `; per delivery ${fmt(cpuWindow, delivered)}` : ''}`)
    console.log(`1,000 more creates:  per create ${fmt(cpuCreate2, 1000)}`)
    console.log(`GET during (5 s):    ${during.requests} req in ${during.seconds.toFixed(2)} s (${Math.round(during.requests / during.seconds)} req/s), ${inWindow} deliveries in the window (${delivered2} in all); per GET (all the window's CPU) ${fmt(cpuDuring, during.requests)}`)
    if (inWindow > 0) {
      // What the window cost beyond its GETs at their cost alone, per delivery in it.
      const extra = (part) => (cpuDuring[part] - (cpuAlone[part] / alone.requests) * during.requests) / inWindow
      console.log(`window beyond its GETs: per delivery in it main ${extra('main').toFixed(0)} µs, all threads ${extra('total').toFixed(0)} µs`)
    }
    return { window: cpuWindow, delivered }
  } finally {
    mock.child.kill('SIGINT')
    await once(mock.child, 'exit')
  }
}

const rx = await receiver()
try {
  for (let round = 0; round < rounds; round++) {
    const without = await variant(rx, false, round)
    const withHooks = await variant(rx, true, round)
    const extra = { total: withHooks.window.total - without.window.total, main: withHooks.window.main - without.window.main, other: withHooks.window.other + withHooks.window.new - without.window.other - without.window.new, new: 0, sys: withHooks.window.sys - without.window.sys }
    console.log(`\n>> webhooks' own CPU (creates + transitions, with − without): ${(extra.total / 1000).toFixed(0)} ms for ${withHooks.delivered} deliveries = ${fmt(extra, withHooks.delivered)} per delivery`)
  }
} finally {
  await rx.close()
}
