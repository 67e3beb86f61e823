/**
 * Live orders: INSERT and UPDATE on `orders` over the shared socket. "New order" writes through
 * PostgREST (supabase-js); the row comes back to every tab as a postgres_changes event.
 */
import type { PostgresChangesPayload } from '@shared-realtime/client'
import { h, panelHeader, timeOf } from '../dom.ts'
import { panelChannel } from '../channel-status.ts'
import type { Order, OrderStatus, PanelContext, Product } from '../types.ts'

const SHOWN = 12
const NEXT: Partial<Record<OrderStatus, OrderStatus>> = { new: 'preparing', preparing: 'ready', ready: 'delivering', delivering: 'delivered' }
const CUSTOMERS = ['Table 1', 'Table 2', 'Table 4', 'Table 7', 'Table 9', 'Maria K.', 'Jonas B.', 'Aylin S.', 'Tom R.', 'Mei L.']

export function mountOrders(root: HTMLElement, { realtime, supabase }: PanelContext): void {
  const orders = new Map<number, Order>()
  const fresh = new Set<number>()
  let menu: Pick<Product, 'id' | 'name' | 'price'>[] = []

  const list = h('ol', { class: 'orders', 'data-list': 'orders', 'aria-live': 'polite' })
  const message = h('p', { class: 'note', role: 'status' })
  const create = h('button', { type: 'button', class: 'button primary', 'data-action': 'new-order' }, 'New order')

  const live = panelChannel(realtime, () =>
    realtime
      .channel('orders')
      .on<Order>('postgres_changes', { event: 'INSERT', schema: 'public', table: 'orders' }, (payload) => upsert(payload, true))
      .on<Order>('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'orders' }, (payload) => upsert(payload, false)),
    // Postgres changes are never replayed: after an outage the list is refetched, not patched.
    { onResync: () => void load() },
  )

  root.append(
    panelHeader('orders-title', 'Live orders', live.badge),
    h('div', { class: 'toolbar' }, create, message),
    list,
  )

  function upsert(payload: PostgresChangesPayload<Order>, isNew: boolean): void {
    if (payload.eventType === 'DELETE') return
    orders.set(payload.new.id, payload.new)
    if (isNew) flash(payload.new.id)
    render()
  }

  function flash(id: number): void {
    fresh.add(id)
    setTimeout(() => {
      fresh.delete(id)
      list.querySelector(`[data-order-id="${id}"]`)?.classList.remove('fresh')
    }, 2_000)
  }

  function render(): void {
    const names = new Map(menu.map((p) => [p.id, p.name]))
    const newest = [...orders.values()].sort((a, b) => b.id - a.id).slice(0, SHOWN)
    list.replaceChildren(...newest.map((order) => row(order, names)))
    if (newest.length === 0) list.append(h('li', { class: 'empty' }, 'No orders yet'))
  }

  function row(order: Order, names: Map<number, string>): HTMLElement {
    const items = order.items.map((item) => `${item.qty}× ${names.get(item.product_id) ?? `#${item.product_id}`}`).join(', ')
    const next = NEXT[order.status]
    const advance = h('button', { type: 'button', class: 'button small', 'aria-label': `Order ${order.id}: mark ${next}` }, `→ ${next}`)
    advance.addEventListener('click', () => void setStatus(order.id, next!, advance))
    return h(
      'li',
      { class: fresh.has(order.id) ? 'order fresh' : 'order', 'data-order-id': order.id, 'data-status': order.status },
      h('span', { class: 'order-id' }, `#${order.id}`),
      h('span', { class: 'order-main' }, h('strong', {}, order.customer), h('small', {}, items || '—')),
      h('span', { class: 'order-total' }, `€${Number(order.total).toFixed(2)}`),
      h('span', { class: `status status-${order.status}`, 'data-field': 'status' }, order.status),
      next ? advance : h('span', { class: 'order-time' }, timeOf(order.created_at)),
    )
  }

  async function load(): Promise<void> {
    const [products, latest] = await Promise.all([
      menu.length ? Promise.resolve({ data: menu, error: null }) : supabase.from('products').select('id,name,price').order('id'),
      supabase.from('orders').select('*').order('id', { ascending: false }).limit(SHOWN),
    ])
    if (products.data) menu = products.data as typeof menu
    if (latest.error) {
      message.textContent = `Could not load orders: ${latest.error.message}`
      return
    }
    orders.clear()
    for (const order of latest.data as Order[]) orders.set(order.id, order)
    render()
  }

  async function newOrder(): Promise<void> {
    create.disabled = true
    message.textContent = ''
    try {
      if (!menu.length) await load()
      const picks = [...menu].sort(() => Math.random() - 0.5).slice(0, 1 + Math.floor(Math.random() * 3))
      const items = picks.map((p) => ({ product_id: p.id, qty: 1 + Math.floor(Math.random() * 2) }))
      const total = picks.reduce((sum, p, i) => sum + Number(p.price) * items[i].qty, 0)
      const customer = CUSTOMERS[Math.floor(Math.random() * CUSTOMERS.length)]
      const { data, error } = await supabase.from('orders').insert({ customer, items, total: total.toFixed(2) }).select().single()
      if (error) throw new Error(error.message)
      // The INSERT event will arrive too; showing the REST answer at once keeps the click snappy.
      if (!orders.has((data as Order).id)) {
        orders.set((data as Order).id, data as Order)
        flash((data as Order).id)
        render()
      }
      message.textContent = `Order #${(data as Order).id} sent to every tab`
    } catch (error) {
      message.textContent = `Could not create the order: ${(error as Error).message}`
    } finally {
      create.disabled = false
    }
  }

  async function setStatus(id: number, status: OrderStatus, button: HTMLButtonElement): Promise<void> {
    button.disabled = true
    const { error } = await supabase.from('orders').update({ status }).eq('id', id)
    if (error) {
      message.textContent = `Could not update order #${id}: ${error.message}`
      button.disabled = false
    }
  }

  create.addEventListener('click', () => void newOrder())
  render()
  void load()
}
