import type { HealthSnapshot, RealtimeError, SharedChannel, Unsubscribe } from '@shared-realtime/client'

/**
 * What the hooks use of a client: a `SharedRealtime` from `createSharedRealtime()` (or a test double
 * with the same methods). The hooks call it only in effects and subscriptions, never while rendering.
 */
export interface RealtimeLike {
  channel(name: string, params?: { config?: SharedChannel['params']['config'] }): SharedChannel
  removeChannel(channel: SharedChannel): Promise<unknown>
  getHealthStatus(): HealthSnapshot
  onHealthChange(callback: (health: HealthSnapshot) => void): Unsubscribe
  /** A newer deploy runs in this browser (optional for test doubles). */
  onUpdateAvailable?(callback: (info: { protocol: number }) => void): Unsubscribe
  /** Where a failed transform goes when the hook has no `onError` (the health's `lastError`). */
  reportError?(error: RealtimeError): void
}
