import type { RealtimeError, SharedChannel } from '@shared-realtime/client'
import type { ChannelStatus } from './channel-pool.ts'
import { usePooledChannel } from './use-pooled-channel.ts'

export interface UseChannelOptions {
  /** The channel's config (`broadcast`, `presence`, `private`); the first user's config holds while the channel is open. */
  config?: SharedChannel['params']['config']
}

export interface UseChannelResult {
  /** The subscribed channel, `null` until the first effect ran (and on a server). */
  channel: SharedChannel | null
  status: ChannelStatus
  error: RealtimeError | null
}

/**
 * Holds the channel `name` while mounted (subscribed once per tab whatever the number of users).
 * @example
 * const { channel, status } = useChannel('room:1')
 */
export function useChannel(name: string, options: UseChannelOptions = {}): UseChannelResult {
  const { entry, status, error } = usePooledChannel('useChannel()', { name, ...(options.config ? { config: options.config } : {}) })
  return { channel: entry?.channel ?? null, status, error }
}
