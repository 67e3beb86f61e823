/** Hub options checked and resolved once (house style §2): the tab checks before hello, the hub again (it never trusts a port). */
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import { DEFAULT_HUB_OPTIONS, type HubOptions, type ResolvedHubOptions } from '../protocol/options.ts'

type NumberRule = { path: string; min: number; max: number; integer?: boolean }

const NUMBER_RULES: readonly NumberRule[] = [
  { path: 'heartbeatIntervalMs', min: 100, max: 600_000 },
  { path: 'timeoutMs', min: 50, max: 600_000 },
  { path: 'backoff.initialMs', min: 0, max: 600_000 },
  { path: 'backoff.maxMs', min: 1, max: 3_600_000 },
  { path: 'backoff.multiplier', min: 1, max: 10 },
  { path: 'backoff.stableAfterMs', min: 0, max: 3_600_000 },
  { path: 'circuitBreaker.threshold', min: 1, max: 10_000, integer: true },
  { path: 'circuitBreaker.resetMs', min: 100, max: 86_400_000 },
  { path: 'limits.eventsPerSecond', min: 1, max: 1_000_000 },
  { path: 'limits.joinsPerSecond', min: 1, max: 1_000_000 },
  { path: 'limits.maxChannels', min: 1, max: 100_000, integer: true },
  { path: 'limits.maxPayloadBytes', min: 1, max: 100_000_000, integer: true },
  { path: 'outbox.maxSize', min: 1, max: 100_000, integer: true },
  { path: 'outbox.maxInFlight', min: 1, max: 1_000, integer: true },
  { path: 'leaveGraceMs', min: 0, max: 3_600_000 },
  { path: 'deliveryBatchMs', min: 0, max: 1_000 },
  { path: 'hiddenDeliveryMs', min: 0, max: 60_000 },
  { path: 'adaptiveBatching.aboveDeliveriesPerSecond', min: 1, max: 100_000_000 },
  { path: 'adaptiveBatching.batchMs', min: 1, max: 1_000 },
]

const BOOLEAN_PATHS = ['circuitBreaker.enabled', 'outbox.discardOnSignOut'] as const
const GROUPS = ['backoff', 'circuitBreaker', 'limits', 'outbox'] as const

function read(source: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as any)[k] : undefined), source)
}

/** Returns why `options` is invalid, or null. Unknown keys are refused so that typos do not pass silently. */
export function validateHubOptions(options: unknown): RealtimeErrorPayload | null {
  const invalid = (message: string) => errorPayload('invalid-argument', message)
  if (options === undefined) return null
  if (!options || typeof options !== 'object' || Array.isArray(options)) {
    return invalid('options must be an object')
  }
  const known = new Set<string>(['heartbeatIntervalMs', 'timeoutMs', 'leaveGraceMs', 'deliveryBatchMs', 'hiddenDeliveryMs', 'adaptiveBatching', ...GROUPS])
  for (const key of Object.keys(options)) {
    if (!known.has(key)) return invalid(`unknown option "${key}"`)
  }
  const adaptive = (options as any).adaptiveBatching
  for (const group of [...GROUPS, ...(typeof adaptive === 'boolean' ? [] : ['adaptiveBatching' as const])]) {
    const value = (options as any)[group]
    if (value === undefined) continue
    if (!value || typeof value !== 'object' || Array.isArray(value)) return invalid(`${group} must be ${group === 'adaptiveBatching' ? 'true, false or ' : ''}an object`)
    for (const key of Object.keys(value)) {
      if (!(key in DEFAULT_HUB_OPTIONS[group])) return invalid(`unknown option "${group}.${key}"`)
    }
  }
  for (const rule of NUMBER_RULES) {
    const value = read(options, rule.path)
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value < rule.min || value > rule.max) {
      return invalid(`${rule.path} must be a number from ${rule.min} to ${rule.max}, got ${String(value)}`)
    }
    if (rule.integer && !Number.isInteger(value)) return invalid(`${rule.path} must be a whole number, got ${value}`)
  }
  for (const path of BOOLEAN_PATHS) {
    const value = read(options, path)
    if (value !== undefined && typeof value !== 'boolean') return invalid(`${path} must be true or false`)
  }
  return null
}

/** Layers `patch` over `base` (defaults first). Call `validateHubOptions(patch)` before. */
export function resolveHubOptions(patch: HubOptions = {}, base: ResolvedHubOptions = DEFAULT_HUB_OPTIONS): ResolvedHubOptions {
  const resolved: ResolvedHubOptions = {
    heartbeatIntervalMs: patch.heartbeatIntervalMs ?? base.heartbeatIntervalMs,
    timeoutMs: patch.timeoutMs ?? base.timeoutMs,
    leaveGraceMs: patch.leaveGraceMs ?? base.leaveGraceMs,
    deliveryBatchMs: patch.deliveryBatchMs ?? base.deliveryBatchMs,
    hiddenDeliveryMs: patch.hiddenDeliveryMs ?? base.hiddenDeliveryMs,
    adaptiveBatching: resolveAdaptive(patch.adaptiveBatching, base.adaptiveBatching),
    backoff: { ...base.backoff, ...stripUndefined(patch.backoff) },
    circuitBreaker: { ...base.circuitBreaker, ...stripUndefined(patch.circuitBreaker) },
    limits: { ...base.limits, ...stripUndefined(patch.limits) },
    outbox: { ...base.outbox, ...stripUndefined(patch.outbox) },
  }
  if (resolved.backoff.maxMs < resolved.backoff.initialMs) resolved.backoff.maxMs = resolved.backoff.initialMs
  return resolved
}

function resolveAdaptive(patch: HubOptions['adaptiveBatching'], base: ResolvedHubOptions['adaptiveBatching']): ResolvedHubOptions['adaptiveBatching'] {
  if (patch === undefined) return base
  if (patch === false) return false
  return { ...(base || DEFAULT_HUB_OPTIONS.adaptiveBatching), ...(patch === true ? {} : stripUndefined(patch)) }
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {}
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
