/** Performance metrics and diagnostics of a socket hub: read-only views over its state. */
import type { Clock } from '../clock.ts'
import type { HubMetrics } from './metrics.ts'
import type { ClassifiedReason } from '../reasons.ts'
import type { HealthSnapshot, OutboxHealth } from '../protocol/health.ts'
import type { DiagnosticFacts, PerformanceMetrics } from '../protocol/metrics.ts'
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

/** The facts behind `healthCheck()`; the tab words them as findings. */
export function diagnosticFactsOf(hub: DiagnosticsView): DiagnosticFacts {
  return {
    health: hub.health(),
    channelsInError: [...hub.groups()].filter((g) => g.troubled).map((g) => ({ topic: g.topic, state: g.state, reason: g.lastRefusal?.message ?? null })),
    reconnectsPerMinute: hub.metrics.perMinute('reconnects'),
    errorsPerMinute: hub.metrics.perMinute('errors'),
    stalledTabs: [...hub.tabs].filter((t) => t.stalled).map((t) => t.tabId),
    outboxMaxSize: hub.options.outbox.maxSize,
    heartbeat: hub.metrics.percentiles('heartbeatMs'),
  }
}
