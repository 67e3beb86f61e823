/**
 * A framework-free debug panel for a SharedRealtime client: connection state and quality, a latency
 * sparkline, the tabs sharing the socket, channels, the outbox, recent errors, and the controls
 * (pause, resume, reconnect, cleanup). Plain DOM and one scoped stylesheet, so any app can mount it.
 */
import { Timeout, type ConnectionStatus, type HealthSnapshot } from '@shared-realtime/worker/protocol'
import type { SharedRealtime } from '../shared-realtime.ts'
import { PREFIX, useDebugPanelStyle } from './debug-panel-style.ts'
import { sparklinePath } from './sparkline.ts'

/** Seconds of latency history in the sparkline (one sample per refresh). */
const SAMPLES = 60
/** Ages (outbox, uptime) and the sparkline advance on this tick, between health changes too. */
const REFRESH_MS = 1_000
const MAX_ERRORS = 8
const SPARK_WIDTH = 120
const SPARK_HEIGHT = 28

interface ErrorEntry {
  at: number
  code: string
  message: string
}

type Action = 'pause' | 'resume' | 'reconnect' | 'cleanup'

const ACTIONS: readonly { action: Action; label: string; title: string }[] = [
  { action: 'pause', label: 'Pause', title: 'Close the shared socket for every tab until resumed' },
  { action: 'resume', label: 'Resume', title: 'Reopen the shared socket' },
  { action: 'reconnect', label: 'Reconnect', title: 'Drop and reopen the shared socket now' },
  { action: 'cleanup', label: 'Cleanup', title: "Release every subscription of this tab (other tabs keep theirs)" },
]

/**
 * Mounts the panel inside `element` and returns the unmount function, which removes the panel, its
 * listeners and its timer (and the stylesheet with the last panel).
 *
 * @example
 * import { createSharedRealtime, mountDebugPanel } from '@shared-realtime/client'
 * const realtime = createSharedRealtime(SUPABASE_URL, SUPABASE_ANON_KEY)
 * const unmount = mountDebugPanel(document.getElementById('debug')!, realtime)
 * // later: unmount()
 */
