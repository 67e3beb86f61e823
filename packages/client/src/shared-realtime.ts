/**
 * The per-tab client: supabase-js's realtime API over the shared worker hub. Thin by design: it
 * keeps callbacks and a mirror of the hub's health; everything with a socket lives in the worker.
 */
import * as Comlink from 'comlink'
import {
  DEFAULT_HUB_OPTIONS,
  PROTOCOL_VERSION,
  resolveHubOptions,
  validateHubOptions,
  validateToken,
  type BindingSpec,
  type ConnectionQuality,
  type ConnectionStatus,
  type ControlCommand,
  type HealthSnapshot,
  type HubOptions,
  type HubPortApi,
  type Result,
  type SendStatus,
  type SubscribeRequest,
  type TabEvent,
  type DeliveryFrame,
  type Alert,
  type AlertRule,
  type Finding,
  type PerformanceMetrics,
  percentilesOf,
} from '@shared-realtime/worker/protocol'
import { SharedChannel, type ChannelHost } from './channel.ts'
import { RealtimeError } from './errors.ts'
import { Listeners, unsubscriber, type Unsubscribe } from './disposable.ts'
import { unwrap, withTimeout, toRealtimeError } from './rpc.ts'
import type { HubEndpoint } from './connect.ts'
import { listenToPage } from './page-lifecycle.ts'
import { ManagedSubscriptions, type ManagedSubscriptionOptions } from './managed-subscriptions.ts'

export interface SharedRealtimeOptions extends HubOptions {
  /** Returns the current user's access token; the hub asks for it before joining and on refresh. */
  accessToken?: () => Promise<string | null>
  /** How the tab reaches the hub. Defaults to the SharedWorker (falls back to an in-page hub). */
  endpoint?: () => HubEndpoint | Promise<HubEndpoint>
  /** How often the tab checks that the hub is alive (ms). */
  hubCheckIntervalMs?: number
}

export interface ResolvedClientConfig {
  realtimeUrl: string
  apiKey: string
  hubOptions: HubOptions
  accessToken?: () => Promise<string | null>
  endpoint: () => HubEndpoint | Promise<HubEndpoint>
  /** Where the hub runs: the origin's SharedWorker, this page (no SharedWorker), or an endpoint the app gave. */
  hubKind: 'shared-worker' | 'in-page' | 'custom'
  hubCheckIntervalMs: number
}

/** Comlink's Remote<> mangles methods that return unions; every hub method already returns a Promise. */
type HubRemote = HubPortApi & { [Comlink.releaseProxy](): void }

interface Connection {
  remote: HubRemote
  endpoint: HubEndpoint
  epoch: string
  /** The hub's lifetime lock, if it holds one. */
  lock: string | null
  /** This tab's end of the delivery port (protocol/delivery.ts). */
  deliveries: MessagePort
}

const HUB_LOST = { code: 'connection-lost' as const, message: 'the shared worker stopped; reconnecting through a new one', retryable: true }

export class SharedRealtime implements ChannelHost {
  readonly tabId: string
  #config: ResolvedClientConfig
  #conn: Connection | null = null
  #ready: Promise<Connection>
  #closed = false
  #channels = new Map<string, SharedChannel>()
  #bySubscription = new Map<string, SharedChannel>()
  #tracked = new Map<SharedChannel, Record<string, unknown>>()
  #health: HealthSnapshot
  #healthListeners = new Listeners<HealthSnapshot>()
  #stateListeners = new Listeners<{ status: ConnectionStatus; reason: string }>()
  #qualityListeners = new Listeners<ConnectionQuality>()
  #hubListeners = new Listeners<{ epoch: string; restarted: boolean }>()
  #alertListeners = new Listeners<Alert>()
  #deliveryLatency: number[] = []
  #metricStops = new Set<Unsubscribe>()
  #token: string | null | undefined = undefined
  #idCounter = 0
  #releaseTabLock: (() => void) | null = null
  #watchdog: ReturnType<typeof setTimeout> | undefined
  #restarting: Promise<Connection> | null = null
  /** Date.now() when a hub last answered or delivered: a lost hub's outage starts here. */
  #lastHubContact: number | null = null
  #cleanupGlobals: () => void = () => {}
  readonly #managed: ManagedSubscriptions

