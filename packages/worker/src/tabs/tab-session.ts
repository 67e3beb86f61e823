/**
 * One connected tab as the hub sees it: its delivery port, its subscriptions, and a queue of events
 * that is flushed as one batch per turn and never awaited. Batches are numbered; the tab acknowledges
 * every `ackEvery`-th one. A tab that falls `maxInFlight` batches behind (frozen, dead, or slow) is
 * marked stalled: its events are then dropped and counted, and once it catches up each of its
 * subscriptions gets a `channel/resync` notice for the gap.
 *
 * A hidden tab shows nothing, so waking it for every event only burns battery: while the tab says it is
 * hidden, its events wait for one post per `hiddenDelayMs` (in order, nothing dropped), and the moment it
 * says it is visible again, or something it must see at once arrives (a status, a resync), whatever
 * waits is posted.
 */
import type { DeliveryFrame, DeliveryPort } from '../protocol/delivery-port.ts'
import type { TabEvent } from '../protocol/wire.ts'
import { FlushScheduler, type ScheduleFlush } from './flush-scheduler.ts'
import { systemClock, Timeout, type Clock } from '../clock.ts'

/** What a hidden tab can wait for: events and health. Statuses, resyncs, alerts and token requests go out at once. */
const COLLECTED_WHILE_HIDDEN: ReadonlySet<TabEvent['type']> = new Set(['channel/event', 'hub/health'])

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
  /** How long a hidden tab's events are collected before one post (`hiddenDeliveryMs`); 0 treats it as visible. */
  hiddenDelayMs?: () => number
  /** Runs the hidden tab's collection timer. */
  clock?: Clock
  onError?: (error: unknown) => void
  /**
   * The tab caught up after a stall: whoever owns `subscriptionId` may fill the gap since `since`
   * and send the notice itself (returns true), else the tab gets a plain `tab-stalled` resync.
   */
  onCaughtUp?: (subscriptionId: string, since: number) => boolean
}

export class TabSession {
  readonly tabId: string
  readonly subscriptions = new Set<string>()
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
  #visible = true
  #hiddenDelayMs: () => number
  #hiddenTimer: Timeout
  #onError: (error: unknown) => void
  #onCaughtUp: (subscriptionId: string, since: number) => boolean
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
    this.#hiddenDelayMs = options.hiddenDelayMs ?? (() => 0)
    this.#hiddenTimer = new Timeout(options.clock ?? systemClock)
    this.#onError = options.onError ?? (() => {})
    this.#onCaughtUp = options.onCaughtUp ?? (() => false)
    this.#port.addEventListener('message', this.#onAck)
    this.#port.start?.()
  }

  get visible(): boolean {
    return this.#visible
  }

  /** The tab's page visibility, as it reports it; becoming visible posts what a hidden tab was collecting. */
  setVisible(visible: boolean): void {
    this.#visible = visible
    if (visible && this.#hiddenTimer.pending) {
      this.#hiddenTimer.clear()
      this.#flush()
    }
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
    const wait = this.#visible || !COLLECTED_WHILE_HIDDEN.has(event.type) ? 0 : this.#hiddenDelayMs()
    if (wait === 0 && this.#hiddenTimer.pending) {
      // Something the tab must see now (a status, a resync, a token request): what waited goes with it, in order.
      this.#hiddenTimer.clear()
      this.#flushScheduled = false
    }
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    if (wait > 0) this.#hiddenTimer.set(wait, () => this.#flush())
    else this.#schedule(() => this.#flush())
  }

  /** Posts what waits; returns how many events went out. */
  #flush(): number {
    this.#flushScheduled = false
    if (this.#closed || this.#queue.length === 0) return 0
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
      return events.length
    } catch (error) {
      // A payload structured clone cannot copy: the batch is lost for this tab, so tell it to resync.
      this.#onError(error)
      this.#resyncAfterLoss(events)
      return 0
    }
  }

  #resyncAfterLoss(events: TabEvent[]): void {
    const at = this.#now()
    const lost = new Set(events.flatMap((e) => (e.type === 'channel/event' ? [e.subscriptionId] : [])))
    this.dropped += events.length
    for (const subscriptionId of lost) this.push({ type: 'channel/resync', subscriptionId, since: at, until: at, reason: 'undeliverable', replayed: 0, complete: false })
  }

  #acknowledged(seq: number): void {
    if (seq <= this.#acked || seq > this.batches) return
    this.#acked = seq
    if (this.#stalledSince !== null && this.inFlight < this.#maxInFlight / 2) {
      const since = this.#stalledSince
      this.#stalledSince = null
      for (const subscriptionId of this.subscriptions) {
        if (!this.#onCaughtUp(subscriptionId, since)) this.push({ type: 'channel/resync', subscriptionId, since, until: this.#now(), reason: 'tab-stalled', replayed: 0, complete: false })
      }
    }
  }

  close(): void {
    this.#closed = true
    this.#hiddenTimer.clear()
    this.#queue = []
    this.#port.removeEventListener('message', this.#onAck)
  }
}
