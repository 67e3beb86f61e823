/** Counters and latency samples of one socket hub (issue 6 builds the public metrics on these). */
import type { Clock } from './clock.ts'

export type CounterName =
  | 'connects'
  | 'reconnects'
  | 'socketsOpened'
  | 'joins'
  | 'heartbeats'
  | 'messagesIn'
  | 'messagesOut'
  | 'deliveries'
  | 'errors'
  | 'outboxFlushed'

const MAX_SAMPLES = 512

export class HubMetrics {
  readonly counters: Record<CounterName, number> = {
    connects: 0,
    reconnects: 0,
    socketsOpened: 0,
    joins: 0,
    heartbeats: 0,
    messagesIn: 0,
    messagesOut: 0,
    deliveries: 0,
    errors: 0,
    outboxFlushed: 0,
  }
  #samples = new Map<string, number[]>()
  readonly startedAt: number

  constructor(clock: Clock) {
    this.startedAt = clock.now()
  }

  count(name: CounterName, by = 1): void {
    this.counters[name] += by
  }

  /** Keeps the last MAX_SAMPLES values of a series (a ring, so memory stays bounded). */
  observe(series: string, value: number): void {
    let samples = this.#samples.get(series)
    if (!samples) this.#samples.set(series, (samples = []))
    samples.push(value)
    if (samples.length > MAX_SAMPLES) samples.shift()
  }

  percentiles(series: string): { p50: number; p95: number; p99: number; count: number } | null {
    const samples = this.#samples.get(series)
    if (!samples || samples.length === 0) return null
    const sorted = [...samples].sort((a, b) => a - b)
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), count: sorted.length }
  }
}
