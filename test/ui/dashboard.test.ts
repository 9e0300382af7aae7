import t from 'tap'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { scenario, START_MS } from '../helper.js'

// The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core, against
// a manual-clock mock on port 0 with an admin token. It clicks "+10 s" and sees a status change.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
// Every run saves its screenshot beside the bundled tests (left out of git); UPDATE_SCREENSHOT=1
// writes the README's docs/dashboard.png instead (its times and durations differ each run).
const SCREENSHOT = join(import.meta.dirname, '../..', process.env.UPDATE_SCREENSHOT === '1' ? 'docs' : 'build-tests', 'dashboard.png')
const A = 'prj-11111111-1111-4111-8111-111111111111'
const B = 'prj-22222222-2222-4222-8222-222222222222'
const ago = (ms: number): string => new Date(START_MS - ms).toISOString()

/** The scenario, its watched batch sending its webhooks to `receiver` (a server of the test's, on 127.0.0.1). */
const world = (receiver: string) => scenario(
  [
    { id: 'bat-watched', project_id: A, files: 3, created_at: ago(0), timeline: { pending_ms: 5_000, throttled_ms: 0, running_ms: 30_000 }, webhook_configurations: [{ webhook_url: receiver, webhook_output_format: 'json' }] },
    { id: 'bat-throttled', project_id: A, files: 2, created_at: ago(20_000), timeline: { pending_ms: 5_000, throttled_ms: 40_000, running_ms: 20_000 } },
    { id: 'bat-running', project_id: B, files: 4, created_at: ago(40_000), timeline: { pending_ms: 10_000, running_ms: 60_000 }, outcome: 'FAILED' },
    { id: 'bat-done', project_id: B, files: 2, created_at: ago(90_000), timeline: { pending_ms: 10_000, running_ms: 30_000 } }
  ],
  { faults: [{ id: 'flaky-get', method: 'GET', path: '/api/v2/batches/*', status: 503, times: 1 }] }
)

