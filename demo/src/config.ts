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
}

const NUMBER_PARAMS = ['heartbeatIntervalMs', 'timeoutMs', 'leaveGraceMs'] as const

export function readConfig(search = location.search): DemoConfig {
  const params = new URLSearchParams(search)
  const options: HubOptions = {}
  for (const name of NUMBER_PARAMS) {
    const value = params.get(name)
    if (value !== null) options[name] = Number(value)
  }
  const backoff = params.get('backoffMaxMs')
  const initial = params.get('backoffInitialMs')
  if (backoff !== null || initial !== null) {
    options.backoff = {
      ...(initial !== null ? { initialMs: Number(initial) } : {}),
      ...(backoff !== null ? { maxMs: Number(backoff) } : {}),
    }
  }
  const threshold = params.get('breakerThreshold')
  const reset = params.get('breakerResetMs')
  if (threshold !== null || reset !== null) {
    options.circuitBreaker = {
      ...(threshold !== null ? { threshold: Number(threshold) } : {}),
      ...(reset !== null ? { resetMs: Number(reset) } : {}),
    }
  }
  return {
    supabaseUrl: params.get('url') ?? 'http://127.0.0.1:54321',
    anonKey: params.get('key') ?? __LOCAL_ANON_KEY__,
    options,
    manual: params.get('manual') === '1',
  }
}
