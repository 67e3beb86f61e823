import { useEffect } from 'react'
import type { ResyncNotice } from '@shared-realtime/client'
import { useLatest } from './use-latest.ts'
import { usePooledChannel } from './use-pooled-channel.ts'

/**
 * Calls `callback` after `channelName` was down and is receiving again, once per outage. Broadcasts
 * stored by the database were replayed on a private channel before it (`notice.replayed`);
 * `notice.complete` is true only when nothing of the window can be missing (never for Postgres
 * changes, which are not replayed), so refetch otherwise.
 * @example
 * useResync('orders', ({ complete }) => complete || refetchOrders())
 */
export function useResync(channelName: string, callback: (notice: ResyncNotice) => void): void {
  const { entry } = usePooledChannel('useResync()', { name: channelName })
  const latest = useLatest(callback)
  useEffect(() => {
    if (!entry) return
    return entry.channel.onResync((notice) => latest.current(notice))
  }, [entry, latest])
}
