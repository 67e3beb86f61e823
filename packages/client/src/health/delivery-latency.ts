/**
 * Hub-to-tab delivery latency measured in the tab: the hub stamps each delivery frame with its clock
 * (`sentAt`), the tab subtracts it from its own. Only the latest samples are kept.
 */
import { percentilesOf, type PerformanceMetrics } from '@shared-realtime/worker/protocol'

/** Enough samples for stable percentiles, few enough to stay small in every tab. */
export const DELIVERY_LATENCY_SAMPLES = 512

/**
 * @example
 * const latency = new DeliveryLatency()
 * latency.record(clock.now() - frame.sentAt)
 * latency.percentiles() // { p50, p95, p99, … }
 */
export class DeliveryLatency {
  #samples: number[] = []

  record(ms: number): void {
    this.#samples.push(ms)
    if (this.#samples.length > DELIVERY_LATENCY_SAMPLES) this.#samples.shift()
  }

  percentiles(): PerformanceMetrics['latency']['delivery'] {
    return percentilesOf(this.#samples)
  }
}
