import t from 'tap'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startCli } from '../cli-process.js'

// The package as a user gets it: `npm pack`, installed into a fresh ESM project and a fresh
// CommonJS project, each then importing/requiring it, starting the mock and running its bin.
// No network: the consumers install with `npm ci --offline` from a lockfile made of this repo's
// own (non-dev) lockfile entries, whose tarballs the repo's `npm ci` has put in npm's cache.

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; bin: Record<string, string> }
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
// tap's loaders ride along in NODE_OPTIONS; consumers must not need them.
const env = { ...process.env, NODE_OPTIONS: '', npm_config_update_notifier: 'false' }
const npm = (args: string[], cwd: string) => run('npm', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 })

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }
const settle = <T>(p: Promise<T>): Promise<Settled<T>> => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }))

const tmp = mkdtempSync(join(tmpdir(), 'lcbm-pack-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

/** A consumer project with the packed package installed; `type` decides what .js means. */
async function consumer(tarball: string, type: 'module' | 'commonjs'): Promise<string> {
  const dir = join(tmp, type)
  mkdirSync(dir)
  const spec = `file:../${tarball}`
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${type}`, private: true, type, dependencies: { [PKG.name]: spec } }))
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> }
  const packages: Record<string, unknown> = {
    '': { name: `consumer-${type}`, dependencies: { [PKG.name]: spec } },
    [`node_modules/${PKG.name}`]: { version: PKG.version, resolved: spec, dependencies: PKG.dependencies, bin: PKG.bin }
  }
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev && !entry.devOptional) packages[path] = entry
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: `consumer-${type}`, lockfileVersion: 3, requires: true, packages }))
  await npm(['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir)
  return dir
}

/**
 * A second project, of the other `type`, over the first one's install: the same tarball and
 * lockfile install the same tree whatever the project's type, and an install is most of this
 * test's time. What differs, how `import` and `require` resolve the package, is what runs here.
 */
function sibling(installed: string, type: 'module' | 'commonjs'): string {
  const dir = join(tmp, type)
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${type}`, private: true, type }))
  symlinkSync(join(installed, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

const HEALTH_CHECK = `
  const mock = await startMock({ scenario: 'empty', clock: 'manual' })
  const res = await fetch(mock.url + '/_mock/health')
  console.log(JSON.stringify({ entry, url: mock.url, status: res.status, body: await res.json() }))
  await mock.close()
`
const ESM = `import { startMock } from '${PKG.name}'\nconst entry = import.meta.resolve('${PKG.name}')\n${HEALTH_CHECK}`
const CJS = `const { startMock } = require('${PKG.name}')\nconst entry = require.resolve('${PKG.name}')\nvoid (async () => {${HEALTH_CHECK}})()`

// Checked with this repo's TypeScript. skipLibCheck would hide a broken declaration by turning
// it into \`any\`, so each file also expects errors that only real types produce.
const TYPES = (importLine: string) => `${importLine}
export async function use(): Promise<number> {
  const mock: RunningMock = await startMock({ scenario: 'empty', clock: 'manual', port: 0 })
  mock.clock.advance(5000)
  // @ts-expect-error the port is a number
  const port: string = mock.port
  // @ts-expect-error there is no such clock
  await startMock({ clock: 'sometimes' })
  await mock.close()
  return port.length
}
`
const TSCONFIG = (files: string[]) => JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files })

