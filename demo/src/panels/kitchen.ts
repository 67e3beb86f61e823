/**
 * Kitchen feed: a private channel (`staff:orders`) fed by Broadcast from Database — a trigger on
 * `orders` calls `realtime.broadcast_changes` (packages/server/migrations/0003_realtime_demo_policies.sql)
 * — and guarded by RLS on `realtime.messages`: only a JWT with `user_role = 'staff'` may read it.
 * The tab signs in as staff with a locally minted token. After an outage the hub replays what the
 * channel missed: those rows carry a "replayed" marker, and the resync line says how many came and
 * whether the window is complete.
 */
import type { BroadcastPayload, ResyncNotice, SharedRealtime } from '@shared-realtime/client'
import { h, panelHeader, timeOf } from '../dom.ts'
import { panelChannel } from '../channel-status.ts'
import type { DevApi } from '../dev-api.ts'
import { localToken } from '../local-token.ts'
import type { Order, PanelContext } from '../types.ts'

const SHOWN = 12
const TOPIC = 'staff:orders'
/** How long "Write during an outage" keeps the server refusing sockets while it writes. */
const OUTAGE_MS = 2_000

interface FeedRow {
  order: Order
  operation: string
  replayed: boolean
  at: number
}

export function mountKitchen(root: HTMLElement, { realtime, supabase }: PanelContext, devApi: DevApi): void {
  const rows: FeedRow[] = []
  const list = h('ol', { class: 'orders', 'data-list': 'kitchen', 'aria-live': 'polite' })
  const resyncLine = h('p', { class: 'note', 'data-field': 'resync' })
  const guestLine = h('p', { class: 'note', 'data-field': 'guest' })
  const gap = h('button', { type: 'button', class: 'button danger', 'data-action': 'gap' }, 'Write 3 orders during an outage')
  const guest = h('button', { type: 'button', class: 'button', 'data-action': 'guest' }, 'Try as a guest')
  const badgeSlot = h('span')

  root.append(
    panelHeader('kitchen-title', 'Kitchen feed (staff only)', badgeSlot),
    h('p', { class: 'note' }, `Private channel ${TOPIC}: orders broadcast by a database trigger, readable only by staff (RLS).`),
    h('div', { class: 'toolbar wrap' }, gap, guest),
    resyncLine,
    guestLine,
    list,
  )

  function render(): void {
    list.replaceChildren(
      ...rows.map(({ order, operation, replayed, at }) =>
        h(
          'li',
          { class: 'order', 'data-kitchen-order': order.id, 'data-replayed': String(replayed) },
          h('span', { class: 'order-id' }, `#${order.id}`),
          h('span', { class: 'order-main' }, h('strong', {}, order.customer), h('small', {}, operation.toLowerCase())),
          h('span', { class: `status status-${order.status}` }, order.status),
          replayed ? h('span', { class: 'chip', 'data-field': 'replayed' }, 'replayed') : h('span', { class: 'order-time' }, timeOf(at)),
        ),
      ),
    )
    if (rows.length === 0) list.append(h('li', { class: 'empty' }, 'No kitchen events yet: create an order'))
  }

  function received(message: BroadcastPayload): void {
    const { record, operation } = (message.payload ?? {}) as { record?: Order; operation?: string }
    if (!record) return
    rows.unshift({ order: record, operation: operation ?? '', replayed: message.meta?.replayed === true, at: Date.now() })
    rows.length = Math.min(rows.length, SHOWN)
    render()
  }

  function resynced({ since, until, reason, replayed, complete }: ResyncNotice): void {
    const seconds = ((until - since) / 1000).toFixed(1)
    const verdict = complete ? 'complete: nothing missed' : 'incomplete: refetch to be sure'
    resyncLine.textContent = `Back after ${seconds} s (${reason}): ${replayed} replayed, ${verdict}`
    resyncLine.dataset.complete = String(complete)
  }

  /** The server refuses sockets for a moment, drops them, and three orders are written meanwhile (REST still works). */
  gap.addEventListener('click', async () => {
    gap.disabled = true
    try {
      await devApi.refuse(OUTAGE_MS)
      await devApi.drop()
      for (let i = 1; i <= 3; i++) {
        const { error } = await supabase.from('orders').insert({ customer: `During outage ${i}`, items: [], total: 0 })
        if (error) throw new Error(error.message)
      }
      resyncLine.textContent = 'Socket down: 3 orders written, waiting for the replay…'
    } catch (error) {
      resyncLine.textContent = (error as Error).message
    } finally {
      gap.disabled = false
    }
  })

  /** A plain supabase-js client signed in without the staff claim: the RLS policy refuses its join. */
  guest.addEventListener('click', async () => {
    guestLine.textContent = 'joining as a guest…'
    const client = window.createClient(window.demoConfig.supabaseUrl, window.demoConfig.anonKey)
    await client.realtime.setAuth(await localToken({ sub: crypto.randomUUID() }))
    client
      .channel(TOPIC, { config: { private: true } })
      .subscribe((status, error) => {
        if (status === 'SUBSCRIBED') guestLine.textContent = 'guest joined (the policy let a non-staff user in!)'
        else if (error) guestLine.textContent = `guest refused: ${error.message}`
        else return
        void client.removeAllChannels().then(() => client.realtime.disconnect())
      })
  })

  render()
  signInAsStaff(realtime).then(
    () => {
      const live = panelChannel(
        realtime,
        () => realtime.channel(TOPIC, { config: { private: true } }).on('broadcast', { event: '*' }, received),
        { onResync: resynced },
      )
      badgeSlot.replaceWith(live.badge)
    },
    // crypto.subtle exists in secure contexts only (https, localhost).
    (error: Error) => void (resyncLine.textContent = `Could not sign in as staff: ${error.message}`),
  )
}

/** Every demo tab signs in as staff (the hub holds one token for all of them). */
async function signInAsStaff(realtime: SharedRealtime): Promise<void> {
  await realtime.setAuth(await localToken({ sub: crypto.randomUUID(), user_role: 'staff' }))
}
