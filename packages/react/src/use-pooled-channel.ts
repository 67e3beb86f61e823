/**
 * The hooks' one way to hold a channel: taken in an effect (never while rendering, so server rendering
 * and StrictMode's double render create nothing), released on unmount or when the spec changes.
 */
import { useEffect, useState, useSyncExternalStore } from 'react'
import type { RealtimeError } from '@shared-realtime/client'
import { asRealtimeError, IDLE_CHANNEL, type ChannelSnapshot, type ChannelSpec, type PooledChannel } from './channel-pool.ts'
import { useRealtimeContext } from './context.ts'

export interface PooledChannelState {
  entry: PooledChannel | null
  status: ChannelSnapshot['status']
  error: RealtimeError | null
}

const noSubscribe = () => () => {}
const idle = () => IDLE_CHANNEL

export function usePooledChannel(hook: string, spec: ChannelSpec | null): PooledChannelState {
  const { pool } = useRealtimeContext(hook)
  const key = spec ? JSON.stringify(spec) : null
  const [held, setHeld] = useState<{ key: string; entry: PooledChannel | null; error: RealtimeError | null } | null>(null)
  useEffect(() => {
    if (key === null) return
    let entry: PooledChannel
    try {
      entry = pool.acquire(JSON.parse(key) as ChannelSpec)
    } catch (error) {
      setHeld({ key, entry: null, error: asRealtimeError(error) })
      return
    }
    setHeld((prev) => (prev && prev.key === key && prev.entry === entry ? prev : { key, entry, error: null }))
    return () => pool.release(entry)
  }, [pool, key])
  // Until the effect ran for the current spec, report idle rather than the previous channel.
  const current = held && held.key === key ? held : null
  const entry = current?.entry ?? null
  const snapshot = useSyncExternalStore(entry ? entry.onChange : noSubscribe, entry ? entry.getSnapshot : idle, idle)
  return { entry, status: current?.error ? 'CHANNEL_ERROR' : snapshot.status, error: current?.error ?? snapshot.error }
}
