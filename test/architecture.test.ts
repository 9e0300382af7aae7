import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const SRC = resolve(import.meta.dirname, '../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

// Every static import and re-export, type-only ones included: a type cycle is a design cycle too.
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm

/** Each source file (relative to src/) and the source files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(IMPORT)].map((m) => relative(SRC, resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts'))))
    graph.set(relative(SRC, file), targets)
  }
  return graph
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (node: string): void => {
    state.set(node, 'open')
    path.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    path.pop()
    state.set(node, 'done')
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node)
  return found
}

t.test('no import cycle in src/, type-only imports included', async (t) => {
  const graph = importGraph()
  t.ok(graph.size > 20, 'the graph was read')
  t.same(cycles(graph).map((c) => c.join(' -> ')), [])
})

t.test('the cycle finder finds cycles', async (t) => {
  t.same(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c', 'a']])
})

t.test('the domain imports nothing outside src/domain at run time or for types', async (t) => {
  const outside = [...importGraph()].filter(([file]) => file.startsWith('domain/')).flatMap(([file, targets]) => targets.filter((to) => !to.startsWith('domain/')).map((to) => `${file} -> ${to}`))
  t.same(outside, [])
  const packages = sourceFiles(join(SRC, 'domain')).filter((file) => /from\s+['"][^.'"][^'"]*['"]/.test(readFileSync(file, 'utf8')))
  t.same(packages.map((f) => relative(SRC, f)), [], 'no package either (no TypeBox, no Fastify)')
})

// Who may import whom, by folder of src/ (a file at the top of src/ is its own "folder").
// The arrows point one way: docs/architecture.md draws the same table.
const MAY_IMPORT: Record<string, readonly string[]> = {
  domain: [],
  'ids.ts': [],
  'quote.ts': [],
  'version.ts': [],
  'startup-timing.ts': [],
  'clock.ts': ['domain'],
  schemas: ['domain'],
  store: ['domain', 'ids.ts', 'schemas'],
  traffic: ['domain', 'ids.ts', 'schemas'],
  scenario: ['domain', 'ids.ts', 'quote.ts', 'schemas', 'store', 'traffic', 'clock.ts'],
  service: ['domain', 'ids.ts', 'schemas', 'store', 'traffic', 'scenario', 'clock.ts'],
  webhooks: ['domain', 'ids.ts', 'quote.ts', 'schemas', 'store', 'service', 'clock.ts'],
  http: ['domain', 'ids.ts', 'quote.ts', 'schemas', 'service', 'traffic', 'scenario', 'clock.ts', 'version.ts', 'webhooks']
}

t.test('each layer imports only the layers below it', async (t) => {
  const folderOf = (file: string): string => file.split('/')[0] as string
  const wrong: string[] = []
  for (const [file, targets] of importGraph()) {
    const allowed = MAY_IMPORT[folderOf(file)]
    if (allowed === undefined) continue // app.ts, index.ts, cli.ts, bin.ts, config.ts, watch.ts: the wiring on top
    for (const to of targets) if (folderOf(to) !== folderOf(file) && !allowed.includes(folderOf(to))) wrong.push(`${file} -> ${to}`)
  }
  t.same(wrong, [])
})

t.test('only the service changes the store of a live world', async (t) => {
  // Building a new world (scenario/) adds to its own fresh store; a live one is changed by the service alone.
  const writers = sourceFiles(SRC)
    .filter((file) => /\b(?:world\.)?store\.(?:add|replace)\(|\bstore\.watch\(/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file))
    .filter((file) => !file.startsWith('service/') && !file.startsWith('store/'))
  t.same(writers.filter((file) => !file.startsWith('scenario/')), [], 'no route, hook or wiring writes to the store')
})
