/**
 * `healthCheck()` findings, worded in the tab from the facts the hub reports (the texts stay out of
 * the worker file). Pure: the same facts give the same findings.
 */
import type { DiagnosticFacts, Finding } from '@shared-realtime/worker/protocol'

/** Why a tab runs its own hub, when it does; null when it shares one. */
export type OwnHubReason = 'no-shared-worker' | null

export function findingsOf(facts: DiagnosticFacts, ownHub: OwnHubReason = null): Finding[] {
  const { health, channelsInError, reconnectsPerMinute: reconnects, stalledTabs, heartbeat } = facts
  const outbox = health.outbox
  const findings: Finding[] = []
  const add = (id: string, severity: Finding['severity'], message: string, advice: string) => findings.push({ id, severity, message, advice })
  if (channelsInError.length > 0) {
    const list = channelsInError.map((c) => `${c.topic} (${c.state}${c.reason ? `: ${c.reason}` : ''})`).join(', ')
    add('channels-in-error', 'warning', `${channelsInError.length} channel(s) in error: ${list}`, 'Check the reason: unauthorized channels need a valid token or RLS policy; rate-limited ones recover after backoff.')
  }
  if (reconnects >= 3) {
    add('many-reconnects', reconnects >= 10 ? 'critical' : 'warning', `${reconnects} reconnects in the last minute`, 'The network or the server is unstable; see lastError. The circuit breaker stops attempts after repeated failures.')
  }
  if (health.status === 'circuit-open') add('circuit-open', 'critical', `circuit open: ${health.reason}`, 'Fix the cause, then call reconnect().')
  if (stalledTabs.length > 0) {
    add(
      'stalled-tabs',
      'warning',
      `${stalledTabs.length} tab(s) are not taking deliveries (frozen, or gone without a goodbye): ${stalledTabs.join(', ')}`,
      'Their events are dropped and they are told to resync when they wake; a closed tab is released when its Web Lock is.',
    )
  }
  if (outbox.size > facts.outboxMaxSize / 2 || (outbox.oldestAgeMs ?? 0) > 60_000) {
    add(
      'outbox-backing-up',
      outbox.size >= facts.outboxMaxSize ? 'critical' : 'warning',
      `${outbox.size} message(s) queued, the oldest ${Math.round((outbox.oldestAgeMs ?? 0) / 1000)} s old${outbox.dropped ? `, ${outbox.dropped} dropped` : ''}`,
      'Messages wait for the channel to be joined; if it stays down, check the connection state and lastError.',
    )
  }
  if (outbox.storage === 'memory' && outbox.size > 0) {
    add('outbox-in-memory', 'warning', 'the outbox is kept in memory only (IndexedDB failed or is missing)', 'Queued messages are lost if every tab closes.')
  }
  if (heartbeat && heartbeat.p95 > 1000) add('high-latency', 'warning', `heartbeat p95 is ${heartbeat.p95} ms`, 'A slow network or an overloaded server; deliveries will lag by as much.')
  if (facts.errorsPerMinute >= 10) add('error-rate', 'warning', `${facts.errorsPerMinute} errors in the last minute`, 'See lastError and the channel states.')
  if (ownHub === 'no-shared-worker') {
    add('no-shared-worker', 'warning', 'SharedWorker is not available in this browser, and neither are Web Locks or BroadcastChannel (needed to elect a leader tab): this tab runs its own hub and socket', 'Tabs cannot share a socket here; everything else works the same.')
  }
  return findings
}
