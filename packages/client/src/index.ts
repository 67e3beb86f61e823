/**
 * shared-realtime's tab client: one Supabase Realtime socket for every tab of an origin, with the
 * supabase-js channel API.
 *
 * @example
 * import { createSharedRealtime } from '@shared-realtime/client'
 * const realtime = createSharedRealtime(SUPABASE_URL, SUPABASE_ANON_KEY)
 * realtime
 *   .channel('orders')
 *   .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'orders' }, (p) => console.log(p.new))
 *   .subscribe((status) => console.log(status))
 */
import { readJwtClaims, systemClock, validateHubOptions } from '@shared-realtime/worker/protocol'
import { RealtimeError } from './errors.ts'
import { connectOnServer, connectToFallbackHub, connectToHub, connectToWorkerUrl, electionSupported, isServerRuntime, sharedWorkerSupported } from './connect.ts'
import { SharedRealtime, type ResolvedClientConfig, type SharedRealtimeOptions } from './shared-realtime.ts'

export { SharedRealtime, type SharedRealtimeOptions } from './shared-realtime.ts'
export { SharedChannel, type BroadcastPayload, type PostgresChangesFilter, type ChannelState, type PostgresChangesPayload, type ResyncNotice, type SubscribeCallback } from './channel.ts'
export { RealtimeError } from './errors.ts'
export { initialHealth } from './health/initial-health.ts'
export { mountDebugPanel } from './devtools/mount-debug-panel.ts'
export { connectToHub, connectToInPageHub, connectToWorkerUrl, sharedWorkerSupported, type HubEndpoint } from './connect.ts'
export { unsubscriber, type Unsubscribe } from './disposable.ts'
export type { ManagedBatchOptions, ManagedSubscriptionOptions } from './managed-subscriptions.ts'
export {
  createDelivery,
  systemClock,
  validateDeliveryOptions,
  DEFAULT_BATCH_OPTIONS,
  type BatchOptions,
  type Batched,
  type Unbatched,
  type Clock,
  type Delivered,
  type Delivery,
  type DeliveryEnvironment,
  type DeliveryOptions,
  type OutputOf,
} from './delivery/index.ts'
export {
  DEFAULT_HUB_OPTIONS,
  type ConnectionQuality,
  type ConnectionStatus,
  type HealthSnapshot,
  type HubOptions,
  type RealtimeErrorCode,
  type SendStatus,
  type SubscribeStatus,
} from '@shared-realtime/worker/protocol'

const CLIENT_KEYS = ['accessToken', 'endpoint', 'hubCheckIntervalMs'] as const

/** Turns a Supabase project URL (`https://x.supabase.co`, `http://127.0.0.1:54321`) into its Realtime endpoint. */
export function realtimeUrlOf(supabaseUrl: string): string {
  let url: URL
  try {
    url = new URL(supabaseUrl)
  } catch {
    throw RealtimeError.of('invalid-argument', `"${supabaseUrl}" is not a valid URL; pass your Supabase project URL, e.g. https://xyz.supabase.co`)
  }
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return url.href.replace(/\/$/, '')
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw RealtimeError.of('invalid-argument', `unsupported URL scheme "${url.protocol}" in "${supabaseUrl}"`)
  }
  const base = url.href.endsWith('/') ? url.href : `${url.href}/`
  const realtime = new URL('realtime/v1', base)
  realtime.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return realtime.href
}

/** A JWT key whose `exp` has passed can never connect: say so here instead of retrying forever. */
function checkApiKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.trim() === '') {
    throw RealtimeError.of('invalid-argument', 'an API key is required: pass your project\'s anon or publishable key')
  }
  const exp = readJwtClaims(key)?.exp
  if (typeof exp === 'number' && exp * 1000 < systemClock.now()) {
    throw RealtimeError.of('unauthorized', 'the API key has expired; copy the current key from your project settings')
  }
}

/**
 * Creates the tab's client, like supabase-js's `createClient(url, key)` but for Realtime only: all
 * tabs of this origin share one socket through a SharedWorker.
 */
