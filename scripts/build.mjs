// The build: esbuild bundles (well under a second), then type declarations from tsc.
//   node scripts/build.mjs            bundles and types (npm run build, prepare)
//   node scripts/build.mjs --bundles  bundles only: all `npm start` needs to run
// Type-checking is `npm run typecheck`; esbuild only strips types.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const ROOT = join(import.meta.dirname, '..')
const DIST = join(ROOT, 'dist')

// Dependencies are bundled too: one file to parse instead of hundreds to resolve and read. Spawn
// to first 200 (default scenario, median of 5, 2 cores): tsc output 375-390 ms, esbuild with
// dependencies external 355-440 ms, dependencies bundled 220-250 ms (a bare node:http: 75-90 ms).
const common = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // No source maps: a map's `sources` name files under src/ and node_modules/ that the package
  // does not ship, and a bundle of readable, unminified code needs none to be debugged.
  sourcemap: false,
  logLevel: 'warning'
}

/** dist/cli.js (the bin), dist/index.js (ESM), dist/index.cjs (CommonJS). */
export async function bundle() {
  const { build } = await import('esbuild')
  mkdirSync(DIST, { recursive: true })
  for (const f of readdirSync(DIST, { withFileTypes: true }).filter((e) => e.isFile() && /\.(js|cjs|map)$/.test(e.name))) rmSync(join(DIST, f.name))
  await Promise.all([
    // ESM. Splitting keeps the CLI's dynamic imports lazy (--help and a bad flag answer without
    // loading the server) and shares the library's code between cli.js and index.js. Chunks sit
    // in dist/ itself, beside the entries, so paths relative to a module's folder hold for all.
    build({
      ...common,
      entryPoints: { cli: 'src/bin.ts', index: 'src/index.ts' },
      outdir: DIST,
      format: 'esm',
      splitting: true,
      chunkNames: '[name]-[hash]',
      // Bundled CommonJS dependencies call require() for Node's built-ins.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
    }),
    // CommonJS: the library for require(). import.meta.dirname becomes __dirname.
    build({
      ...common,
      entryPoints: { index: 'src/index.ts' },
      outExtension: { '.js': '.cjs' },
      outdir: DIST,
      format: 'cjs',
      define: { 'import.meta.dirname': '__dirname' }
    })
  ])
}

/** dist/**\/*.d.ts from tsc, and a .d.cts twin of each (relative imports to .cjs) for require(). */
export function types() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' })
  for (const file of readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(join(DIST, file), 'utf8')
    writeFileSync(join(DIST, file.replace(/\.d\.ts$/, '.d.cts')), text.replace(/((?:from\s+|import\()['"]\.{1,2}\/[^'"]*?)\.js(['"])/g, '$1.cjs$2'))
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bundlesOnly = process.argv.includes('--bundles')
  if (!bundlesOnly) rmSync(DIST, { recursive: true, force: true })
  await bundle()
  if (!bundlesOnly) types()
}
