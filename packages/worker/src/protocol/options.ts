/** Hub options: the type every tab passes, its resolved form, and the one defaults object (house style §2). */

export interface HubOptions {
  /** Heartbeat period; a missed reply reconnects. */
  heartbeatIntervalMs?: number
  /** Join, push and tab-call timeout. */
  timeoutMs?: number
  backoff?: {
    initialMs?: number
    maxMs?: number
    multiplier?: number
    /** Attempts reset once a connection has stayed open this long. */
    stableAfterMs?: number
  }
  circuitBreaker?: { enabled?: boolean; threshold?: number; resetMs?: number }
  limits?: { eventsPerSecond?: number; joinsPerSecond?: number; maxChannels?: number; maxPayloadBytes?: number }
  outbox?: {
    maxSize?: number
    discardOnSignOut?: boolean
    /** Queued broadcasts sent ahead of their acknowledgement while the outbox drains (in order). */
    maxInFlight?: number
  }
  /** How long a topic stays joined after its last subscriber leaves (covers reloads). */
  leaveGraceMs?: number
  /**
   * How long the hub collects events before posting them to tabs. 0 posts as soon as the worker is
   * free; a frame (16 ms) cut browser CPU by a third to a half with 10–50 tabs under a steady stream (bench), at up to that much latency.
   */
  deliveryBatchMs?: number
  /**
   * While `deliveryBatchMs` is 0: batch deliveries for `batchMs` (default 16, a frame) only while the
   * hub hands tabs more than `aboveDeliveriesPerSecond` events (tab × event, default 4000), releasing
   * below half of that. Low loads keep their latency, high loads save CPU. `false` turns it off; a hub
   * inside a page never batches.
   */
  adaptiveBatching?: boolean | { aboveDeliveriesPerSecond?: number; batchMs?: number }
  /**
   * How long events for a hidden tab are collected before one post to it (in order, nothing dropped;
   * a tab that becomes visible gets them at once). Hidden tabs show nothing, so fewer wake-ups save
   * CPU and battery at no visible cost. 0 posts to hidden tabs like to visible ones. A hub inside a
   * page (no SharedWorker) delivers to its own page at once whatever this says.
   */
  hiddenDeliveryMs?: number
}

export type ResolvedHubOptions = {
  heartbeatIntervalMs: number
  timeoutMs: number
  backoff: Required<NonNullable<HubOptions['backoff']>>
  circuitBreaker: Required<NonNullable<HubOptions['circuitBreaker']>>
  limits: Required<NonNullable<HubOptions['limits']>>
  outbox: Required<NonNullable<HubOptions['outbox']>>
  leaveGraceMs: number
  deliveryBatchMs: number
  adaptiveBatching: false | { aboveDeliveriesPerSecond: number; batchMs: number }
  hiddenDeliveryMs: number
}

export const DEFAULT_HUB_OPTIONS = {
  heartbeatIntervalMs: 25_000,
  timeoutMs: 10_000,
  backoff: { initialMs: 1_000, maxMs: 30_000, multiplier: 2, stableAfterMs: 10_000 },
  circuitBreaker: { enabled: true, threshold: 10, resetMs: 120_000 },
  limits: { eventsPerSecond: 100, joinsPerSecond: 100, maxChannels: 100, maxPayloadBytes: 256_000 },
  outbox: { maxSize: 100, discardOnSignOut: true, maxInFlight: 16 },
  leaveGraceMs: 500,
  deliveryBatchMs: 0,
  // Posting one message costs the worker about 50 µs (bench profile), so 4000 posts per second would
  // take a fifth of its time on posting alone: the load where one frame of latency starts paying off.
  adaptiveBatching: { aboveDeliveriesPerSecond: 4_000, batchMs: 16 },
  hiddenDeliveryMs: 300,
} as const satisfies ResolvedHubOptions
