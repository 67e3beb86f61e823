/**
 * React bindings for shared-realtime: one Supabase Realtime socket for every tab, as hooks.
 *
 * @example
 * import { SharedRealtimeProvider, usePostgresChanges, useRealtimeStatus } from '@shared-realtime/react'
 */
export { SharedRealtimeProvider, useSharedRealtime, type SharedRealtimeProviderProps } from './context.ts'
export { useRealtimeStatus, IDLE_HEALTH } from './use-realtime-status.ts'
export { useChannel, type UseChannelOptions, type UseChannelResult } from './use-channel.ts'
export {
  usePostgresChanges,
  useRealtimeSubscription,
  type PostgresChangesOptions,
  type RealtimeSubscriptionOptions,
  type SubscriptionState,
} from './use-postgres-changes.ts'
export { useBroadcast, type UseBroadcastOptions } from './use-broadcast.ts'
export { usePresence, usePresenceState } from './use-presence.ts'
export { useResync } from './use-resync.ts'
export { useUpdateAvailable } from './use-update-available.ts'
export type { ChannelStatus } from './channel-pool.ts'
export type { RealtimeLike } from './realtime-like.ts'
