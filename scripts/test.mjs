// The suite, bundled once: esbuild turns each test file into one JavaScript module with src/ and
// the dependencies inlined (shared code split into chunks), then tap runs them with no loader.
// tap starts every test file with two module hooks of its own (mocks, process info) and source
// maps on; through them, loading TypeScript from source cost ~1.5 s of CPU per file before its
// first assertion — most of the suite on 2 cores. A bundle is a handful of modules: ~0.5 s.
//   node scripts/test.mjs                          the whole suite (npm test runs it after typecheck and build)
//   node scripts/test.mjs test/http/list.test.ts   some files; any other tap flag passes through
// `npx tap test/x.test.ts` still runs a file straight from source through tsx (package.json's tap
// config), for a quick look without the bundle step.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
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

async function bundle() {
  const { build } = await import('esbuild')
  rmSync(OUT, { recursive: true, force: true })
  await build({
    absWorkingDir: ROOT,
    entryPoints: testFiles(join(ROOT, 'test')),
    outdir: OUT,
    outbase: ROOT,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // tap is the runner's own: the test must share its instance, not carry a copy.
    external: ['tap', '@tapjs/*'],
    // Bundled CommonJS dependencies call require() for Node's built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [keepOwnLocation],
    logLevel: 'warning'
  })
}

/** test/a.test.ts → build-tests/test/a.test.js; a flag or anything else passes unchanged. */
function bundledPath(arg) {
  if (arg.startsWith('-') || !arg.endsWith('.test.ts') || !existsSync(join(ROOT, arg))) return arg
  return relative(ROOT, join(OUT, arg.replace(/\.ts$/, '.js')))
}

await bundle()
const args = process.argv.slice(2).map(bundledPath)
const tap = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs'), ...args], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, TAP_RCFILE: join(ROOT, 'test', 'bundled.taprc') }
})
process.exit(tap.status ?? 1)
