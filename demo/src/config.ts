/**
 * Demo settings from the page URL, so tests and visitors can point it at another server or shorten
 * intervals: `?url=http://127.0.0.1:54329&heartbeatIntervalMs=2000`.
 */
import type { HubOptions } from '@shared-realtime/client'

declare const __LOCAL_ANON_KEY__: string

export interface DemoConfig {
  supabaseUrl: string
  anonKey: string
  options: HubOptions
  /** `?manual=1`: create the client but no demo subscriptions (tests drive it from the console). */
  manual: boolean
  /** `?announceProtocol=1` (tests): run the hub in this page, announcing that protocol version, to play an older or newer deploy. */
  announceProtocol: number | null
}

const NUMBER_PARAMS = ['heartbeatIntervalMs', 'timeoutMs', 'leaveGraceMs', 'deliveryBatchMs', 'hiddenDeliveryMs'] as const

/** Short URL names for nested options: `?backoffMaxMs=500` → `{ backoff: { maxMs: 500 } }`. */
const NESTED_PARAMS: Record<string, [group: 'backoff' | 'circuitBreaker' | 'outbox', key: string]> = {
  backoffInitialMs: ['backoff', 'initialMs'],
  backoffMaxMs: ['backoff', 'maxMs'],
  breakerThreshold: ['circuitBreaker', 'threshold'],
  breakerResetMs: ['circuitBreaker', 'resetMs'],
  outboxMaxSize: ['outbox', 'maxSize'],
}

export function readConfig(search = location.search): DemoConfig {
  const params = new URLSearchParams(search)
  const options: HubOptions = {}
  for (const name of NUMBER_PARAMS) {
    const value = params.get(name)
    if (value !== null) options[name] = Number(value)
  }
  for (const [param, [group, key]] of Object.entries(NESTED_PARAMS)) {
    const value = params.get(param)
    if (value === null) continue
    const target = ((options as Record<string, Record<string, number>>)[group] ??= {})
    target[key] = Number(value)
  }
  return {
    supabaseUrl: params.get('url') ?? 'http://127.0.0.1:54321',
    anonKey: params.get('key') ?? __LOCAL_ANON_KEY__,
    options,
    manual: params.get('manual') === '1',
    announceProtocol: params.has('announceProtocol') ? Number(params.get('announceProtocol')) : null,
  }
}
