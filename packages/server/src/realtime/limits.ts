/** Tenant quotas with the real server's defaults (realtime-protocol.md §12), and their moving windows. */

export interface Limits {
  /** Sockets with at least one joined channel. */
  maxConcurrentUsers: number
  /** Every message to each subscriber plus every client push, averaged over `windowMs`. */
  maxEventsPerSecond: number
  maxJoinsPerSecond: number
  maxChannelsPerClient: number
  maxPresenceEventsPerSecond: number
  /** Broadcast and presence payloads: refused above kb × 1000 + 500 bytes. */
  maxPayloadSizeKb: number
  /** Track/untrack per channel per 30 s. */
  maxPresenceCallsPer30s: number
  /** The averaging window of the per-second rates (the real server uses 60 s). */
  windowMs: number
}

export const DEFAULT_LIMITS = {
  maxConcurrentUsers: 200,
  maxEventsPerSecond: 100,
  maxJoinsPerSecond: 100,
  maxChannelsPerClient: 100,
  maxPresenceEventsPerSecond: 1000,
  maxPayloadSizeKb: 3000,
  maxPresenceCallsPer30s: 5,
  windowMs: 60_000,
} as const satisfies Limits

/** Effectively no limits, for benchmarks of the baseline (one socket per tab). */
export const NO_LIMITS: Limits = {
  maxConcurrentUsers: Number.MAX_SAFE_INTEGER,
  maxEventsPerSecond: Number.MAX_SAFE_INTEGER,
  maxJoinsPerSecond: Number.MAX_SAFE_INTEGER,
  maxChannelsPerClient: Number.MAX_SAFE_INTEGER,
  maxPresenceEventsPerSecond: Number.MAX_SAFE_INTEGER,
  maxPayloadSizeKb: 1_000_000,
  maxPresenceCallsPer30s: Number.MAX_SAFE_INTEGER,
  windowMs: 60_000,
}

/**
 * Counts events in one-second buckets and reports the average rate over the window. The real server
 * keeps 60 s moving averages checked every 5 s, so bursts pass; this is the same idea, checked at once.
 */
export class RateWindow {
  #buckets = new Map<number, number>()
  #now: () => number
  windowMs: number

  constructor(windowMs: number, now: () => number) {
    this.windowMs = windowMs
    this.#now = now
  }

  add(count = 1): void {
    const second = Math.floor(this.#now() / 1000)
    this.#buckets.set(second, (this.#buckets.get(second) ?? 0) + count)
    if (this.#buckets.size > 120) this.#prune()
  }

  /**
   * Events per second averaged over the window. The oldest bucket counts for the part of it still
   * inside the window (a sliding-window counter), so the rate does not drop at second boundaries.
   */
  rate(): number {
    this.#prune()
    const windowStart = this.#now() - this.windowMs
    let total = 0
    for (const [second, count] of this.#buckets) {
      const start = second * 1000
      total += start >= windowStart ? count : count * ((start + 1000 - windowStart) / 1000)
    }
    return total / Math.max(1, this.windowMs / 1000)
  }

  reset(): void {
    this.#buckets.clear()
  }

  /** Drops buckets that ended before the window starts. */
  #prune(): void {
    const windowStart = this.#now() - this.windowMs
    for (const second of this.#buckets.keys()) if ((second + 1) * 1000 <= windowStart) this.#buckets.delete(second)
  }
}

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as readonly (keyof Limits)[]

/** `false` → no limits; a partial object → defaults with those values replaced. */
export function resolveLimits(limits: Partial<Limits> | false | undefined): Limits {
  if (limits === false) return { ...NO_LIMITS }
  const resolved: Limits = { ...DEFAULT_LIMITS }
  for (const [name, value] of Object.entries(limits ?? {})) {
    if (value === undefined) continue
    const problem = checkLimit(name, value)
    if (problem) throw new TypeError(problem)
    resolved[name as keyof Limits] = value
  }
  return resolved
}

/** A sentence saying what is wrong with one limit setting, or null. */
export function checkLimit(name: string, value: unknown): string | null {
  if (!(LIMIT_NAMES as readonly string[]).includes(name)) return `unknown limit "${name}"; known: ${LIMIT_NAMES.join(', ')}`
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return `limit "${name}" must be a positive number`
  if (name === 'windowMs' && value < 1000) return 'limit "windowMs" must be at least 1000 (one-second buckets)'
  return null
}
