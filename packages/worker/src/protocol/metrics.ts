import type { HealthSnapshot } from './health.ts'
/** Performance metrics, diagnostics and alert rules: plain data shared by the hub and the tabs. */

export interface Percentiles {
  p50: number
  p95: number
  p99: number
  count: number
}

export interface ChannelMetrics {
  topic: string
  state: string
  subscribers: number
  messagesIn: number
  deliveries: number
  messagesOut: number
}

export interface PerformanceMetrics {
  at: number
  /** Time since the hub started. */
  hubUptimeMs: number
  totals: {
    messagesIn: number
    messagesOut: number
    bytesIn: number
    bytesOut: number
    /** Events handed to tab callbacks (one per subscription an event matched). */
    deliveries: number
    joins: number
    connects: number
    reconnects: number
    socketsOpened: number
    heartbeats: number
    errors: number
    outboxFlushed: number
    outboxDropped: number
    outboxExpired: number
  }
  latency: {
    /** Heartbeat round trips of the shared socket. */
    heartbeat: Percentiles | null
    /** Hub to tab, measured in this tab (filled in by the client). */
    delivery: Percentiles | null
  }
  channels: ChannelMetrics[]
}

export type Severity = 'info' | 'warning' | 'critical'

export interface Finding {
  id: string
  severity: Severity
  message: string
  /** What to do about it. */
  advice: string
}

/**
 * What the hub knows that diagnostics need; the tab turns it into `Finding`s with their texts
 * (client `health/findings.ts`), which keeps the texts out of the worker file.
 */
export interface DiagnosticFacts {
  health: HealthSnapshot
  channelsInError: { topic: string; state: string; reason: string | null }[]
  reconnectsPerMinute: number
  errorsPerMinute: number
  stalledTabs: string[]
  outboxMaxSize: number
  heartbeat: Percentiles | null
}

export type AlertMetric = 'latency' | 'errorRate' | 'outboxSize' | 'reconnects' | 'disconnected'

export interface AlertRule {
  id: string
  metric: AlertMetric
  /** Raised when the metric is above this value (latency ms; errors per minute; entries; reconnects per minute; disconnected ms). */
  above: number
  /** …for at least this long. Default 0. */
  forMs?: number
  /** Not raised again within this time. Default 60 000. */
  cooldownMs?: number
}

export interface Alert {
  rule: string
  metric: AlertMetric
  value: number
  message: string
  at: number
}
