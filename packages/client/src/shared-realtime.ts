/**
 * The per-tab client: supabase-js's realtime API over the shared worker hub. A facade: it keeps the
 * tab's callbacks and wires the modules that do the work —
 *   hub/hub-connection.ts   hello, the tab lock, failover and every call into the hub (with a deadline)
 *   health/                 the mirror of the hub's health, delivery latency, the metrics poller
 *   auth/token-source.ts    the token and its refresh
 *   delivery/               the delivery port, the event demux, and each callback's delivery options
 *   channel-registry.ts     the tab's channels by topic and by subscription
 *   hub-host.ts             what the tab does on hello, a delivery frame, a lost hub and a new one
 *   page-lifecycle.ts       what the page tells the hub (network, visibility, pagehide, bfcache)
 * Everything with a socket lives in the worker.
 */
import { DEFAULT_HUB_OPTIONS, resolveHubOptions, systemClock, validateHubOptions, validateSubscribeRequest } from '@shared-realtime/worker/protocol'
import type { Alert, AlertRule, BindingSpec, Clock, ConnectionQuality, ConnectionStatus, ControlCommand, Finding } from '@shared-realtime/worker/protocol'
import type { HealthSnapshot, HubOptions, PerformanceMetrics, SendStatus, SubscribeRequest } from '@shared-realtime/worker/protocol'
import { SharedChannel, type ChannelHost, type PostgresChangesPayload } from './channel.ts'
import { ChannelRegistry } from './channel-registry.ts'
import { findingsOf } from './health/findings.ts'
import type { ResolvedClientConfig } from './client-options.ts'
import { RealtimeError, afterClose } from './errors.ts'
import { Listeners, type Unsubscribe } from './disposable.ts'
import { listenToPage } from './page-lifecycle.ts'
import { ManagedSubscriptions, type ManagedBatchOptions, type ManagedSubscriptionOptions } from './managed-subscriptions.ts'
import { HubConnection } from './hub/hub-connection.ts'
import { createHubHost } from './hub-host.ts'
import { pageLocks } from './hub/tab-lock.ts'
import { HealthMirror } from './health/health-mirror.ts'
import { initialHealth } from './health/initial-health.ts'
import { DeliveryLatency } from './health/delivery-latency.ts'
import { createMetricsPoller, type MetricsPoller } from './health/metrics-poller.ts'
import { createTokenSource, type TokenSource } from './auth/token-source.ts'

export type { SharedRealtimeOptions, ResolvedClientConfig } from './client-options.ts'

export class SharedRealtime implements ChannelHost {
  readonly tabId: string
  readonly clock: Clock
  #config: ResolvedClientConfig
  #closed = false
  #hub: HubConnection
  #channels = new ChannelRegistry()
  #health: HealthMirror
  #tokens: TokenSource
  #metrics: MetricsPoller
  #latency = new DeliveryLatency()
  #hubListeners = new Listeners<{ epoch: string; restarted: boolean }>()
  #alertListeners = new Listeners<Alert>()
  #updateListeners = new Listeners<{ protocol: number }>()
  /** Set once a newer deploy's hub was seen: later onUpdateAvailable() callers hear it at once. */
  #update: { protocol: number } | null = null
  #idCounter = 0
  #stopListeningToPage: () => void
  readonly #managed: ManagedSubscriptions

