/**
 * One connected tab as the hub sees it: its sink, its subscriptions, and a delivery queue that is
 * flushed once per task and never awaited. A tab that stops acknowledging (frozen, dead, or slow)
 * is marked stalled after `maxInFlight` unacknowledged batches; its events are then dropped and
 * counted, and its subscriptions get a `channel/resync` notice once it catches up.
 */
import type { TabEvent, TabSink } from './protocol/wire.ts'

export interface TabSessionOptions {
  tabId: string
  sink: TabSink
  /** Unacknowledged batches before the tab counts as stalled. */
  maxInFlight?: number
  now: () => number
  onError?: (error: unknown) => void
}

export class TabSession {
  readonly tabId: string
  readonly subscriptions = new Set<string>()
  visible = true
  /** The tab has an `accessToken` callback the hub can ask for fresh tokens. */
  hasTokenCallback = false
  online = true
  delivered = 0
  dropped = 0
  #sink: TabSink
  #queue: TabEvent[] = []
  #flushScheduled = false
  #inFlight = 0
  #maxInFlight: number
  #stalledSince: number | null = null
  #closed = false
  #now: () => number
  #onError: (error: unknown) => void

  constructor(options: TabSessionOptions) {
    this.tabId = options.tabId
    this.#sink = options.sink
    this.#maxInFlight = options.maxInFlight ?? 256
    this.#now = options.now
    this.#onError = options.onError ?? (() => {})
  }

  get stalled(): boolean {
    return this.#stalledSince !== null
  }

  get closed(): boolean {
    return this.#closed
  }

  push(event: TabEvent): void {
    if (this.#closed) return
    if (this.#stalledSince !== null && event.type === 'channel/event') {
      this.dropped++
      return
    }
    this.#queue.push(event)
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      queueMicrotask(() => this.#flush())
    }
  }

  #flush(): void {
    this.#flushScheduled = false
    if (this.#closed || this.#queue.length === 0) return
    const batch = this.#queue
    this.#queue = []
    this.#inFlight++
    if (this.#inFlight >= this.#maxInFlight && this.#stalledSince === null) this.#stalledSince = this.#now()
    const settle = () => this.#acknowledged()
    try {
      // Never awaited: a frozen or dead tab must not hold up anyone else (the hub never awaits a tab).
      const result = this.#sink.deliver(batch, this.#now()) as unknown
      if (result && typeof (result as Promise<void>).then === 'function') {
        ;(result as Promise<void>).then(settle, (error) => {
          settle()
          this.#onError(error)
        })
      } else settle()
      this.delivered += batch.length
    } catch (error) {
      settle()
      this.#onError(error)
    }
  }

  #acknowledged(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1)
    if (this.#stalledSince !== null && this.#inFlight < this.#maxInFlight / 2) {
      const since = this.#stalledSince
      this.#stalledSince = null
      for (const subscriptionId of this.subscriptions) {
        this.push({ type: 'channel/resync', subscriptionId, since, until: this.#now(), reason: 'tab-stalled' })
      }
    }
  }

  close(): void {
    this.#closed = true
    this.#queue = []
  }
}
