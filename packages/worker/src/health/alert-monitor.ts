/** Runs the alert rules against the hub's metrics once a second while there are rules, and tells every tab what fired. */
import { Timeout, type Clock } from '../clock.ts'
import { AlertEngine, type AlertSample } from './alerts.ts'
import type { Alert, AlertRule } from '../protocol/metrics.ts'
import type { ConnectionState } from '../socket/connection-state.ts'
import type { HubMetrics } from './metrics.ts'

const EVALUATE_EVERY_MS = 1_000

export class AlertMonitor {
  #engine = new AlertEngine()
  #timer: Timeout
  #clock: Clock
  #sample: () => AlertSample
  #fire: (alert: Alert) => void

  constructor(clock: Clock, sample: () => AlertSample, fire: (alert: Alert) => void) {
    this.#clock = clock
    this.#timer = new Timeout(clock)
    this.#sample = sample
    this.#fire = fire
  }

  setRules(rules: AlertRule[]): void {
    this.#engine.setRules(rules)
    this.#timer.clear()
    if (rules.length > 0) this.#evaluate()
  }

  #evaluate(): void {
    for (const alert of this.#engine.evaluate(this.#sample(), this.#clock.now())) this.#fire(alert)
    this.#timer.set(EVALUATE_EVERY_MS, () => this.#evaluate())
  }

  close(): void {
    this.#timer.clear()
  }
}

/** The values alert rules are checked against, read from the hub's state. */
export function alertSampleOf(input: { now: number; connection: ConnectionState; latency: number | null; metrics: HubMetrics; outboxSize: number }): AlertSample {
  const { status, since } = input.connection
  return {
    latency: input.latency ?? 0,
    errorRate: input.metrics.perMinute('errors'),
    outboxSize: input.outboxSize,
    reconnects: input.metrics.perMinute('reconnects'),
    disconnected: status === 'connected' || status === 'idle' ? 0 : input.now - since,
  }
}
