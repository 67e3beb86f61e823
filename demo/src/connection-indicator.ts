import type { SharedRealtime } from '@shared-realtime/client'
import type { DevApi } from './dev-api.ts'

const STATS_POLL_MS = 2_000

/**
 * The header's connection state: status, latency, quality, the number of tabs sharing the socket
 * and, when the local server's control API is reachable, how many sockets the server really holds.
 */
export function mountConnectionIndicator(element: HTMLElement, realtime: SharedRealtime, devApi?: DevApi): () => void {
  const field = (name: string) => element.querySelector<HTMLElement>(`[data-field="${name}"]`)!
  const render = () => {
    const health = realtime.getHealthStatus()
    element.dataset.status = health.status
    element.dataset.quality = health.quality
    element.title = health.reason
    field('status').textContent = health.status
    field('latency').textContent = health.latency === null || health.status !== 'connected' ? '' : `${health.latency} ms · ${health.quality}`
    field('tabs').textContent = health.tabCount ? `${health.tabCount} tab${health.tabCount === 1 ? '' : 's'} on 1 socket` : ''
  }
  render()
  const off = realtime.onHealthChange(render)

  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const server = field('server')
  const poll = async () => {
    try {
      const stats = await devApi!.stats()
      server.textContent = `server: ${stats.sockets} socket${stats.sockets === 1 ? '' : 's'}`
      server.hidden = false
    } catch {
      // Not the local server (or it is down): the count is a local-dev extra, so just hide it.
      server.hidden = true
    }
    if (!stopped) timer = setTimeout(() => void poll(), STATS_POLL_MS)
  }
  if (devApi) void poll()

  return () => {
    stopped = true
    clearTimeout(timer)
    off()
  }
}
