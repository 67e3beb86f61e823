import { useCallback, useSyncExternalStore } from 'react'
import { DEFAULT_HUB_OPTIONS, type HealthSnapshot } from '@shared-realtime/client'
import { useRealtimeContext } from './context.ts'

/** What `useRealtimeStatus()` returns while rendering on a server, and during hydration. */
export const IDLE_HEALTH: HealthSnapshot = Object.freeze({
  status: 'idle',
  reason: 'not started (server rendering)',
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
  at: 0,
  epoch: '',
  outbox: { size: 0, oldestAgeMs: null, dropped: 0, expired: 0, storage: 'memory' },
  options: DEFAULT_HUB_OPTIONS,
}) as HealthSnapshot

const serverSnapshot = () => IDLE_HEALTH

/**
 * The shared connection's health (status, quality, latency, tabCount, queueSize, lastError, …),
 * re-rendering on every change. On a server it returns `IDLE_HEALTH`.
 * @example
 * const { status, tabCount } = useRealtimeStatus()
 */
export function useRealtimeStatus(): HealthSnapshot {
  const { client } = useRealtimeContext('useRealtimeStatus()')
  const subscribe = useCallback((notify: () => void) => client.onHealthChange(() => notify()), [client])
  const snapshot = useCallback(() => client.getHealthStatus(), [client])
  return useSyncExternalStore(subscribe, snapshot, serverSnapshot)
}
