import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadScenario } from '../../src/scenario/load.js'
import { build, get } from '../helper.js'
import { startCli } from '../cli-process.js'

t.test("the README's scenario example loads and behaves as commented", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const yaml = /```yaml\n(name: my-scenario[\s\S]*?)```/.exec(readme)?.[1]
  t.ok(yaml, 'the README has the example')
  const dir = t.testdir({ 'my-scenario.yaml': yaml! })
  const loaded = loadScenario(join(dir, 'my-scenario.yaml'))
  const app = await build(t, { scenario: loaded })
  const asA = { authorization: 'Bearer sk-team-a' }
  const batch = await get(app, '/api/v2/batches/bat-11111111-0000-4000-8000-000000000001', asA)
  t.equal(batch.status, 200)
  t.equal(batch.body.status, 'RUNNING', 'created a minute ago with a ten-minute run')
  t.equal((await get(app, '/api/v2/batches/bat-11111111-0000-4000-8000-000000000001', { authorization: 'Bearer sk-team-b' })).status, 404)
  t.equal((await get(app, '/api/v2/batches?page_size=100', asA)).body.items.length, 51, 'its batch and the 50 generated for its project')
})

t.test("the README's full workflow runs against the CLI and prints each file's outcome", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Full workflow'))
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  t.ok(code, 'the README has the example')
  const { child, url } = await startCli(t, ['--port', '0', '--clock', 'manual'])
  t.teardown(() => void child.kill('SIGTERM'))
  // Beside the repo's node_modules, so the SDK import resolves; the README's port is ours.
  const dir = mkdtempSync(join(fileURLToPath(new URL('../../node_modules/', import.meta.url)), '.readme-workflow-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'invoice.pdf'), '%PDF-1.7 an invoice')
  const { transform } = await import('esbuild')
  const js = (await transform(code!.replaceAll('http://127.0.0.1:4010', url), { loader: 'ts', format: 'esm' })).code
  writeFileSync(join(dir, 'workflow.mjs'), js)
  const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    execFile(process.execPath, ['workflow.mjs'], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } }, (error, out, err) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }))
  })
  t.equal(run.code, 0, run.err)
  t.match(run.out, /^invoice\.pdf:\n# /m, "the uploaded file's job has markdown")
  t.match(run.out, /^scan\.pdf: not processed: File scan\.pdf is password-protected/m, 'the file failed on purpose has no job')
})
