/** One request as the journal answers it. */
export interface JournalEntry {
  readonly id: string
  /** Wall time the request arrived (ISO). */
  readonly time: string
  /** The mock clock when it arrived (ISO). */
  readonly mock_time: string
  readonly method: string
  readonly path: string
  readonly query: string
  readonly status: number
  readonly duration_ms: number
  /** False when no route served it (404 for an unknown path, 405 for a wrong method). */
  readonly matched: boolean
  /** The fault rule that answered it, if any. */
  readonly fault: string | null
  /** The delay a fault rule added to it (ms), if any. */
  readonly delay_ms: number | null
  /** How a connection fault broke the answer (`reset`, `empty`, `truncated`, `malformed`), if one did. */
  readonly connection: string | null
}

/** One request whole: its entry, the headers it was sent with and its body (`GET /_mock/requests/{id}`). */
export interface JournalEntryWhole extends JournalEntry {
  /** Header names in lower case; a repeated header's values joined by `, `; secrets redacted (redactHeader). */
  readonly headers: Record<string, string>
  /** The body as text (UTF-8), up to JOURNAL_BODY_BYTES; null when there was none. */
  readonly body: string | null
  /** The body's full size in bytes (0 for none). */
  readonly body_bytes: number
  /** True when `body` holds only the first JOURNAL_BODY_BYTES of it. */
  readonly body_truncated: boolean
  /** True when the headers and body were let go to keep the journal under JOURNAL_DETAIL_BUDGET (the summary stays). */
  readonly detail_dropped: boolean
}

/** What the journal is told about one request. */
export interface JournalRecord {
  readonly time: number
  readonly mockTime: number
  readonly method: string
  /** Path and query as the request line had them. */
  readonly url: string
  readonly status: number
  readonly durationMs: number
  readonly matched: boolean
  readonly fault: string | null
  readonly delayMs?: number | null
  readonly connection?: string | null
  /** Node's `rawHeaders` (name, value, name, value…): kept as given, redacted when read. */
  readonly rawHeaders?: readonly string[] | null
  /** The body's first JOURNAL_BODY_BYTES as text, and its full size in bytes. */
  readonly body?: string | null
  readonly bodyBytes?: number
}

export interface JournalFilter {
  method?: string | undefined
  path_prefix?: string | undefined
  status?: number | undefined
  since?: number | undefined
  matched?: boolean | undefined
}

const CONNECTIONS = [null, 'reset', 'empty', 'truncated', 'malformed']
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'OTHER']
/** URLs are kept up to this many bytes (longer ones are cut). */
export const JOURNAL_URL_BYTES = 1024
/** Request bodies are kept up to this many bytes (longer ones are cut and marked). */
export const JOURNAL_BODY_BYTES = 16 * 1024
/**
 * What the headers and bodies of the whole journal may hold at once (estimated: 2 bytes a body
 * character, ~20 a header field besides its text). Past it the oldest entries let theirs go and
 * keep their summary, so a big `--journal-size` never holds `--journal-size` × 50 KiB.
 */
export const JOURNAL_DETAIL_BUDGET = 64 * 1024 * 1024

/** A secret's tail is shown from this length on (at most a quarter of it); a shorter one shows none. */
export const REDACT_TAIL_FROM = 16

// Authentication schemes (IANA's registry and the usual API ones): only these words are shown as
// a scheme. Any other first word may be the secret itself (`Authorization: llx-… extra`).
const SCHEMES = new Set(['basic', 'bearer', 'digest', 'token', 'apikey', 'api-key', 'key', 'negotiate', 'ntlm', 'hoba', 'mutual', 'oauth', 'dpop', 'gnap', 'scram-sha-1', 'scram-sha-256', 'aws4-hmac-sha256', 'privatetoken', 'concealed', 'vapid'])

/** `…abcd`: the last 4 characters of a secret of REDACT_TAIL_FROM or more, else nothing of it. */
const tailOf = (secret: string): string => `…${secret.length >= REDACT_TAIL_FROM ? secret.slice(-4) : ''}`

