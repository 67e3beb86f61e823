// Uses the whole public API of @shared-realtime/client, type-checked (never run) under an app's own
// settings: create-vite's tsconfig, and strict + NodeNext and strict off with skipLibCheck off. It
// imports nothing from supabase-js, whose own declarations need @types/node when skipLibCheck is off
// (api-supabase.ts checks shareRealtime() with a real SupabaseClient).
import {
  connectToHub,
  connectToInPageHub,
  connectToWorkerUrl,
  createSharedRealtime,
  DEFAULT_HUB_OPTIONS,
  mountDebugPanel,
  RealtimeError,
  realtimeUrlOf,
  SharedChannel,
  SharedRealtime,
  shareRealtime,
  sharedWorkerSupported,
  type ChannelState,
  type ConnectionQuality,
  type ConnectionStatus,
  type HealthSnapshot,
  type HubEndpoint,
  type HubOptions,
  type ManagedSubscriptionOptions,
  type PostgresChangesPayload,
  type RealtimeErrorCode,
  type ResyncNotice,
  type SendStatus,
  type SharedRealtimeOptions,
  type SubscribeCallback,
  type SubscribeStatus,
  type Unsubscribe,
} from '@shared-realtime/client'

export async function everything(): Promise<void> {
  const options: SharedRealtimeOptions = { heartbeatIntervalMs: DEFAULT_HUB_OPTIONS.heartbeatIntervalMs, endpoint: '/shared-worker.js' }
  const hubOptions: HubOptions = { timeoutMs: 5_000 }
  const realtime: SharedRealtime = createSharedRealtime('http://127.0.0.1:54321', 'anon', { ...options, ...hubOptions })
  const viaSupabase: SharedRealtime = shareRealtime({ auth: undefined })
  const url: string = realtimeUrlOf('https://xyz.supabase.co')
  const supported: boolean = sharedWorkerSupported()
  const endpoints: HubEndpoint[] = [await connectToHub(), await connectToInPageHub(), connectToWorkerUrl(new URL('/w.js', location.href))]

  const callback: SubscribeCallback = (status: SubscribeStatus, error?: Error) => void [status, error]
  const channel: SharedChannel = realtime
    .channel('room', { config: { broadcast: { self: true }, presence: { key: 'me' } } })
    .on('broadcast', { event: 'ping' }, (message) => void message.payload)
    .on('presence', { event: 'sync' }, () => void channel.presenceState())
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'orders' }, (change: PostgresChangesPayload<{ id: number }>) => void change.new.id)
    .subscribe(callback)
  const state: ChannelState = channel.state
  const sent: SendStatus = await channel.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } })
  await channel.track({ online: true })

  const off: Unsubscribe = realtime.onStateChange(({ status }: { status: ConnectionStatus }) => void status)
  off()
  off[Symbol.dispose]()
  realtime.onHealthChange((health: HealthSnapshot) => void health.quality, { signal: new AbortController().signal })
  realtime.onQualityChange((quality: ConnectionQuality) => void quality)
  const managed: ManagedSubscriptionOptions = { event: 'INSERT', table: 'orders', callback: (p) => void p.new }
  realtime.subscribe('orders', managed)
  const unmount: () => void = mountDebugPanel(document.body, realtime)
  unmount()

  try {
    await realtime.getPerformanceMetrics()
  } catch (error) {
    if (error instanceof RealtimeError) {
      const code: RealtimeErrorCode = error.code
      void [code, error.retryable]
    }
  }
  const resync: ResyncNotice | null = null
  void [viaSupabase, url, supported, endpoints, state, sent, resync]
  await realtime.removeChannel(channel)
  await realtime.close()
}
