// npm start: runs the built CLI, rebuilding the bundles first only when a source is newer than
// the build (esbuild: well under a second). Flags after `npm start --` reach the CLI unchanged.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const ROOT = join(import.meta.dirname, '..')
const CLI = join(ROOT, 'dist', 'cli.js')

function newestMtime(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs)
}

const inputs = [join(ROOT, 'src'), join(ROOT, 'package.json'), join(ROOT, 'scripts', 'build.mjs')]
if (!existsSync(CLI) || Math.max(...inputs.map(newestMtime)) > statSync(CLI).mtimeMs) {
  process.stderr.write('llamacloud-batches-mock: sources changed since the last build; rebuilding\n')
  await (await import('./build.mjs')).bundle()
}
// In this process: no second Node start. The CLI reads process.argv.slice(2), our flags.
await import(pathToFileURL(CLI).href)
