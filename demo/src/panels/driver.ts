/**
 * A driver's position, streamed once a second over broadcast and drawn on an SVG map. One tab
 * drives; every other tab (and every other browser) shows the marker. Positions carry a short TTL:
 * after an outage the outbox drops stale fixes instead of replaying a traffic jam.
 */
import { h, panelHeader, svg, timeOf } from '../dom.ts'
import { panelChannel } from '../channel-status.ts'
import { MAP_SIZE, RESTAURANT, ROUTE, positionAt, project, type LatLng } from './route.ts'
import type { PanelContext } from '../types.ts'

const SEND_EVERY_MS = 1_000
const POSITION_TTL_MS = 1_500
const STALE_AFTER_MS = 5_000
const FORGET_AFTER_MS = 30_000

interface Fix extends LatLng {
  driverId: string
  name: string
  at: number
}

export function mountDriver(root: HTMLElement, { realtime, name }: PanelContext): void {
  const driverId = realtime.tabId
  const fixes = new Map<string, Fix>()
  const markers = new Map<string, SVGGElement>()
  let driving: { startedAt: number; timer?: ReturnType<typeof setTimeout> } | null = null

  const toggle = h('button', { type: 'button', class: 'button primary', 'aria-pressed': 'false', 'data-action': 'drive' }, 'Start driving')
  const drivers = h('ul', { class: 'drivers', 'data-list': 'drivers', 'aria-live': 'polite' })
  const markerLayer = svg('g', { class: 'markers' })
  const map = svg(
    'svg',
    { class: 'map', viewBox: `0 0 ${MAP_SIZE.width} ${MAP_SIZE.height}`, role: 'img', 'aria-label': 'Delivery map with live driver positions' },
    ...streets(),
    svg('polyline', { class: 'route', points: [...ROUTE, ROUTE[0]].map((p) => Object.values(project(p)).join(',')).join(' ') }),
    restaurant(),
    markerLayer,
  )

  const live = panelChannel(realtime, () =>
    realtime
      .channel('driver')
      .on('broadcast', { event: 'position' }, ({ payload }) => place(payload as Fix))
      .on('broadcast', { event: 'stopped' }, ({ payload }) => remove((payload as { driverId: string }).driverId)),
  )

  root.append(panelHeader('driver-title', 'Driver', live.badge), h('div', { class: 'toolbar' }, toggle), map, drivers)

  function place(fix: Fix): void {
    const previous = fixes.get(fix.driverId)
    if (previous && previous.at > fix.at) return // a late fix must not move the marker back
    fixes.set(fix.driverId, fix)
    let marker = markers.get(fix.driverId)
    if (!marker) {
      marker = svg('g', { class: fix.driverId === driverId ? 'marker mine' : 'marker', 'data-driver': fix.name }, svg('circle', { r: 6 }), svg('text', { x: 9, y: 4 }, fix.name))
      markers.set(fix.driverId, marker)
      markerLayer.append(marker)
    }
    const { x, y } = project(fix)
    marker.dataset.x = String(x)
    marker.dataset.y = String(y)
    // A CSS transform (not the attribute) so the one-second hops glide instead of jump.
    marker.style.transform = `translate(${x}px, ${y}px)`
    renderDrivers()
  }

  function remove(id: string): void {
    fixes.delete(id)
    markers.get(id)?.remove()
    markers.delete(id)
    renderDrivers()
  }

  function renderDrivers(): void {
    const now = Date.now()
    const rows = [...fixes.values()].map((fix) => {
      const stale = now - fix.at > STALE_AFTER_MS
      markers.get(fix.driverId)?.classList.toggle('stale', stale)
      const who = fix.driverId === driverId ? `${fix.name} (this tab)` : fix.name
      return h('li', { 'data-driver': fix.name, class: stale ? 'stale' : '' }, h('strong', {}, who), ` ${stale ? 'signal lost' : 'on the road'} · last fix ${timeOf(fix.at)}`)
    })
    drivers.replaceChildren(...(rows.length ? rows : [h('li', { class: 'empty' }, 'No driver on the road. Press "Start driving" in any tab.')]))
  }

  function step(): void {
    if (!driving) return
    const fix: Fix = { driverId, name, at: Date.now(), ...positionAt(Date.now() - driving.startedAt) }
    place(fix)
    void live.current()?.send({ type: 'broadcast', event: 'position', payload: fix }, { ttlMs: POSITION_TTL_MS }).catch(() => {})
    driving.timer = setTimeout(step, SEND_EVERY_MS)
  }

  toggle.addEventListener('click', () => {
    if (driving) {
      clearTimeout(driving.timer)
      driving = null
      remove(driverId)
      void live.current()?.send({ type: 'broadcast', event: 'stopped', payload: { driverId } }).catch(() => {})
    } else {
      driving = { startedAt: Date.now() }
      step()
    }
    toggle.setAttribute('aria-pressed', String(driving !== null))
    toggle.textContent = driving ? 'Stop driving' : 'Start driving'
  })

  // Marks silent drivers as lost, then forgets them (a closed tab cannot say "stopped").
  const sweep = () => {
    for (const fix of fixes.values()) if (Date.now() - fix.at > FORGET_AFTER_MS) remove(fix.driverId)
    renderDrivers()
    setTimeout(sweep, 1_000)
  }
  sweep()
}

function streets(): SVGElement[] {
  const lines: SVGElement[] = []
  for (let x = 20; x < MAP_SIZE.width; x += 40) lines.push(svg('line', { class: 'street', x1: x, y1: 0, x2: x, y2: MAP_SIZE.height }))
  for (let y = 20; y < MAP_SIZE.height; y += 40) lines.push(svg('line', { class: 'street', x1: 0, y1: y, x2: MAP_SIZE.width, y2: y }))
  lines.push(svg('path', { class: 'river', d: `M0,${MAP_SIZE.height * 0.62} C80,${MAP_SIZE.height * 0.5} 160,${MAP_SIZE.height * 0.8} ${MAP_SIZE.width},${MAP_SIZE.height * 0.66}` }))
  return lines
}

function restaurant(): SVGElement {
  const { x, y } = project(RESTAURANT)
  return svg('g', { class: 'restaurant', transform: `translate(${x},${y})` }, svg('rect', { x: -7, y: -7, width: 14, height: 14, rx: 3 }), svg('text', { x: 10, y: -8 }, 'Kitchen'))
}