/** `Bearer …abcd`: a known scheme and the last 4 characters, so two keys can be told apart and none leaks. */
export function redactAuthorization(value: string): string {
  const space = value.search(/\s/)
  const first = space === -1 ? '' : value.slice(0, space)
  const scheme = SCHEMES.has(first.toLowerCase()) ? first : ''
  const secret = (scheme === '' ? value : value.slice(space)).trim()
  return `${scheme}${scheme ? ' ' : ''}${tailOf(secret)}`
}

/** Headers that carry a secret besides `authorization`: API keys, tokens, passwords, cookies. */
const SECRET_HEADER = /(?:^|-)(?:api-?key|token|secret|password|passwd|session|cookie|credentials?)$|^(?:x-)?(?:api-?key|auth)(?:-|$)/

/** One header's value as the journal shows it: secrets redacted (a cookie keeps its names). */
export function redactHeader(name: string, value: string): string {
  if (name === 'authorization' || name === 'proxy-authorization') return redactAuthorization(value)
  if (name === 'cookie') return value.split(';').map((pair) => `${pair.split('=', 1)[0]?.trim()}=…`).join('; ')
  return SECRET_HEADER.test(name) ? tailOf(value.trim()) : value
}

// A JSON string member (its name, then its value up to its closing quote or the end of a cut body),
// and a name that says secret (`webhook_signing_secret`, `password`, `api_key`, …). The name is
// matched apart: one pattern with the secret words inside `[\w-]*…[\w-]*` backtracked over each
// run of word characters (a 16 KiB `"secretsecret…` body cost ~65 ms of CPU a read).
const STRING_MEMBER = /("([\w-]*)"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)/g
const SECRET_NAME = /secret|password|passwd|api_?key|apikey|access_token|refresh_token|private_key/i

/** A body as the journal shows it: the value of every member named like a secret is `"…"`. */
export function redactBody(body: string): string {
  return body.replace(STRING_MEMBER, (member: string, head: string, name: string) => (SECRET_NAME.test(name) ? `${head}"…"` : member))
}

