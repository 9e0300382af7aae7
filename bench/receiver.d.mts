export interface Receiver {
  /** Where to send webhooks. */
  url: string
  /** Requests answered 204 so far. */
  count(): Promise<number>
  close(): Promise<void>
}
export function receiver(): Promise<Receiver>
