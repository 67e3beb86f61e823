import type { ResyncNotice, SharedChannel, SharedRealtime, SubscribeStatus } from '@shared-realtime/client'
import { h } from './dom.ts'

const LABELS: Record<SubscribeStatus | 'joining', string> = {
  joining: 'joining',
  SUBSCRIBED: 'live',
  CHANNEL_ERROR: 'rejoining',
  TIMED_OUT: 'timed out',
  CLOSED: 'closed',
}

export interface PanelChannelHooks {
  onStatus?: (status: SubscribeStatus, channel: SharedChannel) => void
  /** The channel was down for a while: Postgres changes in that window are lost (refetch); broadcasts may have been replayed. */
  onResync?: (notice: ResyncNotice) => void
}

export interface PanelChannel {
  /** The status chip (with its Rejoin button) to put in the panel's header. */
  readonly badge: HTMLElement
  /** The channel currently subscribed, or null after it was closed. */
  current(): SharedChannel | null
}

/**
 * Subscribes a panel's channel and shows its status. `build` makes the channel with its `.on()`
 * bindings; it runs again on Rejoin, because the debug panel's Cleanup releases every channel of the
 * tab and a closed channel cannot be subscribed again (supabase-js behaves the same).
 */
export function panelChannel(realtime: SharedRealtime, build: () => SharedChannel, hooks: PanelChannelHooks = {}): PanelChannel {
  const label = h('span', { class: 'chip', 'data-channel-status': 'joining' }, LABELS.joining)
  const rejoin = h('button', { type: 'button', class: 'button small', hidden: true }, 'Rejoin')
  const badge = h('span', { class: 'channel-status' }, label, rejoin)
  let channel: SharedChannel | null = null

  const show = (status: SubscribeStatus | 'joining') => {
    label.dataset.channelStatus = status
    label.textContent = LABELS[status]
    rejoin.hidden = status !== 'CLOSED'
  }

  const join = () => {
    show('joining')
    const joined = build()
    channel = joined
    if (hooks.onResync) joined.onResync(hooks.onResync)
    joined.subscribe((status) => {
      if (channel !== joined) return
      show(status)
      if (status === 'CLOSED') channel = null
      hooks.onStatus?.(status, joined)
    })
    badge.title = joined.topic
  }

  rejoin.addEventListener('click', join)
  join()
  return { badge, current: () => channel }
}