export function mountDebugPanel(element: HTMLElement, realtime: SharedRealtime): () => void {
  const doc = element.ownerDocument
  const releaseStyle = useDebugPanelStyle(doc)
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] => {
    const node = doc.createElement(tag)
    if (className) node.className = `${PREFIX}-${className}`
    if (text !== undefined) node.textContent = text
    return node
  }

  // ---- static structure (built once; render() only updates text and lists) -----------------
  const root = el('section')
  root.className = PREFIX
  root.setAttribute('aria-label', 'Realtime debug panel')

  const head = el('div', 'head')
  const state = el('span', 'state')
  state.setAttribute('role', 'status') // announces state changes to screen readers
  const quality = el('span', 'quality')
  head.append(state, quality)
  const reason = el('p', 'reason')
  reason.style.margin = '0'

  const latencyRow = el('div', 'latency')
  const svgNs = 'http://www.w3.org/2000/svg'
  const spark = doc.createElementNS(svgNs, 'svg')
  spark.setAttribute('class', `${PREFIX}-spark`)
  spark.setAttribute('viewBox', `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`)
  spark.setAttribute('preserveAspectRatio', 'none')
  spark.setAttribute('role', 'img')
  const sparkTitle = doc.createElementNS(svgNs, 'title')
  const sparkPath = doc.createElementNS(svgNs, 'path')
  spark.append(sparkTitle, sparkPath)
  const latencyValue = el('span', 'latency-value')
  latencyRow.append(spark, latencyValue)

  /** One `<dt>label</dt><dd>` row in `list`; returns the `<dd>` to fill. */
  const statRow = (list: HTMLElement, label: string, key: string) => {
    const row = el('div')
    const dd = el('dd')
    dd.dataset.stat = key
    row.append(el('dt', undefined, label), dd)
    list.append(row)
    return dd
  }
  const stats = el('dl', 'stats')
  const statValue = (label: string, key: string) => statRow(stats, label, key)
  const tabs = statValue('Tabs on socket', 'tabs')
  const hubMode = statValue('Hub', 'mode')
  const hubChannels = statValue('Hub channels', 'channels')
  const hubSubscriptions = statValue('Hub subscriptions', 'subscriptions')
  const attempts = statValue('Reconnects', 'attempts')
  const circuit = statValue('Circuit', 'circuit')
  const uptime = statValue('Uptime', 'uptime')

  const channelList = el('ul', 'list')
  channelList.dataset.list = 'channels'

  const outbox = el('dl', 'stats')
  const outboxValue = (label: string, key: string) => statRow(outbox, label, key)
  const outboxSize = outboxValue('Queued', 'outbox-size')
  const outboxOldest = outboxValue('Oldest', 'outbox-oldest')
  const outboxDropped = outboxValue('Dropped', 'outbox-dropped')
  const outboxExpired = outboxValue('Expired', 'outbox-expired')
  const outboxStorage = outboxValue('Storage', 'outbox-storage')

  const errorList = el('ol', 'list')
  errorList.classList.add(`${PREFIX}-errors`)
  errorList.dataset.list = 'errors'

  const actions = el('div', 'actions')
  const actionError = el('p', 'action-error')
  actionError.setAttribute('role', 'alert')
  const buttons = new Map<Action, HTMLButtonElement>()
  const pending = new Set<Action>()
  for (const { action, label, title } of ACTIONS) {
    const button = el('button', undefined, label)
    button.type = 'button'
    button.title = title
    button.dataset.action = action
    button.addEventListener('click', () => void run(action))
    buttons.set(action, button)
    actions.append(button)
  }

  const section = (title: string) => el('h3', undefined, title)
  root.append(
    head,
    reason,
    latencyRow,
    stats,
    section('Channels in this tab'),
    channelList,
    section('Outbox'),
    outbox,
    section('Recent errors'),
    errorList,
    actions,
    actionError,
  )
  element.append(root)

  // ---- state kept by the panel ----------------------------------------------------------------
  const samples: (number | null)[] = []
  const errors: ErrorEntry[] = []
  let lastErrorKey = ''

  const recordError = (health: HealthSnapshot) => {
    const error = health.lastError
    const key = error ? `${error.code}\u0000${error.message}` : ''
    // The snapshot repeats lastError on every change; keep one entry per distinct error.
    if (key && key !== lastErrorKey && error) {
      errors.unshift({ at: health.at, code: error.code, message: error.message })
      errors.length = Math.min(errors.length, MAX_ERRORS)
    }
    lastErrorKey = key
  }

  const render = () => {
    const health = realtime.getHealthStatus()
    const now = realtime.clock.now()
    const live = (ms: number) => ms + Math.max(0, now - health.at) // snapshot ages keep growing between snapshots

    state.textContent = health.status
    state.dataset.status = health.status
    root.dataset.status = health.status
    quality.textContent = health.quality
    reason.textContent = health.reason

    const latency = currentLatency(health)
    latencyValue.textContent = latency === null ? '—' : `${latency} ms`
    const known = samples.filter((v): v is number => v !== null)
    sparkTitle.textContent = known.length
      ? `Heartbeat latency, last ${SAMPLES} s: ${Math.min(...known)}–${Math.max(...known)} ms`
      : 'Heartbeat latency: no samples yet'
    spark.setAttribute('aria-label', sparkTitle.textContent)
    sparkPath.setAttribute('d', sparklinePath(samples, SPARK_WIDTH, SPARK_HEIGHT, SAMPLES))

    tabs.textContent = String(health.tabCount)
    hubMode.textContent = (health.mode ?? 'custom') + (health.leaderEpoch ? ` (leader epoch ${health.leaderEpoch})` : '')
    hubChannels.textContent = String(health.channelCount)
    hubSubscriptions.textContent = String(health.subscriptionCount)
    attempts.textContent = String(health.reconnectAttempts)
    circuit.textContent = health.circuit
    uptime.textContent = health.status === 'connected' && health.uptimeMs > 0 ? formatAge(live(health.uptimeMs)) : '—'

    const channels = realtime.getChannels()
    channelList.replaceChildren(
      ...(channels.length
        ? channels.map((channel) => {
            const li = el('li')
            const name = el('code', undefined, channel.topic)
            name.title = channel.topic
            const status = el('span', 'chan-state', channel.state)
            status.dataset.state = channel.state
            li.dataset.topic = channel.topic
            li.append(name, status)
            return li
          })
        : [el('li', 'empty', 'none')]),
    )

    outboxSize.textContent = String(health.outbox.size)
    outboxOldest.textContent = health.outbox.oldestAgeMs === null ? '—' : formatAge(live(health.outbox.oldestAgeMs))
    outboxDropped.textContent = String(health.outbox.dropped)
    outboxExpired.textContent = String(health.outbox.expired)
    outboxStorage.textContent = health.outbox.storage

    errorList.replaceChildren(
      ...(errors.length
        ? errors.map((entry) => {
            const li = el('li')
            const time = el('time', undefined, new Date(entry.at).toLocaleTimeString())
            time.dateTime = new Date(entry.at).toISOString()
            li.append(time, `${entry.code}: ${entry.message}`)
            return li
          })
        : [el('li', 'empty', 'none')]),
    )

    setDisabled('pause', health.status === 'paused' || health.status === 'closed')
    setDisabled('resume', health.status !== 'paused')
    setDisabled('reconnect', health.status === 'closed')
    setDisabled('cleanup', channels.length === 0)
  }

  const setDisabled = (action: Action, disabled: boolean) => {
    const button = buttons.get(action)!
    button.disabled = disabled || pending.has(action)
    button.setAttribute('aria-busy', String(pending.has(action)))
  }

  const run = async (action: Action) => {
    pending.add(action)
    actionError.textContent = ''
    render()
    try {
      await realtime[action]()
    } catch (error) {
      actionError.textContent = `${action} failed: ${(error as Error).message}`
    } finally {
      pending.delete(action)
      if (mounted) render()
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------
  let mounted = true
  const timer = new Timeout(realtime.clock)
  // A re-armed single-shot timer, not setInterval: a throttled background tab never queues a burst.
  const tick = () => {
    samples.push(currentLatency(realtime.getHealthStatus()))
    if (samples.length > SAMPLES) samples.shift()
    render()
    timer.set(REFRESH_MS, tick)
  }
  const off = realtime.onHealthChange((health) => {
    recordError(health)
    render()
  })
  recordError(realtime.getHealthStatus())
  tick()

  return () => {
    if (!mounted) return
    mounted = false
    timer.clear()
    off()
    root.remove()
    releaseStyle()
  }
}

/** The last heartbeat round trip, or null while there is no open socket to measure. */
function currentLatency(health: HealthSnapshot): number | null {
  return health.status === ('connected' satisfies ConnectionStatus) ? health.latency : null
}

function formatAge(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`
  const seconds = ms / 1_000
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} m ${Math.floor(seconds % 60)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} m`
}
