import { useEffect } from 'react'
import type { ResyncNotice } from '@shared-realtime/client'
import { useLatest } from './use-latest.ts'
import { usePooledChannel } from './use-pooled-channel.ts'

/**
 * Calls `callback` after `channelName` was down and is receiving again: events of that window may be
 * missing (Postgres changes are never replayed), so refetch.
 * @example
 * useResync('orders', () => refetchOrders())
 */
export function useResync(channelName: string, callback: (notice: ResyncNotice) => void): void {
  const { entry } = usePooledChannel('useResync()', { name: channelName })
  const latest = useLatest(callback)
  useEffect(() => {
    if (!entry) return
    return entry.channel.onResync((notice) => latest.current(notice))
  }, [entry, latest])
}
