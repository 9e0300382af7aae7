import { createHmac } from 'node:crypto'
import type { Batch } from '../domain/batch-record.js'
import type { BatchStatus } from '../domain/status.js'
import type { WebhookTarget } from './targets.js'

/** The event each status sends; THROTTLED sends none. */
export const EVENT_OF_STATUS: Readonly<Partial<Record<BatchStatus, string>>> = {
  PENDING: 'batch.pending',
  RUNNING: 'batch.running',
  COMPLETED: 'batch.success',
  FAILED: 'batch.error',
  CANCELLED: 'batch.cancelled'
}

export const USER_AGENT = 'llamaindex-webhook-service/1.0'

/** What LlamaCloud documents a webhook body to be. */
export interface Envelope {
  event_id: string
  event_type: string
  /** Unix seconds (a float): the transition's mock time. */
  timestamp: number
  data: Batch
}

/**
 * The envelope as JSON text, `timestamp` always written as a float (`1767225600.0`, as a
 * Python sender writes one), so a typed receiver reads a float whatever the millisecond.
 */
export function envelopeJson(envelope: Envelope): string {
  const t = envelope.timestamp
  const text = JSON.stringify({ ...envelope, timestamp: 0 })
  return text.replace('"timestamp":0', `"timestamp":${Number.isInteger(t) ? `${t}.0` : String(t)}`)
}

/** `LC-Signature` for these exact bytes (a string: its UTF-8, as sent): `sha256=<hex HMAC-SHA256(secret, body)>`. */
export function signature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * The request one target gets for one event: `json` sends the envelope as an object,
 * `string` (the default) the envelope JSON-encoded once more, as a JSON string. `body` is
 * text, sent as its UTF-8: the only copy a queued delivery holds (the sender encodes it per attempt).
 */
export function requestFor(envelope: Envelope, json: string, target: WebhookTarget): { headers: Record<string, string>; body: string } {
  const body = target.format === 'json' ? json : JSON.stringify(json)
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-Webhook-Event-ID': envelope.event_id,
    'X-Webhook-Event-Type': envelope.event_type
  }
  // The configuration's headers come last and replace a default of the same name, in any case.
  for (const [name, value] of Object.entries(target.headers ?? {})) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key]
    headers[name] = value
  }
  if (target.secret !== null && target.secret !== '') headers['LC-Signature'] = signature(target.secret, body)
  return { headers, body }
}