  constructor(config: ResolvedClientConfig) {
    this.#config = config
    this.tabId = crypto.randomUUID()
    this.#health = initialHealth(resolveHubOptions(config.hubOptions))
    this.#managed = new ManagedSubscriptions(this)
    this.#ready = this.#connect(false)
    this.#ready.catch(() => this.#retryLater())
    this.#listenToPage()
  }

  // ---- supabase-js API --------------------------------------------------------------------

  channel(name: string, params: { config?: SharedChannel['params']['config'] } = {}): SharedChannel {
    this.#assertOpen('channel()')
    const existing = this.#channels.get(`realtime:${name}`)
    if (existing) return existing
    const channel = new SharedChannel(this, name, params)
    this.#channels.set(channel.topic, channel)
    return channel
  }

  getChannels(): SharedChannel[] {
    return [...this.#channels.values()]
  }

  async removeChannel(channel: SharedChannel): Promise<'ok' | 'timed out' | 'error'> {
    const status = await channel.unsubscribe()
    this.forget(channel)
    return status
  }

  async removeAllChannels(): Promise<('ok' | 'timed out' | 'error')[]> {
    return Promise.all(this.getChannels().map((c) => this.removeChannel(c)))
  }

  /** Hands the hub a token (or, with no argument, asks the accessToken callback). `null` signs out. */
  async setAuth(token?: string | null): Promise<void> {
    this.#assertOpen('setAuth()')
    let value = token
    if (value === undefined) value = this.#config.accessToken ? await this.#config.accessToken() : null
    const invalid = validateToken(value)
    if (invalid) throw new RealtimeError(invalid)
    this.#token = value ?? null
    await this.#call('setAuth()', (api) => api.setAuth(this.#token ?? null))
  }

  // ---- manager style -----------------------------------------------------------------------

  /** Subscribes `callback` under `key`; calls with the same key share one channel. Returns the unsubscribe. */
  subscribe(key: string, options: ManagedSubscriptionOptions): Unsubscribe {
    this.#assertOpen('subscribe()')
    return this.#managed.add(key, options)
  }

  /** Removes every callback registered under `key`. */
  async unsubscribe(key: string): Promise<void> {
    await this.#managed.remove(key)
  }

  // ---- health and controls ---------------------------------------------------------------

  getHealthStatus(): HealthSnapshot {
    return this.#health
  }

  onHealthChange(callback: (health: HealthSnapshot) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#healthListeners.on(callback, options)
  }

  onStateChange(callback: (state: { status: ConnectionStatus; reason: string }) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#stateListeners.on(callback, options)
  }

  onQualityChange(callback: (quality: ConnectionQuality) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#qualityListeners.on(callback, options)
  }

  /** Fires after the tab (re)connected to a hub; `restarted` means the worker was replaced. */
  onHubConnect(callback: (info: { epoch: string; restarted: boolean }) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#hubListeners.on(callback, options)
  }

  /** Counters and latency percentiles of the shared socket, plus hub-to-tab delivery latency measured here. */
  async getPerformanceMetrics(): Promise<PerformanceMetrics> {
    const metrics = await this.#call('getPerformanceMetrics()', (api) => api.metrics())
    return { ...metrics, latency: { ...metrics.latency, delivery: percentilesOf(this.#deliveryLatency) } }
  }

  /** Diagnostics with a severity and what to do about each. */
  async healthCheck(): Promise<Finding[]> {
    const findings = await this.#call('healthCheck()', (api) => api.healthCheck())
    if (this.#config.hubKind === 'in-page') {
      findings.push({
        id: 'no-shared-worker',
        severity: 'warning',
        message: 'SharedWorker is not available in this browser: this tab runs its own hub and socket',
        advice: 'Tabs cannot share a socket here; everything else works the same.',
      })
    }
    return findings
  }

  /** Replaces the hub's alert rules (shared by every tab); alerts arrive through onAlert(). */
  async setAlertRules(rules: AlertRule[]): Promise<void> {
    await this.#call('setAlertRules()', (api) => api.setAlertRules(rules))
  }

  onAlert(callback: (alert: Alert) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#alertListeners.on(callback, options)
  }

  /**
   * Calls `callback` with a metrics snapshot every `intervalMs` (default 10 s), e.g. to ship them to a
   * Supabase table or an edge function. Returns the unsubscribe function.
   */
  onMetrics(callback: (metrics: PerformanceMetrics) => void, options: { intervalMs?: number; signal?: AbortSignal } = {}): Unsubscribe {
    if (typeof callback !== 'function') throw RealtimeError.of('invalid-argument', 'onMetrics() needs a callback')
    const intervalMs = options.intervalMs ?? 10_000
    if (!(intervalMs >= 100)) throw RealtimeError.of('invalid-argument', 'onMetrics(): intervalMs must be at least 100')
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    const tick = () => {
      timer = setTimeout(async () => {
        if (stopped || this.#closed) return
        try {
          callback(await this.getPerformanceMetrics())
        } catch {
          // The hub was unreachable this time; try again next interval.
        }
        if (!stopped) tick()
      }, intervalMs)
    }
    tick()
    const off = unsubscriber(() => {
      stopped = true
      clearTimeout(timer)
    }, options.signal)
    this.#metricStops.add(off)
    return off
  }

  pause(): Promise<void> {
    return this.#control('pause')
  }

  resume(): Promise<void> {
    return this.#control('resume')
  }

  reconnect(): Promise<void> {
    return this.#control('reconnect')
  }

  disconnect(): Promise<void> {
    return this.#control('disconnect')
  }

  /** Changes the shared hub's options for every tab; the latest call wins. */
  async configure(options: HubOptions): Promise<HealthSnapshot> {
    this.#assertOpen('configure()')
    const invalid = validateHubOptions(options)
    if (invalid) throw new RealtimeError(invalid)
    const health = await this.#call('configure()', (api) => api.configure(options))
    this.#setHealth(health)
    return health
  }

  /** Releases every subscription of this tab (the debug panel's Reset). */
  async cleanup(): Promise<void> {
    await this.removeAllChannels()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#watchdog)
    this.#cleanupGlobals()
    for (const channel of this.#channels.values()) channel.teardown()
    this.#channels.clear()
    this.#bySubscription.clear()
    this.#healthListeners.clear()
    this.#stateListeners.clear()
    this.#qualityListeners.clear()
    this.#alertListeners.clear()
    for (const stop of this.#metricStops) stop()
    const conn = this.#conn
    this.#conn = null
    if (conn) {
      await withTimeout(conn.remote.bye(), 1_000, 'close()').catch(() => {})
      this.#release(conn)
    }
    this.#releaseTabLock?.()
  }

  [Symbol.dispose](): void {
    void this.close()
  }

  get closed(): boolean {
    return this.#closed
  }

  get storage(): 'indexeddb' | 'memory' {
    return this.#health.outbox.storage
  }

  // ---- ChannelHost -------------------------------------------------------------------------

  newId(): string {
    return `${this.tabId.slice(0, 8)}-${(++this.#idCounter).toString(36)}-${crypto.randomUUID().slice(0, 8)}`
  }

  maxPayloadBytes(): number {
    return this.#health.options.limits.maxPayloadBytes
  }

  async join(channel: SharedChannel, request: SubscribeRequest): Promise<void> {
    this.#bySubscription.set(request.subscriptionId, channel)
    await this.#call('subscribe()', (api) => api.subscribe(request))
  }

  async addBindings(subscriptionId: string, bindings: BindingSpec[]): Promise<void> {
    await this.#call('on()', (api) => api.addBindings(subscriptionId, bindings))
  }

  async leave(channel: SharedChannel): Promise<void> {
    const id = channel.subscriptionId
    if (!id) return
    this.#bySubscription.delete(id)
    this.#tracked.delete(channel)
    await this.#call('unsubscribe()', (api) => api.unsubscribe(id)).catch(() => {})
  }

  async send(subscriptionId: string, message: { type: 'broadcast'; event: string; payload?: unknown }, options: { ttlMs?: number; messageId: string }): Promise<SendStatus> {
    try {
      return await this.#call('send()', (api) => api.send(subscriptionId, message, options))
    } catch (error) {
      // The worker died mid-call: resend once through the new one. The id makes it idempotent.
      if (error instanceof RealtimeError && (error.code === 'timeout' || error.code === 'connection-lost') && (this.#restarting || this.#conn === null)) {
        await withTimeout(this.#ready, this.#timeoutMs() * 2, 'send()')
        return this.#call('send()', (api) => api.send(subscriptionId, message, options))
      }
      throw toRealtimeError(error, 'send()')
    }
  }

  async track(subscriptionId: string, payload: Record<string, unknown>): Promise<SendStatus> {
    const channel = this.#bySubscription.get(subscriptionId)
    if (channel) this.#tracked.set(channel, payload)
    return this.#call('track()', (api) => api.track(subscriptionId, payload))
  }

  async untrack(subscriptionId: string): Promise<SendStatus> {
    const channel = this.#bySubscription.get(subscriptionId)
    if (channel) this.#tracked.delete(channel)
    return this.#call('untrack()', (api) => api.untrack(subscriptionId))
  }

  forget(channel: SharedChannel): void {
    if (this.#channels.get(channel.topic) === channel) this.#channels.delete(channel.topic)
  }

  // ---- hub connection ----------------------------------------------------------------------

  async #connect(restarted: boolean): Promise<Connection> {
    // The lock must be held before hello (the hub watches it), but it can be taken while the port opens.
    const [endpoint] = await Promise.all([this.#config.endpoint(), this.#holdTabLock()])
    const remote = Comlink.wrap<HubPortApi>(endpoint as Comlink.Endpoint) as unknown as HubRemote
    const deliveries = this.#openDeliveries()
    const visible = typeof document === 'undefined' ? true : document.visibilityState !== 'hidden'
    const online = typeof navigator === 'undefined' || navigator.onLine !== false
    const hello = await withTimeout(
      remote.hello(
        {
          tabId: this.tabId,
          protocol: PROTOCOL_VERSION,
          project: { realtimeUrl: this.#config.realtimeUrl, apiKey: this.#config.apiKey },
          options: this.#config.hubOptions,
          token: this.#token ?? null,
          tokenPending: this.#token === undefined && this.#config.accessToken !== undefined,
          visible,
          online,
        },
        Comlink.transfer(deliveries.port2, [deliveries.port2]),
      ),
      this.#timeoutMs(),
      'connecting to the shared worker',
    )
      .then(unwrap)
      .catch((error) => {
        // No hub answered on this port: close it, or every retry would leave one open.
        deliveries.port1.close()
        endpoint.close?.()
        throw error
      })
    const conn: Connection = { remote, endpoint, epoch: hello.epoch, lock: hello.lock, deliveries: deliveries.port1 }
    if (this.#closed) {
      this.#release(conn)
      throw RealtimeError.of('closed', 'the client was closed')
    }
    this.#conn = conn
    this.#setHealth(hello.health)
    this.#watchHub(conn)
    if (this.#token === undefined && this.#config.accessToken) void this.#refreshToken()
    this.#hubListeners.emit({ epoch: conn.epoch, restarted })
    return conn
  }

  /** The port the hub pushes this tab's events to; acknowledges the batches the hub asks about. */
  #openDeliveries(): MessageChannel {
    const channel = new MessageChannel()
    channel.port1.onmessage = (event: MessageEvent<DeliveryFrame<TabEvent>>) => {
      const frame = event.data
      this.#lastHubContact = Date.now()
      this.#onEvents(frame.events, frame.sentAt)
      if (frame.ack) channel.port1.postMessage(frame.seq)
    }
    return channel
  }

  #release(conn: Connection): void {
    conn.remote[Comlink.releaseProxy]()
    conn.deliveries.close()
    conn.endpoint.close?.()
  }

  /** Liveness: the hub learns this tab is gone when the tab's Web Lock is released (browser-platform.md §3). */
  async #holdTabLock(): Promise<void> {
    const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator).locks
    if (!locks || this.#releaseTabLock) return
    await new Promise<void>((granted) => {
      void locks.request(`shared-realtime:tab:${this.tabId}`, () => {
        granted()
        return new Promise<void>((release) => (this.#releaseTabLock = release))
      })
    })
  }

  /** Notices a killed worker: its lock is released at once; a ping watchdog backs that up. */
  #watchHub(conn: Connection): void {
    const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator).locks
    if (conn.lock) {
      void locks?.request(conn.lock, () => {
        if (this.#conn === conn) this.#replaceHub(conn)
      })
    }
    const check = () => {
      if (this.#closed || this.#conn !== conn) return
      withTimeout(conn.remote.ping(), Math.min(this.#timeoutMs(), 5_000), 'hub check')
        .then(unwrap)
        .then(
          (epoch) => {
            if (epoch !== conn.epoch) this.#replaceHub(conn)
            else {
              this.#lastHubContact = Date.now()
              this.#watchdog = setTimeout(check, this.#config.hubCheckIntervalMs)
            }
          },
          () => this.#replaceHub(conn),
        )
    }
    clearTimeout(this.#watchdog)
    this.#watchdog = setTimeout(check, this.#config.hubCheckIntervalMs)
  }

  /** Fire and forget: a failed replacement retries on its own (#reregister) and callers see it through #ready. */
  #replaceHub(conn: Connection): void {
    this.#hubLost(conn).catch(() => {})
  }

  async #hubLost(conn: Connection): Promise<Connection> {
    if (this.#restarting) return this.#restarting
    if (this.#conn !== conn || this.#closed) return this.#ready
    this.#conn = null
    this.#release(conn)
    const since = this.#lastHubContact ?? Date.now()
    for (const channel of this.#channels.values()) channel.hubLost(HUB_LOST, since)
    return this.#reregister()
  }

  /** Connects to a new hub and re-registers everything this tab had; tries again after a pause until it works. */
  #reregister(): Promise<Connection> {
    const restarting = (async () => {
      const next = await this.#connect(true)
      try {
        // Re-register everything this tab had, without the app doing anything.
        if (this.#token !== undefined) unwrap(await withTimeout(next.remote.setAuth(this.#token), this.#timeoutMs(), 'setAuth()'))
        for (const channel of this.#channels.values()) {
          const request = channel.subscribeRequest()
          if (!request) continue
          unwrap(await withTimeout(next.remote.subscribe(request), this.#timeoutMs(), 'subscribe()'))
          const tracked = this.#tracked.get(channel)
          if (tracked) unwrap(await withTimeout(next.remote.track(request.subscriptionId, tracked), this.#timeoutMs(), 'track()'))
        }
      } catch (error) {
        // Half registered is not registered: drop this hub connection and start over.
        if (this.#conn === next) {
          this.#conn = null
          this.#release(next)
        }
        throw error
      }
      return next
    })().catch((thrown) => {
      throw toRealtimeError(thrown, 'reconnecting to the shared worker')
    })
    this.#restarting = restarting
    this.#ready = restarting
    restarting.then(
      () => {
        if (this.#restarting === restarting) this.#restarting = null
      },
      () => {
        if (this.#restarting === restarting) this.#restarting = null
        this.#retryLater()
      },
    )
    return restarting
  }

  /** Could not reach a hub (first connection or a replacement): try again after a pause; calls wait for it meanwhile. */
  #retryLater(): void {
    if (this.#closed) return
    const retry = new Promise<void>((resolve) => setTimeout(resolve, 1_000)).then(() => this.#reregister())
    this.#ready = retry
    retry.catch(() => {})
  }

  /** Every rejection that reaches the app is a RealtimeError with a code, whatever failed underneath. */
  async #call<T>(what: string, body: (api: HubRemote) => Promise<Result<T>>): Promise<T> {
    this.#assertOpen(what)
    const conn = await withTimeout(this.#ready, this.#timeoutMs() * 2, what)
    try {
      return unwrap(await withTimeout(body(conn.remote), this.#timeoutMs(), what))
    } catch (error) {
      const typed = toRealtimeError(error, what)
      if (typed.code === 'timeout') this.#verifyHub(conn)
      // A proxy released because the hub was replaced meanwhile: the call may be retried on the new one.
      if (this.#conn !== conn && typed.code === 'protocol') throw RealtimeError.of('connection-lost', `${what}: the shared worker was replaced during the call`, true, error)
      throw typed
    }
  }

  #verifyHub(conn: Connection): void {
    // The hub may already have been replaced and this proxy released: touching it would throw (issue #12).
    if (this.#conn !== conn) return
    const check = (async () => unwrap(await withTimeout(conn.remote.ping(), 2_000, 'hub check')))()
    check.catch(() => this.#replaceHub(conn))
  }

  async #control(command: ControlCommand): Promise<void> {
    await this.#call(`${command}()`, (api) => api.control(command))
  }

  async #refreshToken(): Promise<void> {
    const callback = this.#config.accessToken
    if (!callback || this.#closed) return
    let token: string | null
    try {
      token = await callback()
    } catch {
      // A throwing callback keeps the last token, as supabase-js does; with none yet, the API key
      // stands in, so that the hub does not wait for a token forever.
      if (this.#token !== undefined) return
      token = null
    }
    if (this.#closed) return
    this.#token = token ?? null
    await this.#call('setAuth()', (api) => api.setAuth(this.#token ?? null)).catch(() => {})
  }

  #onEvents(events: TabEvent[], sentAt: number): void {
    const latency = Date.now() - sentAt
    for (const event of events) {
      switch (event.type) {
        case 'hub/health':
          this.#setHealth(event.health)
          break
        case 'auth/refresh':
          void this.#refreshToken()
          break
        case 'hub/alert':
          this.#alertListeners.emit(event.alert)
          break
        default:
          if (event.type === 'channel/event' && event.bindingIds.length > 0) {
            this.#deliveryLatency.push(latency)
            if (this.#deliveryLatency.length > 512) this.#deliveryLatency.shift()
          }
          this.#bySubscription.get(event.subscriptionId)?.handle(event)
      }
    }
  }

  #setHealth(health: HealthSnapshot): void {
    const before = this.#health
    this.#health = health
    if (before.status !== health.status || before.reason !== health.reason) {
      this.#stateListeners.emit({ status: health.status, reason: health.reason })
    }
    if (before.quality !== health.quality) this.#qualityListeners.emit(health.quality)
    this.#healthListeners.emit(health)
  }

  #timeoutMs(): number {
    return this.#health.options.timeoutMs
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw RealtimeError.of('closed', `${what} after close(): create a new client`)
  }

  /** Forwards network and visibility changes, and says goodbye on pagehide. */
  #listenToPage(): void {
    this.#cleanupGlobals = listenToPage({
      hint: (hint) => {
        const conn = this.#conn
        if (conn) void withTimeout(conn.remote.hint(hint), this.#timeoutMs(), 'hint').catch(() => {})
      },
      goodbye: () => void this.#conn?.remote.bye().catch(() => {}),
      restored: () => {
        if (this.#conn) this.#replaceHub(this.#conn)
      },
    })
  }
}

function initialHealth(options: HealthSnapshot['options']): HealthSnapshot {
  return {
    status: 'connecting',
    reason: 'waiting for the shared worker',
    latency: null,
    quality: 'offline',
    subscriptionCount: 0,
    channelCount: 0,
    tabCount: 0,
    queueSize: 0,
    errorCount: 0,
    reconnectAttempts: 0,
    circuit: 'closed',
    lastError: null,
    uptimeMs: 0,
    at: Date.now(),
    epoch: '',
    outbox: { size: 0, oldestAgeMs: null, dropped: 0, expired: 0, storage: 'memory' },
    options,
  }
}

export { DEFAULT_HUB_OPTIONS }
