// The dashboard of llamacloud-batches-mock: plain JavaScript, no build step, no dependency.
// Everything it shows comes from the control plane's JSON (/_mock/...), asked for with the
// admin token when the mock has one (from ?token=, or typed in; kept in sessionStorage).
'use strict'

const REFRESH_MS = 1000
const JOURNAL_ROWS = 25
const PAGE_SIZE = 500
const TOKEN_KEY = 'llamacloud-batches-mock.admin-token'

const $ = (id) => document.getElementById(id)
const state = { token: null, webhooks: true, projects: new Set(), busy: false, again: false, timer: null }

function readToken() {
  const url = new URL(location.href)
  const fromQuery = url.searchParams.get('token')
  if (fromQuery !== null) {
    sessionStorage.setItem(TOKEN_KEY, fromQuery)
    // Out of the address bar and the history: a token is not something to bookmark or share.
    url.searchParams.delete('token')
    history.replaceState(null, '', url.pathname + url.search + url.hash)
  }
  state.token = sessionStorage.getItem(TOKEN_KEY)
}

class Unauthorized extends Error {}

async function api(path, options = {}) {
  const headers = { accept: 'application/json' }
  if (state.token) headers.authorization = `Bearer ${state.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) })
  if (res.status === 401) throw new Unauthorized('the control plane needs the admin token')
  const text = await res.text()
  const body = text === '' ? null : JSON.parse(text)
  return { status: res.status, body }
}

function say(text, isError = false) {
  const p = $('message')
  p.textContent = text
  p.className = isError ? 'error' : ''
}

/** A FastAPI error body as one line. */
function problem(body) {
  if (body === null || body === undefined) return 'no answer'
  if (typeof body.detail === 'string') return body.detail
  if (Array.isArray(body.detail)) return body.detail.map((d) => `${(d.loc ?? []).join('.')}: ${d.msg}`).join('; ')
  return JSON.stringify(body)
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v
    else if (k === 'text') node.textContent = v
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v)
    else node.setAttribute(k, v)
  }
  for (const c of children) node.append(c)
  return node
}

const time = (iso) => (iso ? iso.replace('T', ' ').replace('Z', '') : '')
const short = (id) => (id.length > 20 ? `${id.slice(0, 12)}…${id.slice(-6)}` : id)

// ---- clock

async function refreshClock() {
  const { body } = await api('/_mock/clock')
  $('clock-now').textContent = body.now
  $('clock-mode').textContent = body.mode
  $('clock-speed').textContent = `x${body.speed}`
  return body
}

async function moveClock(path, payload) {
  const { status, body } = await api(path, { method: 'POST', body: payload })
  if (status !== 200) return say(`Clock not moved: ${problem(body)}`, true)
  say(`Clock now ${body.now}`)
  await refresh()
}

// ---- batches

function timelineBar(item, nowMs) {
  const steps = item.timeline.map((s) => ({ status: s.status, at: Date.parse(s.at), reached: s.reached }))
  const start = steps[0].at
  const last = steps[steps.length - 1].at
  // The last status gets a sixth of the span (at least), and now stays in view.
  const span = Math.max(last - start, 1)
  const end = Math.max(last + span / 5, nowMs)
  const pct = (t) => `${(((t - start) / (end - start)) * 100).toFixed(3)}%`
  const bar = el('div', { class: 'bar', role: 'img' })
  const words = []
  steps.forEach((s, i) => {
    const to = i + 1 < steps.length ? steps[i + 1].at : end
    words.push(`${s.status} ${s.reached ? 'since' : 'at'} ${time(new Date(s.at).toISOString())}`)
    if (to <= s.at && i + 1 < steps.length) return
    const seg = el('span', { class: `seg ${s.status}${s.reached ? '' : ' future'}`, title: `${s.status} from ${new Date(s.at).toISOString()}` })
    seg.style.left = pct(s.at)
    seg.style.width = `calc(${pct(to)} - ${pct(s.at)})`
    bar.append(seg)
  })
  if (item.cancel_requested_at) {
    const mark = el('span', { class: 'cancelmark', title: `cancel requested ${item.cancel_requested_at}` })
    mark.style.left = pct(Date.parse(item.cancel_requested_at))
    bar.append(mark)
    words.push(`cancel requested at ${time(item.cancel_requested_at)}`)
  }
  const now = el('span', { class: 'nowmark', title: 'now' })
  now.style.left = pct(Math.min(nowMs, end))
  bar.append(now)
  bar.setAttribute('aria-label', words.join(', '))
  return bar
}

function batchRow(item, nowMs) {
  const b = item.batch
  state.projects.add(b.project_id)
  const open = el('button', { type: 'button', class: 'link', text: short(b.id), title: b.id, 'aria-label': `Show batch ${b.id}`, onclick: () => showBatch(b.id) })
  const next = item.next_transition ? `${item.next_transition.status} at ${time(item.next_transition.at)}` : '—'
  return el(
    'tr',
    { 'data-batch-id': b.id },
    el('th', { scope: 'row' }, open),
    el('td', { text: short(b.project_id), title: b.project_id }),
    el('td', { class: `status ${b.status}`, text: b.status }),
    el('td', { class: 'timeline-col' }, timelineBar(item, nowMs)),
    el('td', { text: next }),
    el('td', { text: String(item.polls) }),
    el('td', { text: item.cancel_requested_at ? time(item.cancel_requested_at) : '—' })
  )
}

async function refreshBatches() {
  const q = new URLSearchParams({ page_size: String(PAGE_SIZE) })
  const status = $('filter-status').value
  const project = $('filter-project').value
  if (status) q.set('status', status)
  if (project) q.set('project_id', project)
  const { status: code, body } = await api(`/_mock/batches?${q}`)
  if (code !== 200) return say(`Batches: ${problem(body)}`, true)
  const nowMs = Date.parse(body.now)
  const rows = body.items.map((item) => batchRow(item, nowMs))
  const tbody = $('batches').tBodies[0]
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '7', class: 'empty', text: 'No batch matches.' })))
  tbody.replaceChildren(...rows)
  const more = body.next_page_token ? ` (the first ${PAGE_SIZE}; narrow the filters to see others)` : ''
  $('batches-caption').textContent = `${body.items.length} batch${body.items.length === 1 ? '' : 'es'}, newest first${more}`
  syncProjects()
}

function syncProjects() {
  const select = $('filter-project')
  const have = new Set([...select.options].map((o) => o.value))
  for (const p of [...state.projects].sort()) if (!have.has(p)) select.append(el('option', { value: p, text: p }))
}

async function showBatch(id) {
  const { body } = await api(`/_mock/batches/${encodeURIComponent(id)}`)
  showDetail(`Batch ${id}`, body)
}

async function showRequest(id) {
  const { body } = await api(`/_mock/requests/${encodeURIComponent(id)}`)
  showDetail(`Request ${id}`, body)
}

function showDetail(title, json) {
  $('detail-title').textContent = title
  $('detail').textContent = JSON.stringify(json, null, 2)
  $('detail-panel').hidden = false
  $('detail').focus()
}

// ---- journal

async function refreshJournal() {
  const { body } = await api(`/_mock/requests?last=${JOURNAL_ROWS}`)
  const rows = (body.requests ?? []).reverse().map((r) =>
    el(
      'tr',
      {},
      el('td', { text: time(r.mock_time) }),
      el('td', { text: r.method }),
      el('th', { scope: 'row' }, el('button', { type: 'button', class: 'link', text: r.path + (r.query ? '?…' : ''), title: r.query ? `${r.path}?${r.query}` : r.path, 'aria-label': `Show request ${r.id}`, onclick: () => showRequest(r.id) })),
      el('td', { class: r.status >= 400 || r.status === 0 ? 'bad' : '', text: String(r.status) }),
      el('td', { text: `${r.duration_ms} ms` }),
      el('td', { text: r.fault ?? (r.matched ? '' : 'no route') })
    )
  )
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '6', class: 'empty', text: 'No request to /api yet.' })))
  $('journal').tBodies[0].replaceChildren(...rows)
}

// ---- faults

async function refreshFaults() {
  const { body } = await api('/_mock/faults')
  const rows = body.faults.map((f) => {
    const { id, matched, fired, ...rule } = f
    return el(
      'tr',
      {},
      el('th', { scope: 'row', text: id }),
      el('td', {}, el('code', { text: JSON.stringify(rule) })),
      el('td', { text: `${matched} / ${fired}` }),
      el('td', {}, el('button', { type: 'button', text: 'Remove', 'aria-label': `Remove fault ${id}`, onclick: () => removeFault(id) }))
    )
  })
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '4', class: 'empty', text: 'No fault rule in force.' })))
  $('faults').tBodies[0].replaceChildren(...rows)
}

async function addFault(event) {
  event.preventDefault()
  let rule
  try {
    rule = JSON.parse($('fault-rule').value)
  } catch (e) {
    return say(`The rule is not JSON: ${e.message}`, true)
  }
  const { status, body } = await api('/_mock/faults', { method: 'POST', body: rule })
  if (status !== 200) return say(`Rule refused: ${problem(body)}`, true)
  say(`Rule ${body.id} added`)
  await refresh()
}

async function removeFault(id) {
  const { status, body } = await api(`/_mock/faults/${encodeURIComponent(id)}`, { method: 'DELETE' })
  if (status !== 204) return say(`Rule not removed: ${problem(body)}`, true)
  say(`Rule ${id} removed`)
  await refresh()
}

// ---- webhook deliveries: shown once the mock has them (/_mock/webhooks answers), else hidden

async function refreshWebhooks() {
  if (!state.webhooks) return
  const { status, body } = await api(`/_mock/webhooks?last=${JOURNAL_ROWS}`)
  if (status === 404) {
    state.webhooks = false
    $('webhooks-panel').hidden = true
    return
  }
  if (status !== 200) return
  $('webhooks-panel').hidden = false
  // GET /_mock/webhooks?last=N: {deliveries: [the last N attempts, oldest first], ...}
  const rows = body.deliveries.slice().reverse().map((d) =>
    el('tr', { 'data-delivery-id': d.delivery_id },
      el('td', { text: d.finished_at }),
      el('td', { text: d.event_type }),
      el('td', {}, el('code', { text: d.batch_id })),
      el('td', {}, el('code', { text: d.url })),
      el('td', { text: String(d.attempt) }),
      el('td', { text: d.status !== null ? `${d.status} ${d.outcome}` : `${d.outcome}: ${d.error ?? ''}` }),
      el('td', { text: d.duration_ms === null ? '' : String(Math.round(d.duration_ms)) })))
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { class: 'empty', colspan: '7', text: 'No delivery yet.' })))
  $('webhooks').tBodies[0].replaceChildren(...rows)
}

// ---- refresh loop

async function refresh() {
  // One refresh at a time; one asked for meanwhile (a click) runs right after.
  if (state.busy) {
    state.again = true
    return
  }
  state.busy = true
  state.again = false
  try {
    await refreshClock()
    await Promise.all([refreshBatches(), refreshJournal(), refreshFaults(), refreshWebhooks()])
    $('token-form').hidden = true
    document.body.dataset.loaded = 'true'
  } catch (e) {
    if (e instanceof Unauthorized) {
      $('token-form').hidden = false
      say(state.token ? 'That admin token was refused: type the one the mock was started with.' : 'This mock needs its admin token.', true)
    } else say(`Could not reach the mock: ${e.message}`, true)
  } finally {
    state.busy = false
    if (state.again) refresh()
  }
}

function start() {
  readToken()
  for (const button of document.querySelectorAll('[data-advance]')) {
    button.addEventListener('click', () => moveClock('/_mock/clock/advance', { ms: Number(button.dataset.advance) }))
  }
  $('advance-form').addEventListener('submit', (e) => {
    e.preventDefault()
    moveClock('/_mock/clock/advance', { ms: Number($('advance-ms').value) })
  })
  $('set-form').addEventListener('submit', (e) => {
    e.preventDefault()
    moveClock('/_mock/clock/set', { now: $('set-now').value.trim() })
  })
  $('filter-status').addEventListener('change', refresh)
  $('filter-project').addEventListener('change', refresh)
  $('fault-form').addEventListener('submit', addFault)
  $('detail-close').addEventListener('click', () => {
    $('detail-panel').hidden = true
  })
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault()
    state.token = $('token-input').value
    sessionStorage.setItem(TOKEN_KEY, state.token)
    say('')
    refresh()
  })
  refresh()
  state.timer = setInterval(refresh, REFRESH_MS)
}

document.addEventListener('DOMContentLoaded', start)
