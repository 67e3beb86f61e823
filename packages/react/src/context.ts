/**
 * `<SharedRealtimeProvider client={realtime}>` makes a client available to the hooks below it.
 */
import { createContext, createElement, useContext, useMemo, type ReactNode } from 'react'
import { RealtimeError, type SharedRealtime } from '@shared-realtime/client'
import { poolFor, type ChannelPool } from './channel-pool.ts'
import type { RealtimeLike } from './realtime-like.ts'

interface ContextValue {
  client: RealtimeLike
  pool: ChannelPool
}

const RealtimeContext = createContext<ContextValue | null>(null)
RealtimeContext.displayName = 'SharedRealtimeContext'

export interface SharedRealtimeProviderProps {
  /** The tab's client from `createSharedRealtime()` or `shareRealtime()`. The provider never closes it. */
  client: RealtimeLike
  children?: ReactNode
}

/**
 * @example
 * const realtime = createSharedRealtime(SUPABASE_URL, SUPABASE_ANON_KEY)
 * createRoot(el).render(<SharedRealtimeProvider client={realtime}><App /></SharedRealtimeProvider>)
 */
export function SharedRealtimeProvider({ client, children }: SharedRealtimeProviderProps): ReactNode {
  if (!client || typeof client.channel !== 'function') {
    throw RealtimeError.of('invalid-argument', '<SharedRealtimeProvider client={…}> needs the client made by createSharedRealtime()')
  }
  const value = useMemo(() => ({ client, pool: poolFor(client) }), [client])
  return createElement(RealtimeContext.Provider, { value }, children)
}

/** The provider's context; throws a clear error outside one. */
export function useRealtimeContext(hook: string): ContextValue {
  const value = useContext(RealtimeContext)
  if (!value) {
    throw RealtimeError.of('invalid-argument', `${hook} must be used inside <SharedRealtimeProvider client={…}>; wrap your app (or this component) in it`)
  }
  return value
}

/**
 * The client given to the nearest `<SharedRealtimeProvider>`.
 * @example
 * const realtime = useSharedRealtime()
 * await realtime.reconnect()
 */
export function useSharedRealtime<T extends RealtimeLike = SharedRealtime>(): T {
  return useRealtimeContext('useSharedRealtime()').client as T
}