  constructor(config: ResolvedClientConfig) {
    this.#config = config
    this.clock = config.clock ?? systemClock
    this.tabId = crypto.randomUUID()
    // On a server the client never connects: `idle` lets frameworks render a server snapshot.
    this.#health = new HealthMirror(
      initialHealth(
        resolveHubOptions(config.hubOptions),
        config.hubKind === 'unsupported' ? { status: 'idle', reason: 'not in a browser (server-side rendering): nothing connects', at: this.clock.now() } : { at: this.clock.now() },
      ),
    )
    this.#managed = new ManagedSubscriptions(this)
    this.#tokens = createTokenSource({
      accessToken: config.accessToken,
      push: async (token) => void (await this.#hub.call('setAuth()', (api) => api.setAuth(token))),
      isClosed: () => this.#closed,
    })
    this.#metrics = createMetricsPoller({ clock: this.clock, read: () => this.getPerformanceMetrics() })
    this.#hub = new HubConnection(
      {
        clock: this.clock,
        tabId: this.tabId,
        project: { realtimeUrl: config.realtimeUrl, apiKey: config.apiKey },
        hubOptions: config.hubOptions,
        endpoint: config.endpoint,
        hubCheckIntervalMs: config.hubCheckIntervalMs,
        locks: config.locks ?? pageLocks,
      },
      createHubHost({ clock: this.clock, health: this.#health, tokens: this.#tokens, channels: this.#channels, latency: this.#latency, alerts: this.#alertListeners, hubConnected: this.#hubListeners, updateAvailable: (info) => {
        if (this.#update) return
        this.#update = info
        this.#updateListeners.emit(info)
      } }),
    )
    this.#stopListeningToPage = listenToPage({
      hint: (hint) => this.#hub.hint(hint),
      goodbye: () => this.#hub.goodbye(),
      restored: () => this.#hub.replaceHub(),
    })
  }

  // ---- supabase-js API --------------------------------------------------------------------

  channel(name: string, params: { config?: SharedChannel['params']['config'] } = {}): SharedChannel {
    this.#assertOpen('channel()')
    const existing = this.#channels.get(`realtime:${name}`)
    if (existing) return existing
    const channel = new SharedChannel(this, name, params)
    this.#channels.add(channel)
    return channel
  }

  getChannels(): SharedChannel[] {
    return this.#channels.all()
  }

  async removeChannel(channel: SharedChannel): Promise<'ok' | 'timed out' | 'error'> {
    const leaving = channel.unsubscribe()
    // Forgotten at once: channel(name) called while this one is still leaving makes a fresh channel.
    this.forget(channel)
    return leaving
  }

  async removeAllChannels(): Promise<('ok' | 'timed out' | 'error')[]> {
    return Promise.all(this.getChannels().map((c) => this.removeChannel(c)))
  }

  /** Hands the hub a token (or, with no argument, asks the accessToken callback). `null` signs out. */
  async setAuth(token?: string | null): Promise<void> {
    this.#assertOpen('setAuth()')
    await this.#tokens.set(token)
  }

  // ---- manager style -----------------------------------------------------------------------

  /**
   * Subscribes `callback` under `key`; calls with the same key share one channel. Returns the unsubscribe.
   * Delivery options (transform, batch, debounceMs, throttleMs, enabled, onError) apply to this callback only.
   * @example
   * const off = realtime.subscribe('orders', { event: 'INSERT', table: 'orders', batch: { maxSize: 50 }, callback: (rows) => add(rows) })
   */
  subscribe<T extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<T>>(key: string, options: ManagedBatchOptions<T, TOut>): Unsubscribe
  subscribe<T extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<T>>(key: string, options: ManagedSubscriptionOptions<T, TOut>): Unsubscribe
  subscribe(key: string, options: ManagedSubscriptionOptions<any, any> | ManagedBatchOptions<any, any>): Unsubscribe {
    this.#assertOpen('subscribe()')
    return this.#managed.add(key, options)
  }

  /** Removes every callback registered under `key`. */
  async unsubscribe(key: string): Promise<void> {
    await this.#managed.remove(key)
  }

  // ---- health and controls ---------------------------------------------------------------

  getHealthStatus(): HealthSnapshot {
    return this.#health.snapshot
  }

  onHealthChange(callback: (health: HealthSnapshot) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#health.onHealth(callback, options)
  }

  onStateChange(callback: (state: { status: ConnectionStatus; reason: string }) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#health.onState(callback, options)
  }

  onQualityChange(callback: (quality: ConnectionQuality) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#health.onQuality(callback, options)
  }

  /** Fires after the tab (re)connected to a hub; `restarted` means the worker was replaced. */
  onHubConnect(callback: (info: { epoch: string; restarted: boolean }) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#hubListeners.on(callback, options)
  }

  /**
   * Fires once when a hub of a newer deploy runs in this browser (the app was updated in another tab):
   * offer a reload. This tab keeps working meanwhile; its hub hands its queued messages to the new one.
   * Called at once (in a microtask) if that is already known.
   */
  onUpdateAvailable(callback: (info: { protocol: number }) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    const off = this.#updateListeners.on(callback, options)
    const known = this.#update
    if (known) queueMicrotask(() => this.#updateListeners.has(callback) && callback(known))
    return off
  }

  /** Counters and latency percentiles of the shared socket, plus hub-to-tab delivery latency measured here. */
  async getPerformanceMetrics(): Promise<PerformanceMetrics> {
    const metrics = await this.#hub.call('getPerformanceMetrics()', (api) => api.metrics())
    return { ...metrics, latency: { ...metrics.latency, delivery: this.#latency.percentiles() } }
  }

  /** Diagnostics with a severity and what to do about each. */
  async healthCheck(): Promise<Finding[]> {
    const facts = await this.#hub.call('healthCheck()', (api) => api.healthCheck())
    return findingsOf(facts, this.#config.hubKind === 'in-page' ? 'no-shared-worker' : null)
  }

  /** Replaces the hub's alert rules (shared by every tab); alerts arrive through onAlert(). */
  async setAlertRules(rules: AlertRule[]): Promise<void> {
    await this.#hub.call('setAlertRules()', (api) => api.setAlertRules(rules))
  }

  onAlert(callback: (alert: Alert) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#alertListeners.on(callback, options)
  }

  /**
   * Calls `callback` with a metrics snapshot every `intervalMs` (default 10 s), e.g. to ship them to a
   * Supabase table or an edge function. Returns the unsubscribe function.
   */
  onMetrics(callback: (metrics: PerformanceMetrics) => void, options: { intervalMs?: number; signal?: AbortSignal } = {}): Unsubscribe {
    return this.#metrics.add(callback, options)
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
    const health = await this.#hub.call('configure()', (api) => api.configure(options))
    this.#health.set(health)
    return health
  }

  /** Releases every subscription of this tab (the debug panel's Reset). */
  async cleanup(): Promise<void> {
    await this.removeAllChannels()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#stopListeningToPage()
    this.#managed.closeAll()
    this.#channels.teardown()
    this.#health.clear()
    this.#alertListeners.clear()
    this.#metrics.stopAll()
    await this.#hub.close()
  }

  [Symbol.dispose](): void {
    void this.close()
  }

  get closed(): boolean {
    return this.#closed
  }

  get storage(): 'indexeddb' | 'memory' {
    return this.#health.snapshot.outbox.storage
  }

  // ---- ChannelHost -------------------------------------------------------------------------

  newId(): string {
    return `${this.tabId.slice(0, 8)}-${(++this.#idCounter).toString(36)}-${crypto.randomUUID().slice(0, 8)}`
  }

  async join(channel: SharedChannel, request: SubscribeRequest): Promise<void> {
    const invalid = validateSubscribeRequest(request)
    if (invalid) throw new RealtimeError(invalid)
    this.#channels.joined(request.subscriptionId, channel)
    await this.#hub.call('subscribe()', (api) => api.subscribe(request))
  }

  async addBindings(subscriptionId: string, bindings: BindingSpec[]): Promise<void> {
    await this.#hub.call('on()', (api) => api.addBindings(subscriptionId, bindings))
  }

  async leave(channel: SharedChannel): Promise<void> {
    const id = channel.subscriptionId
    if (!id) return
    this.#channels.left(id, channel)
    await this.#hub.call('unsubscribe()', (api) => api.unsubscribe(id)).catch(() => {})
  }

  /** The message id makes a resend idempotent: a send cut by a hub restart goes once more through the new hub. */
  send(subscriptionId: string, message: { type: 'broadcast'; event: string; payload?: unknown }, options: { ttlMs?: number; messageId: string }): Promise<SendStatus> {
    return this.#hub.callSurvivingRestart('send()', (api) => api.send(subscriptionId, message, options))
  }

  async track(subscriptionId: string, payload: Record<string, unknown>): Promise<SendStatus> {
    this.#channels.track(subscriptionId, payload)
    return this.#hub.call('track()', (api) => api.track(subscriptionId, payload))
  }

  async untrack(subscriptionId: string): Promise<SendStatus> {
    this.#channels.track(subscriptionId, null)
    return this.#hub.call('untrack()', (api) => api.untrack(subscriptionId))
  }

  /** A failure in this tab only (a throwing transform): the mirror shows it until the hub's next health push. */
  reportError(error: RealtimeError): void {
    if (this.#closed) return
    this.#health.reportError(error, this.clock.now())
  }

  forget(channel: SharedChannel): void {
    this.#channels.forget(channel)
  }

  // ---- internals ---------------------------------------------------------------------------

  async #control(command: ControlCommand): Promise<void> {
    await this.#hub.call(`${command}()`, (api) => api.control(command))
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw afterClose(what)
  }
}

export { DEFAULT_HUB_OPTIONS }
