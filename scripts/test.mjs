// The suite, bundled once: esbuild turns the test files into JavaScript with src/ and the
// dependencies inlined (shared code split into chunks), then tap runs them with no loader.
// tap starts every test process with two module hooks of its own (mocks, process info) and
// source maps on; through them, loading TypeScript from source cost ~1.5 s of CPU per file
// before its first assertion, most of the suite on 2 cores. A bundle is a handful of modules
// (~0.5 s), and the light files of a folder share one process (test/http.group.test.js runs
// every file of test/http in turn), so that half-second is paid a dozen times, not eighty.
//   node scripts/test.mjs                          the whole suite (npm test runs it after typecheck and build)
//   node scripts/test.mjs test/http/list.test.ts   some files; any other tap flag passes through
// `npx tap test/x.test.ts` still runs a file straight from source through tsx (package.json's tap
// config), for a quick look without the bundle step.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const ROOT = join(import.meta.dirname, '..')
const OUT = join(ROOT, 'build-tests')

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    return e.isDirectory() ? testFiles(path) : e.name.endsWith('.test.ts') ? [path] : []
  })
}

// A bundle moves code away from its file; paths a module takes relative to itself (the README
// beside a test, ../dist/cli.js, the package's own scenarios) must still start from its source.
const keepOwnLocation = {
  name: 'keep-own-location',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, ({ path }) => {
      const code = readFileSync(path, 'utf8')
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(path).href))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(path)))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(path))
      return { contents: code, loader: 'ts' }
    })
  }
}

// Files that run in a process of their own: they measure the heap, spawn processes or servers
// of their own, or run long enough that tap should spread them over its jobs.
const OWN_PROCESS = new Set([
  'test/cli.test.ts',
  'test/package/consumers.test.ts',
  'test/regressions/issue-10-batch-memory.test.ts',
  'test/regressions/issue-10-status-index.test.ts',
  'test/regressions/issue-10-scenario-budget.test.ts',
  'test/regressions/issue-10-cap-incremental.test.ts',
  'test/regressions/issue-10-cap-large-directories.test.ts',
  'test/regressions/issue-10-shutdown-bounds-delays.test.ts',
  'test/regressions/issue-9-cap-no-rewriting-past.test.ts',
  'test/reliability/isolation.test.ts',
  'test/reliability/load-shutdown.test.ts',
  'test/reliability/edges.test.ts',
  'test/reliability/hostile-cost.test.ts',
  'test/reliability/fuzz.test.ts',
  'test/contract/faults.test.ts',
  'test/http/openapi.test.ts'
])

/** esbuild entries: each named file alone, or (no names) the groups and the files of OWN_PROCESS. */
function entries(named) {
  if (named.length > 0) return named.map((file) => ({ in: join(ROOT, file), out: file.replace(/\.ts$/, '') }))
  const all = testFiles(join(ROOT, 'test')).map((path) => relative(ROOT, path))
  const groups = new Map()
  for (const file of all.filter((f) => !OWN_PROCESS.has(f))) {
    const folder = dirname(file)
    groups.set(folder, [...(groups.get(folder) ?? []), file])
  }
  const groupDir = mkdtempSync(join(tmpdir(), 'lcbm-test-groups-'))
  process.on('exit', () => rmSync(groupDir, { recursive: true, force: true }))
  return [
    ...all.filter((f) => OWN_PROCESS.has(f)).map((file) => ({ in: join(ROOT, file), out: file.replace(/\.ts$/, '') })),
    ...[...groups].map(([folder, files]) => {
      const entry = join(groupDir, `${folder.replaceAll('/', '-')}.ts`)
      // In file order, as separate processes would have run them; each file's tests queue on tap's root.
      writeFileSync(entry, files.map((f) => `import ${JSON.stringify(join(ROOT, f))}\n`).join(''))
      return { in: entry, out: folder === 'test' ? 'test/top.group.test' : `${folder}.group.test` }
    })
  ]
}

/** Bundles the entries; answers the test files tap is to run, every one by name. */
async function bundle(named) {
  const { build } = await import('esbuild')
  rmSync(OUT, { recursive: true, force: true })
  const entryPoints = entries(named)
  await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: OUT,
    outbase: ROOT,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // tap is the runner's own: the test must share its instance, not carry a copy. esbuild and
    // the browser driver find binaries and files beside their own modules: not bundleable.
    external: ['tap', '@tapjs/*', 'esbuild', 'playwright-core'],
    // Bundled CommonJS dependencies call require() for Node's built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [keepOwnLocation],
    logLevel: 'warning'
  })
  return entryPoints.map((e) => relative(ROOT, join(OUT, `${e.out}.js`)))
}

// A test file is named as the shell gives it: relative to where the command runs (or absolute).
// One that is not there is an error, never a silent run of the whole suite.
const isTestFile = (arg) => !arg.startsWith('-') && arg.endsWith('.test.ts')
const argv = process.argv.slice(2)
const named = argv.filter(isTestFile).map((arg) => relative(ROOT, resolve(arg)))
const missing = named.filter((file) => file.startsWith('..') || isAbsolute(file) || !existsSync(join(ROOT, file)))
if (missing.length > 0) {
  process.stderr.write(`scripts/test.mjs: no such test file in this package: ${missing.join(', ')}\n`)
  process.exit(2)
}
const files = await bundle(named)
const args = [...files, ...argv.filter((arg) => !isTestFile(arg))]
const tap = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs'), ...args], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, TAP_RCFILE: join(ROOT, 'test', 'bundled.taprc') }
})
process.exit(tap.status ?? 1)
