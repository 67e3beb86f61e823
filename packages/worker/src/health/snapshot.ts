/**
 * The health snapshot every tab mirrors: what the link recorded (latency, errors, uptime) plus a
 * pure assembly of the hub's state into plain data.
 */
import type { Clock } from '../clock.ts'
import { circuitOf, type ConnectionState } from '../socket/connection-state.ts'
import type { HubMetrics } from './metrics.ts'
import { qualityOf } from './quality.ts'
import type { RealtimeErrorPayload } from '../protocol/errors.ts'
import type { HealthSnapshot, OutboxHealth } from '../protocol/health.ts'
import type { ResolvedHubOptions } from '../protocol/options.ts'

/** What the socket hub records about its link between snapshots. */
export class LinkHealth {
  latency: number | null = null
  lastError: RealtimeErrorPayload | null = null
  errorCount = 0
  /** When the current connection opened; null while there is none. */
  openedAt: number | null = null
  #metrics: HubMetrics

  constructor(metrics: HubMetrics) {
    this.#metrics = metrics
  }

  recordError(error: RealtimeErrorPayload): void {
    this.lastError = error
    this.errorCount++
    this.#metrics.count('errors')
  }

  /** A heartbeat or ping round trip. */
  recordLatency(ms: number): void {
    this.latency = ms
    this.#metrics.observe('heartbeatMs', ms)
  }
}

export interface SnapshotInput {
  clock: Clock
  connection: ConnectionState
  link: LinkHealth
  groups: Iterable<{ readonly size: number; readonly isJoined: boolean }>
  tabCount: number
  outbox: OutboxHealth
  epoch: string
  options: ResolvedHubOptions
  deliveryBatching: boolean
}

export function healthSnapshot({ clock, connection, link, groups, tabCount, outbox, epoch, options, deliveryBatching }: SnapshotInput): HealthSnapshot {
  const now = clock.now()
  const connected = connection.status === 'connected'
  let subscriptionCount = 0
  let channelCount = 0
  for (const group of groups) {
    subscriptionCount += group.size
    if (group.isJoined) channelCount++
  }
  return {
    status: connection.status,
    reason: connection.reason,
    latency: link.latency,
    quality: qualityOf(link.latency, connected),
    subscriptionCount,
    channelCount,
    tabCount,
    queueSize: outbox.size,
    errorCount: link.errorCount,
    reconnectAttempts: Math.max(0, connection.attempt - 1),
    circuit: circuitOf(connection),
    lastError: link.lastError,
    uptimeMs: connected && link.openedAt !== null ? now - link.openedAt : 0,
    at: now,
    epoch,
    outbox,
    options,
    deliveryBatching,
  }
}
