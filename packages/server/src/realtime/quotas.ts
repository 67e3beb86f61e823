/**
 * The tenant quotas of the real server (realtime-protocol.md §12): the current limits and the three
 * per-second rates they are checked against (events, joins, presence events).
 */
import { RateWindow, type Limits } from './limits.ts'

export class Quotas {
  #limits: Limits
  #events: RateWindow
  #joins: RateWindow
  #presenceEvents: RateWindow

  constructor(limits: Limits, now: () => number) {
    this.#limits = limits
    this.#events = new RateWindow(limits.windowMs, now)
    this.#joins = new RateWindow(limits.windowMs, now)
    this.#presenceEvents = new RateWindow(limits.windowMs, now)
  }

  get limits(): Limits {
    return this.#limits
  }

  setLimits(patch: Partial<Limits>): void {
    this.#limits = { ...this.#limits, ...patch }
    for (const window of this.#windows()) window.windowMs = this.#limits.windowMs
  }

  /** Client pushes, REST broadcasts and every delivery to every subscriber count as events. */
  countEvent(n = 1): void {
    this.#events.add(n)
  }

  overEventRate(): boolean {
    return this.#events.rate() > this.#limits.maxEventsPerSecond
  }

  /** A join attempt (counted before the join is checked, as the real server does). */
  countJoin(): void {
    this.#joins.add()
  }

  overJoinRate(): boolean {
    return this.#joins.rate() > this.#limits.maxJoinsPerSecond
  }

  countPresenceEvent(): void {
    this.#presenceEvents.add()
  }

  overPresenceEventRate(): boolean {
    return this.#presenceEvents.rate() > this.#limits.maxPresenceEventsPerSecond
  }

  /** Payloads above `max_payload_size_in_kb` × 1000 + 500 bytes are refused. */
  maxPayloadBytes(): number {
    return this.#limits.maxPayloadSizeKb * 1000 + 500
  }

  /** The `quotas` part of `/_dev/stats` (`limit: null` = unlimited). */
  snapshot(used: { concurrentUsers: number; maxChannels: number }) {
    const limits = this.#limits
    return {
      concurrentUsers: { used: used.concurrentUsers, limit: orNull(limits.maxConcurrentUsers) },
      eventsPerSecond: { used: round(this.#events.rate()), limit: orNull(limits.maxEventsPerSecond) },
      joinsPerSecond: { used: round(this.#joins.rate()), limit: orNull(limits.maxJoinsPerSecond) },
      presenceEventsPerSecond: { used: round(this.#presenceEvents.rate()), limit: orNull(limits.maxPresenceEventsPerSecond) },
      channelsPerClient: { used: used.maxChannels, limit: orNull(limits.maxChannelsPerClient) },
      maxPayloadSizeKb: orNull(limits.maxPayloadSizeKb),
      maxPresenceCallsPer30s: orNull(limits.maxPresenceCallsPer30s),
      windowMs: limits.windowMs,
    }
  }

  /** Empties the rate windows (`/_dev/reset`); the limits stay. */
  reset(): void {
    for (const window of this.#windows()) window.reset()
  }

  #windows(): RateWindow[] {
    return [this.#events, this.#joins, this.#presenceEvents]
  }
}

const orNull = (n: number) => (n >= Number.MAX_SAFE_INTEGER ? null : n)
const round = (n: number) => Math.round(n * 100) / 100
