// Start-up rows of `npm run bench` (BENCH_ONLY=startup runs them alone): spawn → first 200 of
// the mock (default scenario, 100k batches / 1M files), of a bare node:http server, and
// `node scripts/start.mjs` → banner, each several times; the median run split into its parts.
// The parts come from the CLI's own marks (MOCK_STARTUP_TIMING=1: one JSON line on stderr),
// the first answer from this process's clock (both in epoch milliseconds).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Server } from './run.js'

export interface StartupTools {
  root: string
  cli: string
  start(name: string, command: string, args: string[], probe: string, env?: NodeJS.ProcessEnv): Promise<Server>
  stop(server: Server): Promise<void>
}

/** The marks in start-up order; each part runs from the mark before it (spawn first). */
const MARKS = ['bootstrapComplete', 'modules', 'scenario', 'app', 'listening'] as const
export const PART_NAMES = ['process start', 'module load', 'scenario load', 'app build', 'listen', 'first answer'] as const

export interface StartupRun {
  /** Spawn → first 200 (or → banner for `npm start`), this process's clock. */
  totalMs: number
  /** Milliseconds per part (PART_NAMES order); NaN where the process has no such mark. */
  parts: number[]
}

export interface StartupSeries {
  name: string
  until: 'first 200' | 'banner'
  runs: StartupRun[]
  /** The run of median total (a real run, so its parts add up to its total). */
  median: StartupRun
  minMs: number
  maxMs: number
}

export interface StartupFigures {
  default: StartupSeries
  large: StartupSeries
  bare: StartupSeries
  npmStart: StartupSeries
  notes: string[]
}

const EXAMPLE = '/api/v2/batches/bat-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const LIST_ONE = '/api/v2/batches?page_size=1'
const TIMING = { MOCK_STARTUP_TIMING: '1' }

function runOf(server: Server, until: 'first 200' | 'banner'): StartupRun {
  const totalMs = until === 'banner' ? server.bannerMs : server.firstOkMs
  const end = server.spawnedAt + totalMs
  const marks = server.timing ?? {}
  const parts: number[] = []
  let from = server.spawnedAt
  for (const mark of MARKS) {
    const at = marks[mark]
    if (at === undefined) {
      parts.push(NaN)
      continue
    }
    parts.push(at - from)
    from = at
  }
  // From the last mark the process gave to the answer (or banner) seen here.
  parts.push(end - from)
  return { totalMs, parts }
}

function series(name: string, until: 'first 200' | 'banner', runs: StartupRun[]): StartupSeries {
  const sorted = [...runs].sort((a, b) => a.totalMs - b.totalMs)
  return { name, until, runs, median: sorted[Math.floor((sorted.length - 1) / 2)] as StartupRun, minMs: sorted[0]!.totalMs, maxMs: sorted[sorted.length - 1]!.totalMs }
}

/**
 * Starts each server `runs` times in turn. Every start but the last is stopped; the last is
 * returned alive (`keep`) so the throughput rows can use it, or stopped too.
 */
async function repeat(tools: StartupTools, runs: number, until: 'first 200' | 'banner', launch: () => Promise<Server>, keep: boolean): Promise<{ runs: StartupRun[]; last: Server | null }> {
  const out: StartupRun[] = []
  let last: Server | null = null
  for (let i = 0; i < runs; i++) {
    const server = await launch()
    out.push(runOf(server, until))
    if (keep && i === runs - 1) last = server
    else await tools.stop(server)
  }
  return { runs: out, last }
}

export async function startupFigures(tools: StartupTools, opts: { defaultRuns: number; largeRuns: number; keep: boolean }): Promise<StartupFigures & { servers: { mock: Server | null; large: Server | null } }> {
  const notes: string[] = []
  const bodies = join(tools.root, 'bench', 'dist', 'startup-bodies.json')
  writeFileSync(bodies, JSON.stringify({ [`GET ${EXAMPLE}`]: '{}' }))
  const bare = await repeat(tools, opts.defaultRuns, 'first 200', () => tools.start('bare', process.execPath, [join(tools.root, 'bench', 'dist', 'bench', 'bare-server.js'), bodies], EXAMPLE, TIMING), false)
  const mock = await repeat(tools, opts.defaultRuns, 'first 200', () => tools.start('mock', process.execPath, [tools.cli, '--port', '0', '--log-level', 'warn'], EXAMPLE, TIMING), opts.keep)
  const large = await repeat(tools, opts.largeRuns, 'first 200', () => tools.start('mock-large', process.execPath, [tools.cli, '--port', '0', '--log-level', 'warn', '--scenario', join(tools.root, 'bench', 'scenarios', 'large.yaml')], LIST_ONE, TIMING), opts.keep)
  // `npm start` without npm's own start-up: the script it runs, on the build `npm run bench` just made.
  let rebuilt = false
  const npmStart = await repeat(
    tools,
    3,
    'banner',
    async () => {
      const server = await tools.start('npm-start', process.execPath, [join(tools.root, 'scripts', 'start.mjs'), '--port', '0', '--log-level', 'warn'], EXAMPLE, TIMING)
      if (/rebuilding/.test(server.output())) rebuilt = true
      return server
    },
    false
  )
  if (rebuilt) notes.push('scripts/start.mjs rebuilt during the measurement (a source newer than dist/): its figure is not that of a fresh build')
  return {
    default: series('default scenario', 'first 200', mock.runs),
    large: series('100k batches / 1M files', 'first 200', large.runs),
    bare: series('bare node:http', 'first 200', bare.runs),
    npmStart: series('node scripts/start.mjs (npm start), fresh build', 'banner', npmStart.runs),
    notes,
    servers: { mock: mock.last, large: large.last }
  }
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '—')

export function startupLines(f: StartupFigures): string[] {
  const lines = [
    `| start-up (median run) | runs | total, median (min–max) ms | ${PART_NAMES.join(' | ')} |`,
    `|---|---:|---:|${PART_NAMES.map(() => '---:').join('|')}|`
  ]
  for (const s of [f.default, f.large, f.bare, f.npmStart]) {
    lines.push(`| ${s.name}, spawn → ${s.until} | ${s.runs.length} | ${ms(s.median.totalMs)} (${ms(s.minMs)}–${ms(s.maxMs)}) | ${s.median.parts.map(ms).join(' | ')} |`)
  }
  return lines
}
