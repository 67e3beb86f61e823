/** Counters, rates and latency samples of one socket hub, per channel and in total. */
import type { Clock } from '../clock.ts'
import type { ChannelMetrics, Percentiles } from '../protocol/metrics.ts'
import { percentilesOf } from './percentiles.ts'

export type CounterName =
  | 'connects'
  | 'reconnects'
  | 'socketsOpened'
  | 'joins'
  | 'heartbeats'
  | 'messagesIn'
  | 'messagesOut'
  | 'bytesIn'
  | 'bytesOut'
  | 'deliveries'
  | 'errors'
  | 'outboxFlushed'

const MAX_SAMPLES = 512
const RATE_WINDOW_MS = 60_000
const RATED: ReadonlySet<CounterName> = new Set(['errors', 'reconnects'])

type ChannelCounters = Pick<ChannelMetrics, 'messagesIn' | 'deliveries' | 'messagesOut'>

export class HubMetrics {
  readonly counters: Record<CounterName, number> = {
    connects: 0,
    reconnects: 0,
    socketsOpened: 0,
    joins: 0,
    heartbeats: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    deliveries: 0,
    errors: 0,
    outboxFlushed: 0,
  }
  readonly startedAt: number
  #clock: Clock
  #samples = new Map<string, number[]>()
  #recent = new Map<CounterName, number[]>()
  #channels = new Map<string, ChannelCounters>()

  constructor(clock: Clock) {
    this.#clock = clock
    this.startedAt = clock.now()
  }

  count(name: CounterName, by = 1): void {
    this.counters[name] += by
    if (RATED.has(name)) {
      const times = this.#recent.get(name) ?? []
      times.push(this.#clock.now())
      if (times.length > MAX_SAMPLES) times.shift()
      this.#recent.set(name, times)
    }
  }

  /** Events of a rated counter in the last minute. */
  perMinute(name: CounterName): number {
    const since = this.#clock.now() - RATE_WINDOW_MS
    return (this.#recent.get(name) ?? []).filter((t) => t > since).length
  }

  channel(topic: string): ChannelCounters {
    let c = this.#channels.get(topic)
    if (!c) this.#channels.set(topic, (c = { messagesIn: 0, deliveries: 0, messagesOut: 0 }))
    return c
  }

  channelCounters(topic: string): ChannelCounters {
    return this.#channels.get(topic) ?? { messagesIn: 0, deliveries: 0, messagesOut: 0 }
  }

  /** Keeps the last MAX_SAMPLES values of a series (a ring, so memory stays bounded). */
  observe(series: string, value: number): void {
    let samples = this.#samples.get(series)
    if (!samples) this.#samples.set(series, (samples = []))
    samples.push(value)
    if (samples.length > MAX_SAMPLES) samples.shift()
  }

  percentiles(series: string): Percentiles | null {
    return percentilesOf(this.#samples.get(series) ?? [])
  }
}
