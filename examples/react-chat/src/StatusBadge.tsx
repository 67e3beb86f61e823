import { useRealtimeStatus } from '@shared-realtime/react'

/** The shared connection's status, latency and tab count. */
export function StatusBadge() {
  const { status, latency, tabCount } = useRealtimeStatus()
  return (
    <p className="badge" data-testid="status" data-status={status}>
      <span className="dot" aria-hidden="true" />
      <span data-field="status">{status}</span>
      {latency !== null && <span> · {latency} ms</span>}
      <span> · {tabCount} {tabCount === 1 ? 'tab' : 'tabs'}</span>
    </p>
  )
}
