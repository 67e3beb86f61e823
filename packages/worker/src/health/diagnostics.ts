/** Performance metrics and diagnostics of a socket hub: read-only views over its state. */
import type { Clock } from '../clock.ts'
import type { HubMetrics } from './metrics.ts'
import type { ClassifiedReason } from '../reasons.ts'
import type { HealthSnapshot, OutboxHealth } from '../protocol/health.ts'
import type { Finding, PerformanceMetrics } from '../protocol/metrics.ts'
import type { ResolvedHubOptions } from '../protocol/options.ts'

/** What diagnostics read of a socket hub (it satisfies this; nothing here imports it). */
export interface DiagnosticsView {
  readonly clock: Clock
  readonly metrics: HubMetrics
  readonly outbox: { health(): OutboxHealth }
  readonly options: ResolvedHubOptions
  readonly tabs: Iterable<{ readonly stalled: boolean; readonly tabId: string }>
  groups(): Iterable<{ readonly topic: string; readonly state: string; readonly size: number; readonly troubled: boolean; readonly lastRefusal: ClassifiedReason | null }>
  health(): HealthSnapshot
}

export function performanceMetricsOf(hub: DiagnosticsView): PerformanceMetrics {
  const c = hub.metrics.counters
  const outbox = hub.outbox.health()
  return {
    at: hub.clock.now(),
    hubUptimeMs: hub.clock.now() - hub.metrics.startedAt,
    totals: {
      messagesIn: c.messagesIn,
      messagesOut: c.messagesOut,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      deliveries: c.deliveries,
      joins: c.joins,
      connects: c.connects,
      reconnects: c.reconnects,
      socketsOpened: c.socketsOpened,
      heartbeats: c.heartbeats,
      errors: c.errors,
      outboxFlushed: c.outboxFlushed,
      outboxDropped: outbox.dropped,
      outboxExpired: outbox.expired,
    },
    latency: { heartbeat: hub.metrics.percentiles('heartbeatMs'), delivery: null },
    channels: [...hub.groups()].map((g) => ({
      topic: g.topic,
      state: g.state,
      subscribers: g.size,
      ...hub.metrics.channelCounters(g.topic),
    })),
  }
}

/** Diagnostics, each with a severity and what to do about it. */
export function findingsOf(hub: DiagnosticsView): Finding[] {
  const findings: Finding[] = []
  const health = hub.health()
  const troubled = [...hub.groups()].filter((g) => g.troubled)
  if (troubled.length > 0) {
    findings.push({
      id: 'channels-in-error',
      severity: 'warning',
      message: `${troubled.length} channel(s) in error: ${troubled.map((g) => `${g.topic} (${g.state}${g.lastRefusal ? `: ${g.lastRefusal.message}` : ''})`).join(', ')}`,
      advice: 'Check the reason: unauthorized channels need a valid token or RLS policy; rate-limited ones recover after backoff.',
    })
  }
  const reconnects = hub.metrics.perMinute('reconnects')
  if (reconnects >= 3) {
    findings.push({
      id: 'many-reconnects',
      severity: reconnects >= 10 ? 'critical' : 'warning',
      message: `${reconnects} reconnects in the last minute`,
      advice: 'The network or the server is unstable; see lastError. The circuit breaker stops attempts after repeated failures.',
    })
  }
  if (health.status === 'circuit-open') {
    findings.push({ id: 'circuit-open', severity: 'critical', message: `circuit open: ${health.reason}`, advice: 'Fix the cause, then call reconnect().' })
  }
  const stalled = [...hub.tabs].filter((t) => t.stalled)
  if (stalled.length > 0) {
    findings.push({
      id: 'stalled-tabs',
      severity: 'warning',
      message: `${stalled.length} tab(s) are not taking deliveries (frozen, or gone without a goodbye): ${stalled.map((t) => t.tabId).join(', ')}`,
      advice: 'Their events are dropped and they are told to resync when they wake; a closed tab is released when its Web Lock is.',
    })
  }
  const outbox = health.outbox
  if (outbox.size > hub.options.outbox.maxSize / 2 || (outbox.oldestAgeMs ?? 0) > 60_000) {
    findings.push({
      id: 'outbox-backing-up',
      severity: outbox.size >= hub.options.outbox.maxSize ? 'critical' : 'warning',
      message: `${outbox.size} message(s) queued, the oldest ${Math.round((outbox.oldestAgeMs ?? 0) / 1000)} s old${outbox.dropped ? `, ${outbox.dropped} dropped` : ''}`,
      advice: 'Messages wait for the channel to be joined; if it stays down, check the connection state and lastError.',
    })
  }
  if (outbox.storage === 'memory' && outbox.size > 0) {
    findings.push({ id: 'outbox-in-memory', severity: 'warning', message: 'the outbox is kept in memory only (IndexedDB failed or is missing)', advice: 'Queued messages are lost if every tab closes.' })
  }
  const heartbeat = hub.metrics.percentiles('heartbeatMs')
  if (heartbeat && heartbeat.p95 > 1000) {
    findings.push({ id: 'high-latency', severity: 'warning', message: `heartbeat p95 is ${heartbeat.p95} ms`, advice: 'A slow network or an overloaded server; deliveries will lag by as much.' })
  }
  if (hub.metrics.perMinute('errors') >= 10) {
    findings.push({ id: 'error-rate', severity: 'warning', message: `${hub.metrics.perMinute('errors')} errors in the last minute`, advice: 'See lastError and the channel states.' })
  }
  return findings
}
