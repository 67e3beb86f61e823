import { systemClock, type ConnectionStatus, type HealthSnapshot } from '@shared-realtime/worker/protocol'

/**
 * The health snapshot before the hub answered (or, with `status: 'idle'`, of a client that does not
 * run, as while rendering on a server).
 * @example
 * const idle = initialHealth(DEFAULT_HUB_OPTIONS, { status: 'idle', reason: 'server rendering', at: 0 })
 */
export function initialHealth(
  options: HealthSnapshot['options'],
  { status = 'connecting', reason = 'waiting for the shared worker', at = systemClock.now() }: { status?: ConnectionStatus; reason?: string; at?: number } = {},
): HealthSnapshot {
  return {
    status,
    reason,
    latency: null,
    quality: 'offline',
    subscriptionCount: 0,
    channelCount: 0,
    tabCount: 0,
    queueSize: 0,
    errorCount: 0,
    reconnectAttempts: 0,
    circuit: 'closed',
    lastError: null,
    uptimeMs: 0,
    at,
    epoch: '',
    outbox: { size: 0, oldestAgeMs: null, dropped: 0, expired: 0, storage: 'memory' },
    options,
    deliveryBatching: false,
  }
}
