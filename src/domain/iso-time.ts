let lastMs = NaN
let lastText = ''

/**
 * An instant as ISO 8601 UTC text (`Date#toISOString`, which throws for no instant). The last
 * one is kept: a batch's created_at and updated_at are often one instant, and so are the
 * creates of one millisecond.
 */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString()
    lastMs = ms
  }
  return lastText
}
