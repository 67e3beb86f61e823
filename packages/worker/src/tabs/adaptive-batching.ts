/**
 * Adaptive delivery batching (`adaptiveBatching`): the flush delay stays 0 while the delivery load is
 * low and becomes `batchMs` (a frame) while it is high. The load is measured in deliveries (tab ×
 * event) per second rather than posts, because at delay 0 each delivery is about one post, and
 * deliveries do not fall once batching engages (posts do: counting them would release batching
 * under the very load that engaged it). It engages above `aboveDeliveriesPerSecond` and releases
 * below half of it, judged once per window so one burst does not flap it; an idle gap counts as a
 * window of low load. No timer of its own: it is read when a flush is scheduled.
 */
import type { Clock } from '../clock.ts'
import type { ResolvedHubOptions } from '../protocol/options.ts'

/** Load is judged over windows at least this long: long enough that a sender catching up after a stall does not engage it. */
export const LOAD_WINDOW_MS = 500

type BatchingOptions = Pick<ResolvedHubOptions, 'deliveryBatchMs' | 'adaptiveBatching'>

export class AdaptiveBatching {
  #clock: Clock
  #options: () => BatchingOptions
  #windowStart: number
  #count = 0
  #engaged = false
  #onToggle: () => void

  /** `onToggle` runs when it engages or releases (the hub pushes health). */
  constructor(clock: Clock, options: () => BatchingOptions, onToggle: () => void = () => {}) {
    this.#clock = clock
    this.#options = options
    this.#onToggle = onToggle
    this.#windowStart = clock.now()
  }

  /** Batching is on because of load (never with an explicit `deliveryBatchMs` or adaptiveBatching off). */
  get engaged(): boolean {
    this.#judge()
    const { deliveryBatchMs, adaptiveBatching } = this.#options()
    return this.#engaged && deliveryBatchMs === 0 && adaptiveBatching !== false
  }

  /** The flush delay now: an explicit `deliveryBatchMs` wins, else `batchMs` while engaged, else 0. */
  readonly delayMs = (): number => {
    const { deliveryBatchMs, adaptiveBatching } = this.#options()
    if (deliveryBatchMs > 0 || !adaptiveBatching) return deliveryBatchMs
    return this.engaged ? adaptiveBatching.batchMs : 0
  }

  /** Counts events handed to tabs in one flush. */
  readonly note = (deliveries: number): void => {
    this.#judge()
    this.#count += deliveries
  }

  #judge(): void {
    const now = this.#clock.now()
    const elapsed = now - this.#windowStart
    if (elapsed < LOAD_WINDOW_MS) return
    const options = this.#options().adaptiveBatching
    const rate = (this.#count * 1000) / elapsed
    this.#windowStart = now
    this.#count = 0
    if (!options) return
    const above = options.aboveDeliveriesPerSecond
    const engage = rate > above ? true : rate < above / 2 ? false : this.#engaged
    if (engage !== this.#engaged) {
      this.#engaged = engage
      this.#onToggle()
    }
  }
}
