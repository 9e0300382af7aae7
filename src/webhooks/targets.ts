import { InvalidFieldError } from '../domain/invalid-field.js'

/** One endpoint an event goes to: an inline configuration of a batch, or a saved one. */
export interface WebhookTarget {
  readonly url: string
  /** null or absent: every event. */
  readonly events: readonly string[] | null
  readonly headers: Readonly<Record<string, string>> | null
  readonly format: 'json' | 'string'
  readonly secret: string | null
}

/** The webhook fields a batch was created (or laid out) with, as the record keeps them. */
export interface BatchWebhooks {
  readonly webhook_configuration_ids?: readonly string[] | null
  readonly webhook_configurations?: readonly InlineConfiguration[] | null
}

export interface InlineConfiguration {
  readonly webhook_url?: string | null
  readonly webhook_events?: readonly string[] | null
  readonly webhook_headers?: Readonly<Record<string, string>> | null
  readonly webhook_output_format?: string | null
  readonly webhook_signing_secret?: string | null
}

/** The record's `webhooks` field, when it names any endpoint. */
export function webhooksOf(value: unknown): BatchWebhooks | null {
  if (value === null || typeof value !== 'object') return null
  const w = value as BatchWebhooks
  return (w.webhook_configuration_ids?.length ?? 0) > 0 || (w.webhook_configurations?.length ?? 0) > 0 ? w : null
}

export function inlineTarget(c: InlineConfiguration): WebhookTarget | null {
  if (c.webhook_url == null) return null
  return {
    url: c.webhook_url,
    events: c.webhook_events ?? null,
    headers: c.webhook_headers ?? null,
    format: c.webhook_output_format === 'json' ? 'json' : 'string',
    secret: c.webhook_signing_secret ?? null
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Set by the sender (or by node:http itself): a configuration may not replace them.
const RESERVED = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'lc-signature'])

/** A configuration's headers, names and values together, at most (a receiver's own limit is often 16 KiB). */
export const MAX_WEBHOOK_HEADER_BYTES = 8 * 1024

/** Refuses headers node:http cannot send or the sender owns; `loc` is where they sit in the request. */
export function checkHeaders(headers: Readonly<Record<string, string>> | null | undefined, loc: readonly (string | number)[]): void {
  const entries = Object.entries(headers ?? {})
  const bytes = entries.reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength(value), 0)
  if (bytes > MAX_WEBHOOK_HEADER_BYTES) throw new InvalidFieldError(loc, `webhook_headers hold at most ${MAX_WEBHOOK_HEADER_BYTES} bytes of names and values, got ${bytes}`, null)
  const seen = new Set<string>()
  for (const [name, value] of entries) {
    if (!TOKEN.test(name)) throw new InvalidFieldError([...loc, name], 'a header name is a token (letters, digits and !#$%&\'*+.^_`|~-)', name)
    if (RESERVED.has(name.toLowerCase())) throw new InvalidFieldError([...loc, name], `the ${name} header is set by the sender`, name)
    // The request's headers are built in a plain object (envelope.ts requestFor), where this name is the prototype: it would vanish.
    if (name === '__proto__') throw new InvalidFieldError([...loc, name], 'a header named __proto__ cannot be sent', name)
    if (seen.has(name.toLowerCase())) throw new InvalidFieldError([...loc, name], `the ${name} header is given twice (header names ignore case)`, name)
    seen.add(name.toLowerCase())
    // What node:http puts on the wire (RFC 9110 field-value, one byte per character; it throws ERR_INVALID_CHAR on others): anything else would fail every attempt.
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new InvalidFieldError([...loc, name], 'a header value holds only tabs, printable ASCII and Latin-1 characters (no CR, LF, NUL or other control characters)', value)
  }
}

/**
 * Which hosts webhooks may be sent to: loopback (127.0.0.0/8, ::1, its IPv4-mapped form ::ffff:127.0.0.0/104, localhost) and the
 * hosts given (`--webhook-allow-host`), so a mock never posts to the outside by surprise.
 */
export class UrlPolicy {
  readonly #allowed: ReadonlySet<string>

  constructor(allowHosts: readonly string[] = []) {
    this.#allowed = new Set(allowHosts.map(canonicalHost))
  }

  /** Why this URL may not be used, or null when it may. */
  problem(url: string): string | null {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return 'an absolute http(s) URL'
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `an http(s) URL, got ${parsed.protocol.slice(0, 16)}`
    // Credentials belong in webhook_headers: a URL is shown as is in the journal and the dashboard.
    if (parsed.username !== '' || parsed.password !== '') return 'a URL without user:password@ (send credentials in webhook_headers, e.g. Authorization)'
    const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '')
    // Decided on the literal as the sender will read it (the WHATWG parser already turned 127.1, 0x7f.1,
    // 2130706433 into 127.0.0.1 and [::ffff:127.0.0.1] into [::ffff:7f00:1]); 'localhost' is sent to
    // 127.0.0.1 or ::1 without asking DNS (see the sender). Allowed hosts are the user's to trust.
    if (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host) || this.#allowed.has(host)) return null
    return `a loopback host (127.0.0.0/8, ::1, localhost) or one allowed by --webhook-allow-host, got ${host.slice(0, 100)}`
  }

  check(url: string, loc: readonly (string | number)[]): void {
    const problem = this.problem(url)
    if (problem !== null) throw new InvalidFieldError(loc, `webhook_url must be ${problem}`, url)
  }
}

/** A host as the URL parser writes it (`2001:DB8::0:1` → `2001:db8::1`, `10.1` → `10.0.0.1`), so an allowed host matches however either is spelled. */
function canonicalHost(host: string): string {
  const bare = host.replace(/^\[|\]$/g, '')
  try {
    return new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return bare.toLowerCase()
  }
}
