import { useCallback, useSyncExternalStore } from 'react'
import { DEFAULT_HUB_OPTIONS, initialHealth, type HealthSnapshot } from '@shared-realtime/client'
import { useRealtimeContext } from './context.ts'

/** What `useRealtimeStatus()` returns while rendering on a server, and during hydration. */
export const IDLE_HEALTH: HealthSnapshot = Object.freeze(initialHealth(DEFAULT_HUB_OPTIONS, { status: 'idle', reason: 'not started (server rendering)', at: 0 }))

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