/** Raw headers as an object: lower-case names, repeated values joined, secrets redacted (redactHeader). */
export function headersOf(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = redactHeader(name, raw[i + 1] as string)
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${value}` : value
  }
  return { ...out }
}

/**
 * Header fields (names and values) a journal entry keeps as Node's own array. Each string of the
 * array costs ~20 bytes besides its text, so 16 KiB of tiny headers held that way cost ~45 KiB;
 * past this many fields (32 headers) they are joined into one string: at most their 16 KiB.
 */
export const HELD_HEADER_FIELDS = 64

/** An entry's detail bytes, estimated: 2 a body character; a header field's text plus ~20 (~24 for the whole joined string). */
function detailCost(headers: readonly string[] | string | null, body: string | null): number {
  let cost = body === null ? 0 : 2 * body.length + 24
  if (typeof headers === 'string') cost += headers.length + 24
  else if (headers !== null) for (const field of headers) cost += field.length + 20
  return cost
}

/** Past this many bytes a `path_prefix` is compared by Buffer#compare (a call costs what a JS loop over ~40 bytes does). */
const NATIVE_PREFIX_BYTES = 32

/**
 * A `path_prefix` as the UTF-8 bytes a kept URL starts with exactly when its path starts with
 * it. A kept URL is always whole UTF-8 (Buffer#write cuts no character and writes a lone
 * surrogate as U+FFFD's bytes), so that holds for any prefix without `?` (a path has none: the
 * bytes would run on into the query) or a lone surrogate (it reads back as U+FFFD). Null for
 * those: they are compared decoded, as ever.
 */
function prefixBytes(prefix: string | undefined): Buffer | null {
  if (prefix === undefined || prefix.includes('?')) return null
  const bytes = Buffer.from(prefix, 'utf8')
  return bytes.toString('utf8') === prefix ? bytes : null
}

const fieldsOf = (held: readonly string[] | string | null): readonly string[] => (held === null ? [] : typeof held === 'string' ? held.split('\n') : held)

/**
 * The request journal: a ring of the last `capacity` requests, so memory stays flat
 * however long the mock runs. Entries live in preallocated columns (numbers in typed
 * arrays, URLs copied into one byte buffer) rather than an object per request: objects
 * that live for a thousand requests get promoted, and on a large scenario's heap every
 * promotion brings the next full collection closer. Oldest entries are overwritten first.
 */
export class Journal {
  readonly #time: Float64Array
  readonly #mockTime: Float64Array
  readonly #duration: Float64Array
  readonly #seq: Float64Array
  readonly #status: Uint16Array
  readonly #method: Uint8Array
  /** The method's name when it is none of METHODS (PROPFIND, QUERY, …: Node knows a few dozen). */
  readonly #otherMethod: (string | null)[]
  readonly #matched: Uint8Array
  readonly #urlLength: Uint16Array
  readonly #urls: Buffer
  readonly #fault: (string | null)[]
  /** NaN for no delay. */
  readonly #delay: Float64Array
  readonly #connection: Uint8Array
  // Headers and bodies: Node's own rawHeaders array (bounded by its 16 KiB header limit) and
  // the body text (bounded by JOURNAL_BODY_BYTES), held by reference, nothing copied per request.
  // A request with many headers has its array joined into one string (see HELD_HEADER_FIELDS).
  readonly #headers: (readonly string[] | string | null)[]
  readonly #body: (string | null)[]
  readonly #bodyBytes: Float64Array
  /** Each entry's estimated detail bytes (0 once let go), their sum, and the oldest seq that may still hold some. */
  readonly #detailCost: Float64Array
  #detailTotal = 0
  #detailOldest = 1
  #next = 0
  #size = 0
  #total = 0
  /** Requests recorded before the last clear: ids go on from there, so an old id never names a new request. */
  #idBase = 0

  constructor(
    readonly capacity: number,
    readonly detailBudget: number = JOURNAL_DETAIL_BUDGET
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`journal capacity must be a positive integer, got ${capacity}`)
    this.#time = new Float64Array(capacity)
    this.#mockTime = new Float64Array(capacity)
    this.#duration = new Float64Array(capacity)
    this.#seq = new Float64Array(capacity)
    this.#status = new Uint16Array(capacity)
    this.#method = new Uint8Array(capacity)
    this.#otherMethod = new Array<string | null>(capacity).fill(null)
    this.#matched = new Uint8Array(capacity)
    this.#urlLength = new Uint16Array(capacity)
    this.#urls = Buffer.alloc(capacity * JOURNAL_URL_BYTES)
    this.#fault = new Array<string | null>(capacity).fill(null)
    this.#delay = new Float64Array(capacity)
    this.#connection = new Uint8Array(capacity)
    this.#headers = new Array<readonly string[] | string | null>(capacity).fill(null)
    this.#body = new Array<string | null>(capacity).fill(null)
    this.#bodyBytes = new Float64Array(capacity)
    this.#detailCost = new Float64Array(capacity)
  }

  get size(): number {
    return this.#size
  }

  /** Requests recorded since the last clear, including those overwritten. */
  get total(): number {
    return this.#total
  }

  record(entry: JournalRecord): void {
    const i = this.#next
    this.#total++
    this.#seq[i] = this.#total
    this.#time[i] = entry.time
    this.#mockTime[i] = entry.mockTime
    this.#duration[i] = entry.durationMs
    this.#status[i] = entry.status
    const method = METHODS.indexOf(entry.method)
    this.#method[i] = method === -1 ? METHODS.length - 1 : method
    this.#otherMethod[i] = method === -1 ? entry.method.slice(0, 32) : null
    this.#matched[i] = entry.matched ? 1 : 0
    this.#urlLength[i] = this.#urls.write(entry.url, i * JOURNAL_URL_BYTES, JOURNAL_URL_BYTES, 'utf8')
    this.#fault[i] = entry.fault
    this.#delay[i] = entry.delayMs ?? NaN
    this.#connection[i] = Math.max(CONNECTIONS.indexOf(entry.connection ?? null), 0)
    const raw = entry.rawHeaders ?? null
    // Node refuses no header line or value holding a newline, so one joins them losslessly.
    this.#headers[i] = raw !== null && raw.length > HELD_HEADER_FIELDS ? raw.join('\n') : raw
    this.#body[i] = entry.body ?? null
    this.#bodyBytes[i] = entry.bodyBytes ?? 0
    this.#next = (i + 1) % this.capacity
    this.#size = Math.min(this.#size + 1, this.capacity)
    this.#keepDetail(i, detailCost(this.#headers[i] ?? null, this.#body[i] ?? null))
  }

  /** Counts entry i's detail in, then lets the oldest entries' details go while over the budget. */
  #keepDetail(i: number, cost: number): void {
    this.#detailTotal += cost - (this.#detailCost[i] as number)
    this.#detailCost[i] = cost
    this.#detailOldest = Math.max(this.#detailOldest, this.#total - this.#size + 1)
    // Never the entry just recorded: one entry's detail is bounded by itself (~50 KiB).
    while (this.#detailTotal > this.detailBudget && this.#detailOldest < this.#total) {
      const j = (this.#detailOldest - 1) % this.capacity
      this.#detailTotal -= this.#detailCost[j] as number
      this.#detailCost[j] = 0
      this.#headers[j] = null
      this.#body[j] = null
      this.#detailOldest++
    }
  }

  clear(): void {
    this.#idBase += this.#total
    this.#fault.fill(null)
    this.#headers.fill(null)
    this.#body.fill(null)
    this.#detailCost.fill(0)
    this.#detailTotal = 0
    this.#detailOldest = 1
    this.#next = 0
    this.#size = 0
    this.#total = 0
  }

  #methodAt(i: number): string {
    return this.#otherMethod[i] ?? (METHODS[this.#method[i] as number] as string)
  }

  #entry(i: number): JournalEntry {
    const url = this.#urls.toString('utf8', i * JOURNAL_URL_BYTES, i * JOURNAL_URL_BYTES + (this.#urlLength[i] as number))
    const q = url.indexOf('?')
    return {
      id: `req-${this.#idBase + (this.#seq[i] as number)}`,
      time: new Date(this.#time[i] as number).toISOString(),
      mock_time: new Date(this.#mockTime[i] as number).toISOString(),
      method: this.#methodAt(i),
      path: q === -1 ? url : url.slice(0, q),
      query: q === -1 ? '' : url.slice(q + 1),
      status: this.#status[i] as number,
      duration_ms: this.#duration[i] as number,
      matched: this.#matched[i] === 1,
      fault: this.#fault[i] ?? null,
      delay_ms: Number.isNaN(this.#delay[i]) ? null : (this.#delay[i] as number),
      connection: CONNECTIONS[this.#connection[i] as number] ?? null
    }
  }

  /** One entry whole (headers and body), by its id `req-N`; null once the ring dropped it or after a clear. */
  entry(id: string): JournalEntryWhole | null {
    const m = /^req-([1-9]\d{0,15})$/.exec(id)
    if (!m) return null
    const seq = Number(m[1]) - this.#idBase
    if (seq < 1 || seq > this.#total || seq <= this.#total - this.#size) return null
    const i = (seq - 1) % this.capacity
    const kept = this.#body[i] ?? null
    const body = kept === null ? null : redactBody(kept)
    const bytes = this.#bodyBytes[i] as number
    return {
      ...this.#entry(i),
      headers: headersOf(fieldsOf(this.#headers[i] ?? null)),
      body,
      body_bytes: bytes,
      body_truncated: body !== null && bytes > JOURNAL_BODY_BYTES,
      detail_dropped: seq < this.#detailOldest
    }
  }

  /** Whether entry i passes the filter (its URL is read only for a `path_prefix`, as bytes when that answers the same). */
  #accepts(i: number, filter: JournalFilter, method: string | undefined, prefix: Buffer | null): boolean {
    if (method !== undefined && this.#methodAt(i) !== method) return false
    if (filter.status !== undefined && this.#status[i] !== filter.status) return false
    if (filter.since !== undefined && (this.#time[i] as number) < filter.since) return false
    if (filter.matched !== undefined && (this.#matched[i] === 1) !== filter.matched) return false
    if (filter.path_prefix === undefined) return true
    if (prefix !== null) {
      // Byte by byte: decoding a URL a look cost ~250 ms of one blocked loop for a 1,000,000-entry count.
      if (prefix.length > (this.#urlLength[i] as number)) return false
      const at = i * JOURNAL_URL_BYTES
      // A long one natively: a loop over a 1 KiB prefix that every URL shares cost ~35 ms a turn.
      if (prefix.length > NATIVE_PREFIX_BYTES) return this.#urls.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
      for (let k = 0; k < prefix.length; k++) if (this.#urls[at + k] !== prefix[k]) return false
      return true
    }
    const url = this.#urls.toString('utf8', i * JOURNAL_URL_BYTES, i * JOURNAL_URL_BYTES + (this.#urlLength[i] as number))
    const q = url.indexOf('?')
    return (q === -1 ? url : url.slice(0, q)).startsWith(filter.path_prefix)
  }

  /**
   * Entries oldest first, filtered; with `last`, only the newest `last` of them: the walk goes
   * from the newest back and stops there, so `?last=25` of a full 1,000,000-entry ring builds 25.
   */
  entries(filter: JournalFilter = {}, last: number = Infinity): JournalEntry[] {
    const out: JournalEntry[] = []
    const method = filter.method?.toUpperCase()
    const prefix = prefixBytes(filter.path_prefix)
    for (let n = this.#size - 1; n >= 0 && out.length < last; n--) {
      const i = (this.#next - this.#size + n + this.capacity) % this.capacity
      if (this.#accepts(i, filter, method, prefix)) out.push(this.#entry(i))
    }
    return out.reverse()
  }

  /** The id number (`req-N`) of the oldest entry held; newestId + 1 when the journal is empty. */
  get oldestId(): number {
    return this.#idBase + this.#total - this.#size + 1
  }

  /** The id number (`req-N`) of the newest entry recorded (held unless the journal is empty). */
  get newestId(): number {
    return this.#idBase + this.#total
  }

  /** The ring index of the entry numbered `id`, or -1 once it is overwritten or cleared (or not yet recorded). */
  #indexOf(id: number): number {
    const seq = id - this.#idBase
    return seq < 1 || seq > this.#total || seq <= this.#total - this.#size ? -1 : (seq - 1) % this.capacity
  }

  /**
   * One step of a walk oldest first over the entries numbered `from`..`to` (ids, as `oldestId`
   * and `newestId` name them): the entries that pass the filter go into `out` until it holds
   * `room` more or `budget` entries were looked at. Numbers no longer held (the ring overwrote
   * them, or a clear dropped them) are skipped. Answers the number to go on from (`to + 1` when done).
   */
  scan(from: number, to: number, filter: JournalFilter, out: JournalEntry[], room: number, budget: number): number {
    const method = filter.method?.toUpperCase()
    const prefix = prefixBytes(filter.path_prefix)
    let id = Math.max(from, this.oldestId)
    const goal = out.length + room
    for (let looked = 0; id <= to && out.length < goal && looked < budget; id++, looked++) {
      const i = this.#indexOf(id)
      if (i !== -1 && this.#accepts(i, filter, method, prefix)) out.push(this.#entry(i))
    }
    return id
  }

  /** As `scan`, counting the entries that pass the filter instead of building them: answers where to go on from and how many. */
  tally(from: number, to: number, filter: JournalFilter, budget: number): { next: number; found: number } {
    const method = filter.method?.toUpperCase()
    const prefix = prefixBytes(filter.path_prefix)
    let id = Math.max(from, this.oldestId)
    let found = 0
    for (let looked = 0; id <= to && looked < budget; id++, looked++) {
      const i = this.#indexOf(id)
      if (i !== -1 && this.#accepts(i, filter, method, prefix)) found++
    }
    return { next: id, found }
  }

  /**
   * One step of a walk back from `from` (newest first, down to the oldest held) that counts the
   * entries passing the filter until it found `need` of them or looked at `budget`: answers where
   * it stopped (`at`, the last number looked at, or the oldest held when the walk ran out), how
   * many it found, so the newest `need` matches are those from `at` on, and how many it looked at.
   */
  seekBack(from: number, filter: JournalFilter, need: number, budget: number): { at: number; found: number; looked: number } {
    const method = filter.method?.toUpperCase()
    const prefix = prefixBytes(filter.path_prefix)
    const oldest = this.oldestId
    let found = 0
    let id = from
    let looked = 0
    for (; id >= oldest && looked < budget; id--) {
      looked++
      const i = this.#indexOf(id)
      if (i !== -1 && this.#accepts(i, filter, method, prefix) && ++found === need) return { at: id, found, looked }
    }
    return { at: Math.max(id + 1, oldest), found, looked }
  }
}
