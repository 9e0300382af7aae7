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
  readonly #subscribers: BatchEventSubscriber[] = []

  constructor(readonly onError: (error: unknown, event: BatchEvent) => void = () => {}) {}

  get active(): boolean {
    return this.#subscribers.length > 0
  }

  subscribe(subscriber: BatchEventSubscriber): () => void {
    this.#subscribers.push(subscriber)
    return () => {
      const i = this.#subscribers.indexOf(subscriber)
      if (i !== -1) this.#subscribers.splice(i, 1)
    }
  }

  publish(event: BatchEvent): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(event)
      } catch (error) {
        this.onError(error, event)
      }
    }
  }
}