t.test('the packed package installs, imports, requires, type-checks and runs its bin', async (t) => {
  for (const built of ['cli.js', 'index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) t.ok(existsSync(join(ROOT, 'dist', built)), `dist/${built} is built (npm run build)`)
  const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT)
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }]
  const shipped = new Set(packed.files.map((f) => f.path))
  t.ok(shipped.has('scenarios/default.yaml') && [...shipped].some((f) => f.startsWith('fixtures/')), 'ships the bundled scenarios and fixtures')
  t.notOk([...shipped].some((f) => f.startsWith('src/') || f.startsWith('test/')), 'ships no sources or tests')

  const esm = await consumer(packed.filename, 'module')
  const cjs = sibling(esm, 'commonjs')
  const installed = join(esm, 'node_modules', PKG.name)

  t.test('no source map is shipped or referenced: none can point at a file the package does not ship', async (t) => {
    t.same([...shipped].filter((f) => f.endsWith('.map')), [], 'no .map file')
    const bundles = [...shipped].filter((f) => /^dist\/[^/]+\.c?js$/.test(f))
    t.ok(bundles.length >= 3, 'the bundles are shipped')
    t.same(bundles.filter((f) => readFileSync(join(installed, f), 'utf8').includes('sourceMappingURL=')), [], 'no bundle names a map')
    t.ok(shipped.has('LICENSE'), 'the license is shipped')
    t.ok(['ui/index.html', 'ui/dashboard.css', 'ui/dashboard.js'].every((f) => shipped.has(f)), "the dashboard's files are shipped")
  })

  t.test('the bin keeps exactly one shebang', async (t) => {
    const text = readFileSync(join(installed, PKG.bin[PKG.name]!), 'utf8')
    t.ok(text.startsWith('#!/usr/bin/env node\n'))
    t.equal(text.match(/^#!/gm)?.length, 1)
  })

  writeFileSync(join(esm, 'main.js'), ESM)
  writeFileSync(join(cjs, 'main.js'), CJS)
  // One compiler run checks both: a .mts file resolves the package through its "import"
  // types, a .cts file through its "require" types, whatever the project's own type.
  writeFileSync(join(esm, 'types.mts'), TYPES(`import { startMock, type RunningMock } from '${PKG.name}'`))
  writeFileSync(join(esm, 'types.cts'), TYPES(`import { startMock, type RunningMock } from '${PKG.name}'`))
  writeFileSync(join(esm, 'tsconfig.json'), TSCONFIG(['types.mts', 'types.cts']))
  const types = settle(run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: esm, env }))

  // The runs are independent: all at once, the subtests then read their outcomes.
  const runs = [
    { name: 'ESM import', dir: esm, entry: 'dist/index.js' },
    { name: 'CommonJS require', dir: cjs, entry: 'dist/index.cjs' }
  ].map((c) => ({ ...c, main: settle(run(process.execPath, ['main.js'], { cwd: c.dir, env })) }))
  t.test('ESM and CommonJS consumers type-check against the shipped declarations', async (t) => {
    const res = await types
    t.ok(res.ok, res.ok ? 'tsc passed' : (res.error as { stdout?: string }).stdout ?? String(res.error))
  })
  for (const { name, entry, main } of runs) {
    t.test(`${name}: startMock answers /_mock/health`, async (t) => {
      const res = await main
      if (!res.ok) return void t.fail(String(res.error))
      const out = JSON.parse(res.value.stdout) as { entry: string; url: string; status: number; body: unknown }
      t.ok(out.entry.endsWith(`node_modules/${PKG.name}/${entry}`), `resolves ${entry}: ${out.entry}`)
      t.match(out.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      t.equal(out.status, 200)
      t.same(out.body, { status: 'ok' })
    })
  }

  t.test('the installed bin starts the default scenario and stops on SIGTERM', async (t) => {
    const started = await startCli(t, ['--port', '0'], {}, [join(cjs, 'node_modules', '.bin', PKG.name)])
    t.match(started.banner, /listening on http:\/\/127\.0\.0\.1:\d+ \| scenario default \(\d+ batches\)/)
    const res = await fetch(`${started.url}/_mock/health`)
    t.equal(res.status, 200)
    // The bundle in dist/ finds the dashboard's files in the installed package's ui/.
    const page = await fetch(`${started.url}/_mock/ui/`)
    t.equal(page.status, 200)
    t.match(page.headers.get('content-type'), /^text\/html/)
    t.match(await page.text(), /<script src="\/_mock\/ui\/dashboard\.js"/)
    t.equal((await fetch(`${started.url}/_mock/ui/dashboard.js`)).status, 200)
    started.child.kill('SIGTERM')
    const [code] = (await once(started.child, 'exit')) as [number | null]
    t.equal(code, 0)
  })
})
