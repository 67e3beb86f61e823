import { useEffect, useSyncExternalStore } from 'react'
import type { RealtimeError } from '@shared-realtime/client'
import type { ChannelStatus } from './channel-pool.ts'
import { usePooledChannel } from './use-pooled-channel.ts'

/**
 * Tracks `payload` on `channelName` while mounted; a changed payload (by value) is tracked again,
 * `undefined` untracks. With several `usePresence` on one channel in a tab, the latest mounted wins.
 * @example
 * usePresence('room:1', { user: me.name, typing })
 */
export function usePresence(channelName: string, payload?: Record<string, unknown>): { status: ChannelStatus; error: RealtimeError | null } {
  const { entry, status, error } = usePooledChannel('usePresence()', { name: channelName })
  const payloadKey = payload === undefined ? null : JSON.stringify(payload)
  useEffect(() => {
    if (!entry || payloadKey === null) return
    return entry.track(JSON.parse(payloadKey) as Record<string, unknown>)
  }, [entry, payloadKey])
  return { status, error }
}

const EMPTY: Record<string, never[]> = Object.freeze({}) as Record<string, never[]>
const noSubscribe = () => () => {}
const empty = () => EMPTY

/**
 * The presence state of `channelName` (`{ [key]: [{ ...payload, presence_ref }] }`), re-rendering on
 * sync, join and leave. Empty on a server and before the channel opened.
 * @example
 * const users = Object.values(usePresenceState<{ user: string }>('room:1')).flat()
 */
export function usePresenceState<T extends Record<string, unknown> = Record<string, unknown>>(channelName: string): Record<string, (T & { presence_ref: string })[]> {
  const { entry } = usePooledChannel('usePresenceState()', { name: channelName })
  return useSyncExternalStore(
    entry ? entry.onPresence : noSubscribe,
    entry ? () => entry.channel.presenceState<T>() : empty,
    empty,
  ) as Record<string, (T & { presence_ref: string })[]>
}
