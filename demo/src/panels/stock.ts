/**
 * Stock and low-stock alerts: UPDATE on `products`. Two bindings on one channel show the hub merging
 * filters into one join: every update keeps the list current, and a server-side filtered one
 * (`stock=lte.20`) raises alerts. A filter cannot compare two columns, so the filter narrows to
 * "nearly out" rows and the tab compares with each row's `low_stock_threshold`.
 */
import type { PostgresChangesPayload } from '@shared-realtime/client'
import { h, panelHeader, timeOf } from '../dom.ts'
import { panelChannel } from '../channel-status.ts'
import type { PanelContext, Product } from '../types.ts'

/** Above every seeded threshold (the highest is 20): rows above it never reach the alert binding. */
const ALERT_FILTER = 'stock=lte.20'
const MAX_ALERTS = 6
const RESTOCK = 10

interface Alert {
  product: string
  stock: number
  threshold: number
  at: string
}

export function mountStock(root: HTMLElement, { realtime, supabase }: PanelContext): void {
  const products = new Map<number, Product>()
  const alerts: Alert[] = []
  const table = h('ul', { class: 'stock', 'data-list': 'products' })
  const alertList = h('ul', { class: 'alerts', 'data-list': 'alerts', 'aria-live': 'polite' })
  const message = h('p', { class: 'note', role: 'status' })

  const live = panelChannel(realtime, () =>
    realtime
      .channel('stock')
      .on<Product>('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'products' }, (payload) => {
        if (payload.eventType !== 'UPDATE') return
        products.set(payload.new.id, payload.new)
        renderProducts()
      })
      .on<Product>('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'products', filter: ALERT_FILTER }, onNearlyOut),
    { onResync: () => void load() },
  )

  root.append(
    panelHeader('stock-title', 'Stock', live.badge),
    table,
    h('h3', {}, 'Low-stock alerts'),
    alertList,
    message,
  )

  function onNearlyOut(payload: PostgresChangesPayload<Product>): void {
    if (payload.eventType !== 'UPDATE') return
    const product = payload.new
    if (product.stock > product.low_stock_threshold) return
    alerts.unshift({ product: product.name, stock: product.stock, threshold: product.low_stock_threshold, at: payload.commit_timestamp })
    alerts.length = Math.min(alerts.length, MAX_ALERTS)
    renderAlerts()
  }

  function renderProducts(): void {
    const rows = [...products.values()].sort((a, b) => a.id - b.id)
    table.replaceChildren(...rows.map(productRow))
    if (rows.length === 0) table.append(h('li', { class: 'empty' }, 'Loading…'))
  }

  function productRow(product: Product): HTMLElement {
    const low = product.stock <= product.low_stock_threshold
    const sell = h('button', { type: 'button', class: 'button small', 'data-action': 'sell', 'aria-label': `Sell one ${product.name}`, disabled: product.stock === 0 }, 'Sell 1')
    const restock = h('button', { type: 'button', class: 'button small ghost', 'aria-label': `Restock ${product.name} by ${RESTOCK}` }, `+${RESTOCK}`)
    sell.addEventListener('click', () => void changeStock(product.id, -1, sell))
    restock.addEventListener('click', () => void changeStock(product.id, RESTOCK, restock))
    // The bar is relative to four times the threshold, so "low" always sits at the same quarter.
    const fill = Math.min(100, (product.stock / Math.max(1, product.low_stock_threshold * 4)) * 100)
    return h(
      'li',
      { class: low ? 'product low' : 'product', 'data-product': product.name, 'data-stock': product.stock },
      h('span', { class: 'product-name' }, product.name),
      h('span', { class: 'meter', role: 'meter', 'aria-valuemin': 0, 'aria-valuenow': product.stock, 'aria-label': `${product.name} stock` }, h('span', { style: `width:${fill}%` })),
      h('span', { class: 'product-stock', 'data-field': 'stock' }, String(product.stock)),
      sell,
      restock,
    )
  }

  function renderAlerts(): void {
    alertList.replaceChildren(
      ...alerts.map((a) =>
        h('li', { class: 'alert', 'data-product': a.product }, h('strong', {}, a.product), ` ${a.stock} left (reorder at ${a.threshold})`, h('time', {}, timeOf(a.at))),
      ),
    )
    if (alerts.length === 0) alertList.append(h('li', { class: 'empty' }, 'No alerts. Sell a few items to trigger one.'))
  }

  async function changeStock(id: number, delta: number, button: HTMLButtonElement): Promise<void> {
    const product = products.get(id)
    if (!product) return
    button.disabled = true
    message.textContent = ''
    // A demo shortcut: read-modify-write from this tab's copy. A real app would use an RPC
    // (`update … set stock = stock - 1`) so two tabs selling at once cannot lose a sale.
    const { data, error } = await supabase
      .from('products')
      .update({ stock: Math.max(0, product.stock + delta) })
      .eq('id', id)
      .select()
      .single()
    if (error) message.textContent = `Could not update ${product.name}: ${error.message}`
    else if (data) {
      products.set(id, data as Product)
      renderProducts()
    }
    button.disabled = false
  }

  async function load(): Promise<void> {
    const { data, error } = await supabase.from('products').select('*').order('id')
    if (error) {
      message.textContent = `Could not load products: ${error.message}`
      return
    }
    products.clear()
    for (const product of data as Product[]) products.set(product.id, product)
    renderProducts()
  }

  renderProducts()
  renderAlerts()
  void load()
}
