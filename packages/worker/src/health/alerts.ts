/**
 * Threshold alerts evaluated in the hub: a rule fires when its metric stays above the threshold for
 * `forMs`, then stays quiet for `cooldownMs`. Pure apart from the state it keeps per rule.
 */
import type { Alert, AlertMetric, AlertRule } from '../protocol/metrics.ts'

export type AlertSample = Record<AlertMetric, number>

const UNITS: Record<AlertMetric, string> = {
  latency: 'ms heartbeat latency',
  errorRate: 'errors per minute',
  outboxSize: 'queued messages',
  reconnects: 'reconnects per minute',
  disconnected: 'ms without a connection',
}

export class AlertEngine {
  #rules: AlertRule[] = []
  #aboveSince = new Map<string, number>()
  #lastFired = new Map<string, number>()

  setRules(rules: AlertRule[]): void {
    this.#rules = rules.map((r) => ({ ...r }))
    const ids = new Set(rules.map((r) => r.id))
    for (const id of [...this.#aboveSince.keys()]) if (!ids.has(id)) this.#aboveSince.delete(id)
  }

  get rules(): readonly AlertRule[] {
    return this.#rules
  }

  evaluate(sample: AlertSample, now: number): Alert[] {
    const fired: Alert[] = []
    for (const rule of this.#rules) {
      const value = sample[rule.metric]
      if (!(value > rule.above)) {
        this.#aboveSince.delete(rule.id)
        continue
      }
      const since = this.#aboveSince.get(rule.id) ?? now
      this.#aboveSince.set(rule.id, since)
      if (now - since < (rule.forMs ?? 0)) continue
      const last = this.#lastFired.get(rule.id)
      if (last !== undefined && now - last < (rule.cooldownMs ?? 60_000)) continue
      this.#lastFired.set(rule.id, now)
      fired.push({
        rule: rule.id,
        metric: rule.metric,
        value,
        message: `${rule.id}: ${Math.round(value)} ${UNITS[rule.metric]} (above ${rule.above}${rule.forMs ? ` for ${rule.forMs} ms` : ''})`,
        at: now,
      })
    }
    return fired
  }
}

/** Checks rules from a tab: returns why they are invalid, or null. */
export function checkAlertRules(rules: unknown): string | null {
  if (!Array.isArray(rules)) return 'alert rules must be an array'
  const metrics = Object.keys(UNITS)
  for (const rule of rules as Partial<AlertRule>[]) {
    if (!rule || typeof rule.id !== 'string' || !rule.id) return 'each alert rule needs an id'
    if (!metrics.includes(rule.metric as string)) return `alert rule "${rule.id}": metric must be one of ${metrics.join(', ')}`
    if (typeof rule.above !== 'number' || !Number.isFinite(rule.above)) return `alert rule "${rule.id}": above must be a number`
    for (const key of ['forMs', 'cooldownMs'] as const) {
      const v = rule[key]
      if (v !== undefined && (typeof v !== 'number' || v < 0)) return `alert rule "${rule.id}": ${key} must be a non-negative number`
    }
  }
  return null
}
