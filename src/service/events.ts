import type { BatchStatus } from '../domain/status.js'

/**
 * What happened to a batch, at the mock time it happened. Published by the service when
 * a transition falls due on the mock's clock (or, for a batch that progresses by polls,
 * when a GET moves it), never before.
 */
export type BatchEvent =
  | { readonly type: 'batch.created'; readonly batchId: string; readonly projectId: string; readonly at: number }
  | {
      readonly type: 'batch.status_changed'
      readonly batchId: string
      readonly projectId: string
      /** null for the PENDING a batch is created in. */
      readonly from: BatchStatus | null
      readonly to: BatchStatus
      readonly at: number
    }
  | { readonly type: 'batch.cancel_requested'; readonly batchId: string; readonly projectId: string; readonly at: number }

export type BatchEventSubscriber = (event: BatchEvent) => void

/**
 * Plain functions called in order for every event. A subscriber that throws does not
 * stop the others nor the change that caused the event: its error goes to `onError`.
 */
export class EventBus {
  #subscribers: readonly BatchEventSubscriber[] = []
  /** Events published while others are being delivered: delivered after them, in order. */
  readonly #pending: BatchEvent[] = []
  #delivering = false

  constructor(readonly onError: (error: unknown, event: BatchEvent) => void = () => {}) {}

  get active(): boolean {
    return this.#subscribers.length > 0
  }

  subscribe(subscriber: BatchEventSubscriber): () => void {
    // A new array on every change: a delivery under way keeps the list it started with.
    this.#subscribers = [...this.#subscribers, subscriber]
    return () => {
      this.#subscribers = this.#subscribers.filter((s) => s !== subscriber)
    }
  }

  /**
   * Delivers the event to every subscriber. A subscriber that causes events (a cancel, a
   * clock move) does not get them delivered ahead of the one it is handling: they queue
   * behind it, so every subscriber sees every event in the order published.
   */
  publish(event: BatchEvent): void {
    this.#pending.push(event)
    if (this.#delivering) return
    this.#delivering = true
    try {
      for (let next = this.#pending.shift(); next !== undefined; next = this.#pending.shift()) {
        for (const subscriber of this.#subscribers) {
          try {
            subscriber(next)
          } catch (error) {
            this.onError(error, next)
          }
        }
      }
    } finally {
      this.#delivering = false
    }
  }
}
