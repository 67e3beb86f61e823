/**
 * The outage simulator: asks the local server to drop, stall or refuse sockets, so a visitor can
 * watch the shared connection back off, open the circuit breaker, fill the outbox and recover. The
 * timeline is this tab's view of the one hub every tab shares.
 */
import type { HealthSnapshot } from '@shared-realtime/client'
import { h, panelHeader, timeOf } from '../dom.ts'
import { panelChannel } from '../channel-status.ts'
import type { DevApi } from '../dev-api.ts'
import type { PanelContext } from '../types.ts'

const STALL_MS = 30_000
const REFUSE_MS = 20_000
const PROBES = 5
const MAX_TIMELINE = 14

export function mountOutage(root: HTMLElement, { realtime }: PanelContext, devApi: DevApi): void {
  const faults = { stallUntil: 0, refuseUntil: 0 }
  let probesReceived = 0

  const button = (label: string, action: string, run: () => Promise<unknown>, danger = true) => {
    const b = h('button', { type: 'button', class: danger ? 'button danger' : 'button', 'data-action': action }, label)
    b.addEventListener('click', async () => {
      b.disabled = true
      note.textContent = ''
      try {
        await run()
      } catch (error) {
        note.textContent = (error as Error).message
      } finally {
        b.disabled = false
        renderFaults()
      }
    })
    return b
  }
  const faultButtons = [
    button('Drop all sockets', 'drop', async () => {
      const { dropped } = await devApi.drop()
      log('fault', `server dropped ${dropped} socket${dropped === 1 ? '' : 's'}`)
    }),
    button('Stall heartbeats 30 s', 'stall', async () => {
      faults.stallUntil = (await devApi.stall(STALL_MS)).stallUntil
      log('fault', 'server stops answering for 30 s')
    }),
    button('Refuse connections 20 s', 'refuse', async () => {
      faults.refuseUntil = (await devApi.refuse(REFUSE_MS)).refuseUntil
      log('fault', 'server refuses new sockets for 20 s')
    }),
    button(
      'End faults',
      'heal',
      async () => {
        await Promise.all([devApi.stall(0), devApi.refuse(0), devApi.latency(0)])
        faults.stallUntil = faults.refuseUntil = 0
        log('fault', 'faults cleared')
      },
      false,
    ),
  ]
  const probe = h('button', { type: 'button', class: 'button', 'data-action': 'probe' }, `Send ${PROBES} messages`)
  const faultLine = h('p', { class: 'note', 'data-field': 'faults' })
  const probeLine = h('p', { class: 'note', 'data-field': 'probes' })
  const note = h('p', { class: 'note error', role: 'alert' })
  const timeline = h('ol', { class: 'timeline', 'data-list': 'timeline', 'aria-live': 'polite' })

  const live = panelChannel(realtime, () =>
    realtime.channel('ops').on('broadcast', { event: 'probe' }, () => {
      probesReceived++
      renderProbes()
    }),
  )

  root.append(
    panelHeader('outage-title', 'Outage simulator', live.badge),
    h('p', { class: 'note' }, 'Break the local server and watch every tab ride it out on one socket: backoff, the circuit breaker, the outbox, recovery.'),
    h('div', { class: 'toolbar wrap' }, ...faultButtons),
    faultLine,
    h('div', { class: 'toolbar' }, probe, probeLine),
    note,
    h('h3', {}, 'Timeline'),
    timeline,
  )

  function log(kind: string, text: string, at = Date.now()): void {
    timeline.prepend(h('li', { 'data-kind': kind }, h('time', {}, timeOf(at)), h('span', { class: `tl-kind tl-${kind}` }, kind), h('span', {}, text)))
    while (timeline.children.length > MAX_TIMELINE) timeline.lastElementChild?.remove()
  }

  /** Driver fixes expire once a second during an outage: count them on one line instead of fourteen. */
  function logExpired(count: number): void {
    const top = timeline.firstElementChild as HTMLElement | null
    if (top?.dataset.expired) count += Number(top.dataset.expired)
    if (top?.dataset.expired) top.remove()
    log('outbox', `${count} expired before they could be sent (TTL)`)
    ;(timeline.firstElementChild as HTMLElement).dataset.expired = String(count)
  }

  function renderFaults(): void {
    const now = Date.now()
    const parts = []
    if (faults.stallUntil > now) parts.push(`stalling ${Math.ceil((faults.stallUntil - now) / 1000)} s more`)
    if (faults.refuseUntil > now) parts.push(`refusing ${Math.ceil((faults.refuseUntil - now) / 1000)} s more`)
    faultLine.textContent = parts.length ? `Server: ${parts.join(', ')}` : ''
  }

  function renderProbes(): void {
    const { outbox } = realtime.getHealthStatus()
    probeLine.textContent = `outbox ${outbox.size} queued · ${probesReceived} received from other tabs`
  }

  probe.addEventListener('click', async () => {
    const channel = live.current()
    if (!channel) return
    const results = await Promise.all(
      Array.from({ length: PROBES }, (_, i) => channel.send({ type: 'broadcast', event: 'probe', payload: { i } }).catch(() => 'error' as const)),
    )
    const queued = results.filter((r) => r === 'queued').length
    log('outbox', queued ? `${queued} of ${PROBES} messages queued until the socket is back` : `${PROBES} messages sent at once`)
  })

  // The state history every tab sees, with the hub's own reason for each change.
  realtime.onStateChange(({ status, reason }) => log(status, reason))
  let previous: HealthSnapshot['outbox'] = realtime.getHealthStatus().outbox
  realtime.onHealthChange((health) => {
    const { outbox } = health
    const expired = outbox.expired - previous.expired
    const sent = previous.size - expired
    if (outbox.size === 0 && sent > 0) log('outbox', `flushed: ${sent} queued message${sent === 1 ? '' : 's'} went out`)
    if (expired > 0) logExpired(expired)
    if (outbox.dropped > previous.dropped) log('outbox', `${outbox.dropped - previous.dropped} dropped (outbox full)`)
    previous = outbox
    renderProbes()
  })

  const { status, reason } = realtime.getHealthStatus()
  log(status, reason)
  renderProbes()
  const tick = () => {
    renderFaults()
    setTimeout(tick, 1_000)
  }
  tick()

  // The control API only exists on the local server; elsewhere the buttons would only fail.
  devApi.stats().catch(() => {
    for (const b of faultButtons) b.disabled = true
    note.textContent = 'The fault buttons need the local server (npm run server) and its /_dev control API.'
  })
}