export function createSharedRealtime(supabaseUrl: string, supabaseKey: string, options: SharedRealtimeOptions = {}): SharedRealtime {
  checkApiKey(supabaseKey)
  const realtimeUrl = realtimeUrlOf(supabaseUrl)
  const hubOptions = Object.fromEntries(Object.entries(options).filter(([k]) => !(CLIENT_KEYS as readonly string[]).includes(k)))
  const invalid = validateHubOptions(hubOptions)
  if (invalid) throw new RealtimeError(invalid)
  if (options.accessToken !== undefined && typeof options.accessToken !== 'function') {
    throw RealtimeError.of('invalid-argument', 'accessToken must be a function returning a promise of the token')
  }
  const realtime = new SharedRealtime({
    realtimeUrl,
    apiKey: supabaseKey,
    hubOptions,
    accessToken: options.accessToken,
    ...resolveEndpoint(options.endpoint),
    hubCheckIntervalMs: options.hubCheckIntervalMs ?? 5_000,
  })
  return realtime
}

/** Where the hub is: a function the app gave, a worker URL it hosts, the bundled worker, this page, or nowhere (SSR). */
function resolveEndpoint(endpoint: SharedRealtimeOptions['endpoint']): Pick<ResolvedClientConfig, 'endpoint' | 'hubKind'> {
  if (typeof endpoint === 'function') return { endpoint, hubKind: 'custom' }
  if (typeof endpoint === 'string' || endpoint instanceof URL) {
    if (isServerRuntime()) return { endpoint: connectOnServer, hubKind: 'unsupported' }
    // Without SharedWorker a hosted worker file cannot run either: same fallback as the bundled one.
    if (!sharedWorkerSupported()) return { endpoint: connectToFallbackHub, hubKind: fallbackKind() }
    return { endpoint: () => connectToWorkerUrl(endpoint), hubKind: 'shared-worker' }
  }
  if (endpoint !== undefined) {
    throw RealtimeError.of('invalid-argument', 'endpoint must be the URL of the shared worker script (string or URL) or a function returning a hub endpoint')
  }
  if (isServerRuntime()) return { endpoint: connectOnServer, hubKind: 'unsupported' }
  return { endpoint: connectToHub, hubKind: sharedWorkerSupported() ? 'shared-worker' : fallbackKind() }
}

const fallbackKind = () => (electionSupported() ? 'elected' : 'in-page')

/**
 * What shareRealtime() needs from a supabase-js client. Its URL and key are `protected` in supabase-js's
 * types (public at run time), so they are read at run time and left out of this type: a `SupabaseClient`
 * is assignable as it is.
 */
interface SupabaseClientLike {
  auth?: {
    getSession(): Promise<{ data: { session: { access_token: string } | null } }>
    onAuthStateChange(cb: (event: string, session: { access_token: string } | null) => void): { data: { subscription: { unsubscribe(): void } } }
  }
}

/**
 * Shares the realtime part of an existing supabase-js client: same URL and key, and the user's
 * session follows its auth state.
 */
export function shareRealtime(supabase: SupabaseClientLike, options: Omit<SharedRealtimeOptions, 'accessToken'> = {}): SharedRealtime {
  const { supabaseUrl: url, supabaseKey: key } = supabase as { supabaseUrl?: unknown; supabaseKey?: unknown }
  if (typeof url !== 'string' || typeof key !== 'string' || !url || !key) throw RealtimeError.of('invalid-argument', 'shareRealtime() takes a client made by createClient() from @supabase/supabase-js')
  const auth = supabase.auth
  const realtime = createSharedRealtime(url, key, {
    ...options,
    ...(auth ? { accessToken: async () => (await auth.getSession()).data.session?.access_token ?? null } : {}),
  })
  const listener = auth?.onAuthStateChange((_event, session) => {
    if (!realtime.closed) void realtime.setAuth(session?.access_token ?? null).catch(() => {})
  })
  if (listener) realtime.onHubConnect(() => {}) // keeps the same lifetime as the client
  const close = realtime.close.bind(realtime)
  realtime.close = async () => {
    listener?.data.subscription.unsubscribe()
    await close()
  }
  return realtime
}
