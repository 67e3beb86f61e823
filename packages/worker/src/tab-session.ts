/**
 * One connected tab as the hub sees it: its delivery port, its subscriptions, and a queue of events
 * that is flushed as one batch per turn and never awaited. Batches are numbered; the tab acknowledges
 * every `ackEvery`-th one. A tab that falls `maxInFlight` batches behind (frozen, dead, or slow) is
 * marked stalled: its events are then dropped and counted, and once it catches up each of its
 * subscriptions gets a `channel/resync` notice for the gap.
 */
import type { DeliveryFrame, DeliveryPort } from './protocol/delivery.ts'
import type { TabEvent } from './protocol/wire.ts'
import { FlushScheduler, type ScheduleFlush } from './flush-scheduler.ts'
import { systemClock } from './clock.ts'

export interface TabSessionOptions {
  tabId: string
  port: DeliveryPort
  /** Unacknowledged batches before the tab counts as stalled. */
  maxInFlight?: number
  /** Every how many batches the tab is asked to acknowledge. */
  ackEvery?: number
  now: () => number
  /**
   * Runs the flush later (flush-scheduler.ts): by default after a zero-delay timer, which comes after
   * the socket messages already waiting in the worker's task queue.
   */
  schedule?: ScheduleFlush
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
  batches = 0
  #port: DeliveryPort
  #queue: TabEvent[] = []
  #flushScheduled = false
  #acked = 0
  #maxInFlight: number
  #ackEvery: number
  #stalledSince: number | null = null
  #closed = false
  #now: () => number
  #schedule: ScheduleFlush
  #onError: (error: unknown) => void
  #onAck = (event: { data: unknown }) => {
    if (typeof event.data === 'number') this.#acknowledged(event.data)
  }

  constructor(options: TabSessionOptions) {
    this.tabId = options.tabId
    this.#port = options.port
    this.#maxInFlight = options.maxInFlight ?? 256
    this.#ackEvery = Math.max(1, Math.min(options.ackEvery ?? 16, Math.floor(this.#maxInFlight / 4)))
    this.#now = options.now
    this.#schedule = options.schedule ?? new FlushScheduler(systemClock).schedule
    this.#onError = options.onError ?? (() => {})
    this.#port.addEventListener('message', this.#onAck)
    this.#port.start?.()
  }

  get stalled(): boolean {
    return this.#stalledSince !== null
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Batches sent and not yet acknowledged (rounded up to the last acknowledged one). */
  get inFlight(): number {
    return this.batches - this.#acked
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
      this.#schedule(() => this.#flush())
    }
  }

  #flush(): void {
    this.#flushScheduled = false
    if (this.#closed || this.#queue.length === 0) return
    const events = this.#queue
    this.#queue = []
    const seq = ++this.batches
    if (this.inFlight >= this.#maxInFlight && this.#stalledSince === null) this.#stalledSince = this.#now()
    // While stalled every batch asks for an ack, so that the first one the tab handles ends the stall.
    const ack = seq % this.#ackEvery === 0 || this.#stalledSince !== null
    const frame: DeliveryFrame<TabEvent> = { seq, sentAt: this.#now(), ack, events }
    try {
      // Never awaited, and nothing to await: a frozen or dead tab must not hold up anyone else.
      this.#port.postMessage(frame)
      this.delivered += events.length
    } catch (error) {
      // A payload structured clone cannot copy: the batch is lost for this tab, so tell it to resync.
      this.#onError(error)
      this.#resyncAfterLoss(events)
    }
  }

  #resyncAfterLoss(events: TabEvent[]): void {
    const at = this.#now()
    const lost = new Set(events.flatMap((e) => (e.type === 'channel/event' ? [e.subscriptionId] : [])))
    this.dropped += events.length
    for (const subscriptionId of lost) this.push({ type: 'channel/resync', subscriptionId, since: at, until: at, reason: 'undeliverable' })
  }

  #acknowledged(seq: number): void {
    if (seq <= this.#acked || seq > this.batches) return
    this.#acked = seq
    if (this.#stalledSince !== null && this.inFlight < this.#maxInFlight / 2) {
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
    this.#port.removeEventListener('message', this.#onAck)
  }
}
