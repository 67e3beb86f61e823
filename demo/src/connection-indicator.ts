import type { SharedRealtime } from '@shared-realtime/client'

/** The header's connection state: status, latency, quality and the number of tabs sharing the socket. */
export function mountConnectionIndicator(element: HTMLElement, realtime: SharedRealtime): () => void {
  const field = (name: string) => element.querySelector<HTMLElement>(`[data-field="${name}"]`)!
  const render = () => {
    const health = realtime.getHealthStatus()
    element.dataset.status = health.status
    element.dataset.quality = health.quality
    field('status').textContent = health.status
    field('latency').textContent = health.latency === null ? '' : `${health.latency} ms · ${health.quality}`
    field('tabs').textContent = health.tabCount ? `${health.tabCount} tab${health.tabCount === 1 ? '' : 's'} on 1 socket` : ''
  }
  render()
  return realtime.onHealthChange(render)
}
