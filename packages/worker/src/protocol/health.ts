import type { RealtimeErrorPayload } from './errors.ts'
import type { ResolvedHubOptions } from './options.ts'

export const CONNECTION_STATUSES = [
  'idle',
  'connecting',
  'connected',
  'reconnecting',
  'offline',
  'paused',
  'circuit-open',
  'closed',
] as const
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number]

export type ConnectionQuality = 'excellent' | 'good' | 'fair' | 'poor' | 'offline'
export type CircuitStatus = 'closed' | 'open' | 'half-open'
/** Where a tab's hub runs: the SharedWorker, an elected leader tab (this one, or another), or this page alone. */
export type HubMode = 'shared-worker' | 'leader' | 'follower' | 'in-page'

export type OutboxStorage = 'indexeddb' | 'memory'

export interface OutboxHealth {
  size: number
  oldestAgeMs: number | null
  dropped: number
  expired: number
  storage: OutboxStorage
  /** Whether this hub flushes the origin's stored outbox (false: another hub owns it; this one only appends). */
  owner?: boolean
}

/** What every tab mirrors synchronously (`realtime.getHealthStatus()`). Plain data only. */
export interface HealthSnapshot {
  status: ConnectionStatus
  /** Why the hub entered `status`. */
  reason: string
  /** Last heartbeat round trip in ms. */
  latency: number | null
  quality: ConnectionQuality
  subscriptionCount: number
  channelCount: number
  tabCount: number
  queueSize: number
  errorCount: number
  reconnectAttempts: number
  circuit: CircuitStatus
  lastError: RealtimeErrorPayload | null
  /** Time the current connection has been open, 0 when it is not. */
  uptimeMs: number
  /** Wall-clock time of this snapshot. */
  at: number
  epoch: string
  /** Set by the tab: where its hub runs, and the elected leader's epoch (leader and follower modes). */
  mode?: HubMode
  leaderEpoch?: number | null
  /** Leader and follower modes: messages of unknown shape or version (or a stale leader's) on the election's BroadcastChannels, ignored. */
  ignoredMessages?: number
  outbox: OutboxHealth
  options: ResolvedHubOptions
  /** Deliveries to tabs wait `adaptiveBatching.batchMs` because the load is high (see `adaptiveBatching`). */
  deliveryBatching: boolean
}