if (!existsSync(CHROMIUM)) {
  const reason = `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`
  // In CI the browser test must run: .ci/run installs chromium, so its absence is a failure.
  if (process.env.CI) t.fail(reason)
  else t.test('the dashboard in a real browser', { skip: reason }, async () => {})
} else {
  t.test('the dashboard shows the clock, batches, journal and faults; "+10 s" moves a status', async (t) => {
    const received: string[] = []
    const receiver = createServer((req, res) => {
      received.push(req.headers['x-webhook-event-type'] as string)
      req.resume().on('end', () => res.end())
    })
    receiver.listen(0, '127.0.0.1')
    await once(receiver, 'listening')
    t.teardown(() => receiver.close())
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
    const app = await buildApp({ clock: 'manual', scenario: world(hook), startTime: new Date(START_MS).toISOString(), adminToken: 'admin-secret' })
    t.teardown(() => app.close())
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    const base = `http://127.0.0.1:${port}`
    // Traffic for the journal: the fault answers the first GET, the retry goes through, a create.
    for (const _ of [0, 1]) await fetch(`${base}/api/v2/batches/bat-done`, { headers: { authorization: 'Bearer k' } })
    await fetch(`${base}/api/v2/batches?project_id=${A}`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ source_directory_id: 'dir-x', config: { job: { type: 'parse_v2', configuration_id: 'cfg-PARSE_AGENTIC' } } }) })

    const profile = mkdtempSync(join(tmpdir(), 'mock-chromium-'))
    t.teardown(() => rmSync(profile, { recursive: true, force: true }))
    // A fresh profile (playwright passes it as --user-data-dir) and the flags a locked-down CI needs.
    const context: BrowserContext = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
      timeout: 20_000
    })
    t.teardown(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(8_000)
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => {
      // The browser reports every 4xx answer as a console error: the 401 before the token is
      // expected; script errors are not.
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 401/.test(m.text())) errors.push(m.text())
    })

    // Without the token the page asks for it; typed in, the data appears.
    await page.goto(`${base}/_mock/ui`)
    await page.getByLabel(/Admin token/).waitFor()
    await page.getByLabel(/Admin token/).fill('admin-secret')
    await page.getByRole('button', { name: 'Use token' }).click()
    const status = page.locator('tr[data-batch-id="bat-watched"] td.status')
    await page.waitForFunction(() => document.querySelector('tr[data-batch-id="bat-watched"] td.status')?.textContent === 'PENDING')
    t.equal(await status.textContent(), 'PENDING')
    t.equal(await page.locator('#clock-mode').textContent(), 'manual')
    t.equal(await page.locator('#batches tbody tr').count(), 5, "every batch of both projects (the created one too)")

    // ?token= works too, and leaves the address bar.
    await page.goto(`${base}/_mock/ui/?token=admin-secret`)
    await page.waitForFunction(() => document.body.dataset.loaded === 'true')
    t.notMatch(page.url(), /token/, 'the token is not left in the URL')

    await page.getByRole('button', { name: '+10 s' }).click()
    await page.waitForFunction(() => document.querySelector('tr[data-batch-id="bat-watched"] td.status')?.textContent === 'RUNNING')
    t.equal(await status.textContent(), 'RUNNING', 'the status cell changed')
    t.equal(await page.locator('#clock-now').textContent(), new Date(START_MS + 10_000).toISOString())

    // The journal shows the requests, the fault that answered one; the fault list its rule.
    const journal = page.locator('#journal tbody tr')
    t.equal(await journal.count(), 3)
    t.match(await page.locator('#journal tbody').textContent(), /flaky-get/)
    t.match(await page.locator('#faults tbody').textContent(), /flaky-get/)

    // A click on a batch opens its JSON with results (a filter first: project B only).
    await page.getByLabel('Project').selectOption(B)
    await page.waitForFunction(() => document.querySelectorAll('#batches tbody tr').length === 2)
    await page.getByRole('button', { name: 'Show batch bat-done' }).click()
    await page.locator('#detail-panel').waitFor()
    const detail = JSON.parse((await page.locator('#detail').textContent()) as string)
    t.equal(detail.batch.id, 'bat-done')
    t.equal(detail.batch.results.length, 2, 'with results')
    await page.getByLabel('Project').selectOption('')
    await page.waitForFunction(() => document.querySelectorAll('#batches tbody tr').length === 5)
    await page.getByRole('button', { name: 'Close' }).click()
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    t.comment(`screenshot: ${SCREENSHOT}`)

    // The "+10 s" moved bat-watched to RUNNING: its batch.running went to the receiver, and the
    // webhook panel lists the attempt.
    await fetch(`${base}/_mock/webhooks/flush`, { method: 'POST', headers: { authorization: 'Bearer admin-secret' } })
    t.same(received, ['batch.running'], 'the receiver got the event')
    await page.locator('#webhooks-panel').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('#webhooks tbody tr[data-delivery-id]').length === 1)
    t.match(await page.locator('#webhooks tbody').textContent(), /batch\.running.*bat-watched.*\/hook.*200 delivered/)

    // Everything a client or a test controls is shown as text, never as HTML: a batch id, a
    // fault rule, a journal path and a webhook URL carrying markup run nothing.
    const XSS = '<img src=x onerror="window.__xss=1">'
    const admin = { authorization: 'Bearer admin-secret', 'content-type': 'application/json' }
    t.equal((await fetch(`${base}/_mock/batches`, { method: 'POST', headers: admin, body: JSON.stringify({ id: `bat-${XSS}`, project_id: A, files: 1 }) })).status, 200)
    t.equal((await fetch(`${base}/_mock/faults`, { method: 'POST', headers: admin, body: JSON.stringify({ id: `f-${XSS}`, method: 'GET', path: "/api/never/*", status: 418, detail: XSS }) })).status, 200)
    await fetch(`${base}/api/v2/batches/${encodeURIComponent(XSS)}?q=${encodeURIComponent(XSS)}`, { headers: { authorization: 'Bearer k' } })
    await page.waitForFunction((id) => document.querySelector(`tr[data-batch-id='${CSS.escape(id)}']`) !== null, `bat-${XSS}`)
    await page.waitForFunction(() => /f-<img/.test(document.querySelector('#faults tbody')?.textContent ?? ''))
    t.match(await page.locator('#batches tbody').textContent(), `bat-${XSS}`.slice(0, 12), 'the id shows as text')
    t.equal(await page.evaluate(() => document.querySelectorAll('#batches img, #faults img, #journal img, #webhooks img').length), 0, 'no element made of it')
    t.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'nothing ran')
    t.same(errors, [], 'no script error in the page')
  })
}
