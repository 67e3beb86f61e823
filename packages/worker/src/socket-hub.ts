/**
 * The one Realtime socket of a project, shared by every tab. It owns a RealtimeClient from
 * supabase-js, one server channel per topic (the union of the tabs' bindings), the connection state
 * machine, the outbox, and the fan-out of server events to tab subscriptions.
 *
 * Each connection attempt gets a fresh RealtimeClient (a "generation"): the official client adds
 * listeners on every connect() (realtime-protocol.md §15.2) and never gives up on its own schedule
 * (§15.9), so the hub disables its reconnect timer and rebuilds it instead; a stale generation's
 * callbacks are ignored by comparing generation numbers (phoenix `connectClock`).
 */
import { RealtimeClient, type RealtimeChannel } from '@supabase/realtime-js'
import { meterConnection, phoenixSocketOf } from './realtime-internals.ts'
import { Timeout, withDeadline, type Clock, type Random } from './clock.ts'
import { backoffDelay, rateLimitDelay } from './backoff.ts'
import { circuitOf, initialConnectionState, transition, type ConnectionEvent, type ConnectionState } from './connection-state.ts'
import { ChannelGroup } from './channel-group.ts'
import { Outbox, type OutboxStore } from './outbox.ts'
import { Pacer } from './pacer.ts'
import { qualityOf } from './quality.ts'
import { jwtSubject } from './jwt.ts'
import { projectKey } from './protocol/names.ts'
import { errorPayload, type RealtimeErrorPayload } from './protocol/errors.ts'
import type { HealthSnapshot } from './protocol/health.ts'
import type { ResolvedHubOptions } from './protocol/options.ts'
import type { BindingSpec, BroadcastMessage, ProjectRef, SendOptions, SendStatus, SubscribeRequest } from './protocol/wire.ts'
import type { TabSession } from './tab-session.ts'
import { HubMetrics } from './metrics.ts'
import { AlertEngine } from './alerts.ts'
import { findingsOf, performanceMetricsOf } from './diagnostics.ts'
import type { AlertRule, Finding, PerformanceMetrics } from './protocol/metrics.ts'

export interface SocketHubOptions {
  project: ProjectRef
  options: ResolvedHubOptions
  epoch: string
  clock: Clock
  random: Random
  store: OutboxStore
  /** A WebSocket constructor for runtimes without a global one (Node tests). */
  transport?: unknown
  uuid: () => string
  /** Health changed; `urgent` for connection state transitions, which every tab must see, none coalesced. */
  onChange: (urgent?: boolean) => void
  log?: (kind: string, message: string, data?: unknown) => void
}

/** Timers longer than this overflow in browsers; realtime-js's own empty-channel disconnect is parked here. */
const NEVER_MS = 2_147_000_000

export class SocketHub {
  readonly project: ProjectRef
  readonly key: string
  readonly outbox: Outbox
  readonly metrics: HubMetrics
  options: ResolvedHubOptions
  #o: SocketHubOptions
  #conn: ConnectionState
  #client: RealtimeClient | null = null
  #generation = 0
  /** The generation whose client has the token in hand (set after awaiting its setAuth). */
  #authedGeneration = -1
  #groups = new Map<string, ChannelGroup>()
  #tabs = new Set<TabSession>()
  #retryTimer: Timeout
  #stableTimer: Timeout
  #expiryTimer: Timeout
  #token: string | null = null
  #tokenKnown = false
  #openedAt: number | null = null
  #latency: number | null = null
  #lastError: RealtimeErrorPayload | null = null
  #errorCount = 0
  #joinPacer: Pacer
  #eventPacer: Pacer
  #presenceKey: string
  #refusedInRow = 0
  #alertTimer: Timeout
  readonly alerts = new AlertEngine()

  constructor(o: SocketHubOptions) {
    this.#o = o
    this.project = o.project
    this.key = projectKey(o.project)
    this.options = o.options
    const now = o.clock.now()
    this.#conn = initialConnectionState(now)
    this.#retryTimer = new Timeout(o.clock)
    this.#stableTimer = new Timeout(o.clock)
    this.#expiryTimer = new Timeout(o.clock)
    this.#alertTimer = new Timeout(o.clock)
    this.#joinPacer = new Pacer(o.options.limits.joinsPerSecond, now)
    this.#eventPacer = new Pacer(o.options.limits.eventsPerSecond, now)
    this.#presenceKey = o.uuid()
    this.metrics = new HubMetrics(o.clock)
    this.outbox = new Outbox({
      project: this.key,
      store: o.store,
      maxSize: o.options.outbox.maxSize,
      now: () => o.clock.now(),
      onChange: () => {
        this.#armExpiry()
        o.onChange()
      },
      onStoreError: (error) => this.#recordError(errorPayload('storage', `outbox storage failed, using memory: ${String(error)}`, true)),
    })
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async start(): Promise<void> {
    await this.outbox.load()
    this.#ensureOutboxGroups()
  }

  get state(): ConnectionState {
    return this.#conn
  }

  get client(): RealtimeClient | null {
    return this.#client
  }

  get clock(): Clock {
    return this.#o.clock
  }

  get token(): string | null {
    return this.#token
  }

  get user(): string | null {
    return jwtSubject(this.#token)
  }

  get presenceKey(): string {
    return this.#presenceKey
  }

  get eventPacer(): Pacer {
    return this.#eventPacer
  }

  get joinPacer(): Pacer {
    return this.#joinPacer
  }

  /** Whether joins may go out: a socket is wanted and the token is known (never join token-less, §15.1). */
  get canJoin(): boolean {
    return (
      this.#client !== null &&
      this.#tokenKnown &&
      this.#authedGeneration === this.#generation &&
      (this.#conn.status === 'connecting' || this.#conn.status === 'connected')
    )
  }

  get connected(): boolean {
    return this.#conn.status === 'connected' && this.#client?.isConnected() === true
  }

  dispatch(event: ConnectionEvent): void {
    const prev = this.#conn
    const next = transition(prev, event, this.#o.clock.now(), this.options, this.#o.random)
    if (next === prev) return
    this.#conn = next
    this.#o.log?.('hub', `${prev.status} → ${next.status} (${next.reason})`)
    const restart = next.status === 'connecting' && (prev.status !== 'connecting' || next.attempt !== prev.attempt)
    if (next.status !== 'connected') this.#stableTimer.clear()
    if (next.status !== 'reconnecting' && next.status !== 'circuit-open') this.#retryTimer.clear()
    if (restart) this.#openClient()
    else if (next.status !== 'connecting' && next.status !== 'connected') this.#closeClient(next.reason)
    if (next.status === 'connected' && prev.status !== 'connected') {
      this.#openedAt = this.#o.clock.now()
      this.metrics.count('connects')
      this.#stableTimer.set(this.options.backoff.stableAfterMs, () => this.dispatch({ type: 'stable' }))
    }
    if ((next.status === 'reconnecting' || next.status === 'circuit-open') && next.retryAt !== null) {
      if (next.status === 'reconnecting') this.metrics.count('reconnects')
      this.#retryTimer.set(next.retryAt - this.#o.clock.now(), () => this.dispatch({ type: 'retry-due' }))
    }
    this.#o.onChange(next.status !== prev.status)
  }

  /** Starts or stops the socket depending on whether anything needs it. */
  #reconcile(): void {
    const needed = [...this.#groups.values()].some((g) => g.wanted)
    if (needed && this.#conn.status === 'idle') this.dispatch({ type: 'start' })
    if (!needed && this.#conn.status !== 'idle' && this.#conn.status !== 'paused' && this.#conn.status !== 'closed') {
      this.dispatch({ type: 'stop' })
    }
  }

  #openClient(): void {
    this.#closeClient('replaced by a new attempt')
    const generation = ++this.#generation
    const current = () => generation === this.#generation
    const client = new RealtimeClient(this.project.realtimeUrl, {
      params: { apikey: this.project.apiKey },
      // worker:true needs a nested Worker, which a SharedWorker does not have (§15.5).
      worker: false,
      ...(this.#o.transport ? { transport: this.#o.transport as never } : {}),
      timeout: this.options.timeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      heartbeatCallback: (status, latency) => current() && this.#onHeartbeat(status, latency),
      accessToken: async () => this.#token,
      disconnectOnEmptyChannelsAfterMs: NEVER_MS,
      reconnectAfterMs: () => NEVER_MS,
      logger: (kind, msg, data) => this.#o.log?.(kind, msg, data),
    })
    const socket = phoenixSocketOf(client)
    // The hub owns the retry schedule (jitter, breaker): phoenix's own reconnect timer must never fire.
    socket.reconnectTimer.scheduleTimeout = () => {}
    let opened = false
    socket.onOpen(() => {
      if (!current()) return
      opened = true
      this.dispatch({ type: 'opened' })
      this.#ping()
    })
    socket.onClose((event: { code?: number; reason?: string }) => {
      if (!current()) return
      const code = event?.code ?? 1006
      const reason = opened
        ? `socket closed: ${code}${event?.reason ? ` (${event.reason})` : ''}`
        : `connection refused (${code})`
      const rateLimited = [...this.#groups.values()].some((g) => g.lastRefusal?.retry === 'rate-limit')
      this.#refusedInRow = opened ? 0 : this.#refusedInRow + 1
      this.#recordError(errorPayload('connection-lost', reason, true))
      this.#markAllLost(reason)
      this.dispatch({ type: 'closed', reason, rateLimited })
      if (this.#refusedInRow === 2) void this.#probeApiKey()
    })
    this.#client = client
    this.metrics.count('socketsOpened')
    client.connect()
    meterConnection(
      client,
      (bytes) => this.metrics.count('bytesIn', bytes),
      (bytes) => this.metrics.count('bytesOut', bytes),
    )
    void this.#joinAll(generation)
  }

  #closeClient(reason: string): void {
    const client = this.#client
    if (!client) return
    this.#client = null
    this.#generation++
    this.#openedAt = null
    this.#markAllLost(reason)
    for (const group of this.#groups.values()) group.detach()
    const socket = phoenixSocketOf(client)
    for (const channel of [...client.channels]) channel.teardown()
    client.channels = []
    socket.disconnect(() => {}, 1000, reason)
  }

  #markAllLost(reason: string): void {
    for (const group of this.#groups.values()) group.lost(reason)
  }

  async #joinAll(generation: number): Promise<void> {
    const client = this.#client
    if (!client || generation !== this.#generation || !this.#tokenKnown) return
    // Defect §15.1: subscribe() snapshots the join payload before setAuth() settles; await it first,
    // with a deadline of our own (issue #12: no await on supabase-js without one).
    const authed = await withDeadline(this.#o.clock, client.setAuth().then(() => 'ok' as const), this.options.timeoutMs).catch(() => 'failed' as const)
    if (generation !== this.#generation) return
    if (authed !== 'ok') this.#o.log?.('hub', `setAuth() ${authed}; joining with the token in hand`)
    this.#authedGeneration = generation
    for (const group of this.#groups.values()) group.join()
  }

  #onHeartbeat(status: string, latency?: number): void {
    if (status === 'ok' && typeof latency === 'number') {
      this.#latency = latency
      this.metrics.observe('heartbeatMs', latency)
      this.#o.onChange()
    } else if (status === 'timeout' || status === 'error') {
      this.#recordError(errorPayload('timeout', `heartbeat ${status}`, true))
    } else if (status === 'sent') {
      this.metrics.count('heartbeats')
      this.#requestTokenRefresh('heartbeat')
    }
  }

  /**
   * Browsers hide why a handshake failed (every refusal is a 1006 before open). After repeated
   * refusals, one plain HTTP request with the same key tells an invalid key (401/403: retrying cannot
   * help, so stop) from a server that is just down.
   */
  async #probeApiKey(): Promise<void> {
    const url = this.project.realtimeUrl.replace(/^ws/, 'http').replace(/\/$/, '') + '/api/broadcast'
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { apikey: this.project.apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages: [] }),
      })
      if (response.status === 401 || response.status === 403) {
        const error = errorPayload('unauthorized', `the server refused the API key (HTTP ${response.status}); check the key, then call reconnect()`)
        this.#recordError(error)
        this.dispatch({ type: 'fatal', reason: error.message })
      }
    } catch {
      // Unreachable: a transient failure, keep backing off.
    }
  }

  /** A round trip outside the heartbeat chain (never sendHeartbeat(): §15.3), with our own timeout. */
  #ping(): void {
    const client = this.#client
    if (!client) return
    const generation = this.#generation
    const timer = new Timeout(this.#o.clock)
    const sent = phoenixSocketOf(client).ping((rtt: number) => {
      timer.clear()
      if (generation !== this.#generation) return
      this.#latency = rtt
      this.metrics.observe('heartbeatMs', rtt)
      this.#o.onChange()
    })
    if (!sent) return
    timer.set(this.options.timeoutMs, () => {
      if (generation !== this.#generation || this.#conn.status !== 'connected') return
      this.#recordError(errorPayload('timeout', 'ping timed out', true))
      this.#markAllLost('ping timeout')
      this.dispatch({ type: 'closed', reason: 'ping timed out' })
    })
  }

  // ---- subscriptions ---------------------------------------------------------------------

  attachTab(tab: TabSession): void {
    this.#tabs.add(tab)
    this.#o.onChange()
  }

  detachTab(tab: TabSession): void {
    this.#tabs.delete(tab)
    for (const subscriptionId of [...tab.subscriptions]) this.removeSubscription(subscriptionId)
    this.#o.onChange()
  }

  get tabs(): ReadonlySet<TabSession> {
    return this.#tabs
  }

  subscribe(tab: TabSession, request: SubscribeRequest): RealtimeErrorPayload | null {
    let group = this.#groups.get(request.topic)
    if (!group) {
      const joined = [...this.#groups.values()].filter((g) => g.wanted).length
      if (joined >= this.options.limits.maxChannels) {
        return errorPayload(
          'rate-limited',
          `channel limit reached: this socket already has ${joined} channels (limits.maxChannels = ${this.options.limits.maxChannels})`,
        )
      }
      group = new ChannelGroup(this, request.topic)
      this.#groups.set(request.topic, group)
    }
    const conflict = group.conflictWith(request)
    if (conflict) return conflict
    group.add(tab, request)
    tab.subscriptions.add(request.subscriptionId)
    this.#reconcile()
    group.join()
    this.#o.onChange()
    return null
  }

  addBindings(subscriptionId: string, bindings: BindingSpec[]): RealtimeErrorPayload | null {
    const group = this.groupOf(subscriptionId)
    if (!group) return errorPayload('invalid-argument', `unknown subscription ${subscriptionId}`)
    group.addBindings(subscriptionId, bindings)
    return null
  }

  removeSubscription(subscriptionId: string): void {
    const group = this.groupOf(subscriptionId)
    if (!group) return
    group.remove(subscriptionId)
    for (const tab of this.#tabs) tab.subscriptions.delete(subscriptionId)
    this.#o.onChange()
  }

  /** Called by a group once it has left and has nothing left to do. */
  forget(group: ChannelGroup): void {
    if (this.#groups.get(group.topic) === group) this.#groups.delete(group.topic)
    this.#reconcile()
    this.#o.onChange()
  }

  groupOf(subscriptionId: string): ChannelGroup | undefined {
    for (const group of this.#groups.values()) if (group.has(subscriptionId)) return group
    return undefined
  }

  groups(): IterableIterator<ChannelGroup> {
    return this.#groups.values()
  }

  // ---- sends ---------------------------------------------------------------------------

  async send(subscriptionId: string, message: BroadcastMessage, options: SendOptions & { ttlMs?: number }): Promise<SendStatus | RealtimeErrorPayload> {
    const group = this.groupOf(subscriptionId)
    if (!group) return errorPayload('invalid-argument', `unknown subscription ${subscriptionId}; subscribe() first`)
    return group.send(subscriptionId, message, options)
  }

  /** Joins topics that only the outbox needs, so queued messages go out even with no tab subscribed. */
  #ensureOutboxGroups(): void {
    for (const [topic, isPrivate] of this.outbox.topics(this.user)) {
      if (this.#groups.has(topic)) continue
      const group = new ChannelGroup(this, topic, isPrivate)
      this.#groups.set(topic, group)
    }
    this.#reconcile()
    void this.#joinAll(this.#generation)
  }

  #armExpiry(): void {
    const next = this.outbox.nextExpiry()
    if (next === null) return this.#expiryTimer.clear()
    this.#expiryTimer.set(next - this.#o.clock.now(), () => this.outbox.expire())
  }

  // ---- auth ----------------------------------------------------------------------------

  /** A tab's hello: learn its token, or wait for its callback's answer before joining. */
  noteTabAuth(token: string | null, pending: boolean): void {
    if (pending) {
      if (!this.#tokenKnown) this.#requestTokenRefresh('hello')
      return
    }
    if (!this.#tokenKnown) this.setAuth(token)
  }

  setAuth(token: string | null): void {
    const before = this.#token
    const beforeUser = jwtSubject(before)
    const wasKnown = this.#tokenKnown
    this.#token = token
    this.#tokenKnown = true
    const user = jwtSubject(token)
    if (wasKnown && user !== beforeUser && this.options.outbox.discardOnSignOut) this.outbox.discardOtherUsers(user)
    if (token !== before || !wasKnown) {
      for (const group of this.#groups.values()) group.tokenChanged()
      if (user !== beforeUser) this.#ensureOutboxGroups()
      // setAuth() on the client pushes the token to joined channels; then waiting channels join with it.
      else void this.#joinAll(this.#generation)
    }
    this.#o.onChange()
  }

  #requestTokenRefresh(reason: string): void {
    const tabs = [...this.#tabs].sort((a, b) => Number(b.visible) - Number(a.visible))
    const tab = tabs.find((t) => t.hasTokenCallback && !t.stalled)
    tab?.push({ type: 'auth/refresh', reason })
  }

  requestToken(reason: string): void {
    this.#requestTokenRefresh(reason)
  }

  // ---- controls ------------------------------------------------------------------------

  configure(options: ResolvedHubOptions): void {
    const heartbeatChanged = options.heartbeatIntervalMs !== this.options.heartbeatIntervalMs || options.timeoutMs !== this.options.timeoutMs
    this.options = options
    this.#joinPacer.perSecond = options.limits.joinsPerSecond
    this.#eventPacer.perSecond = options.limits.eventsPerSecond
    this.outbox.maxSize = options.outbox.maxSize
    if (heartbeatChanged && this.#client) {
      const socket = phoenixSocketOf(this.#client)
      socket.heartbeatIntervalMs = options.heartbeatIntervalMs
      socket.timeout = options.timeoutMs
    }
    this.#o.onChange()
  }

  hint(hint: { online?: boolean; visible?: boolean }, tab: TabSession): void {
    if (hint.online !== undefined) {
      tab.online = hint.online
      const anyOnline = [...this.#tabs].some((t) => t.online)
      this.dispatch({ type: 'network', online: anyOnline })
    }
    if (hint.visible !== undefined) {
      const wasHiddenEverywhere = ![...this.#tabs].some((t) => t !== tab && t.visible) && !tab.visible
      tab.setVisible(hint.visible)
      // The first tab to come back after everything was hidden verifies the link at once.
      if (hint.visible && wasHiddenEverywhere && this.#conn.status === 'connected') this.#ping()
    }
  }

  recordError(error: RealtimeErrorPayload): void {
    this.#recordError(error)
  }

  #recordError(error: RealtimeErrorPayload): void {
    this.#lastError = error
    this.#errorCount++
    this.metrics.count('errors')
    this.#o.onChange()
  }

  health(): HealthSnapshot {
    const now = this.#o.clock.now()
    const connected = this.#conn.status === 'connected'
    let subscriptionCount = 0
    let channelCount = 0
    for (const group of this.#groups.values()) {
      subscriptionCount += group.size
      if (group.isJoined) channelCount++
    }
    return {
      status: this.#conn.status,
      reason: this.#conn.reason,
      latency: this.#latency,
      quality: qualityOf(this.#latency, connected),
      subscriptionCount,
      channelCount,
      tabCount: this.#tabs.size,
      queueSize: this.outbox.size,
      errorCount: this.#errorCount,
      reconnectAttempts: Math.max(0, this.#conn.attempt - 1),
      circuit: circuitOf(this.#conn),
      lastError: this.#lastError,
      uptimeMs: connected && this.#openedAt !== null ? now - this.#openedAt : 0,
      at: now,
      epoch: this.#o.epoch,
      outbox: this.outbox.health(),
      options: this.options,
    }
  }

  performanceMetrics(): PerformanceMetrics {
    return performanceMetricsOf(this)
  }

  /** Diagnostics with what to do about each (issue 6). */
  findings(): Finding[] {
    return findingsOf(this)
  }

  setAlertRules(rules: AlertRule[]): void {
    this.alerts.setRules(rules)
    this.#alertTimer.clear()
    if (rules.length > 0) this.#evaluateAlerts()
  }

  #evaluateAlerts(): void {
    const now = this.#o.clock.now()
    const sample = {
      latency: this.#latency ?? 0,
      errorRate: this.metrics.perMinute('errors'),
      outboxSize: this.outbox.size,
      reconnects: this.metrics.perMinute('reconnects'),
      disconnected: this.#conn.status === 'connected' || this.#conn.status === 'idle' ? 0 : now - this.#conn.since,
    }
    for (const alert of this.alerts.evaluate(sample, now)) {
      for (const tab of this.#tabs) tab.push({ type: 'hub/alert', alert })
    }
    this.#alertTimer.set(1_000, () => this.#evaluateAlerts())
  }

  notify(): void {
    this.#o.onChange()
  }

  backoffFor(attempt: number, rateLimited: boolean): number {
    return rateLimited
      ? rateLimitDelay(this.options.backoff, this.#o.random)
      : backoffDelay(attempt, this.options.backoff, this.#o.random)
  }

  close(): void {
    this.dispatch({ type: 'dispose' })
    this.#closeClient('hub closed')
    for (const group of this.#groups.values()) group.dispose()
    this.#groups.clear()
    this.#retryTimer.clear()
    this.#stableTimer.clear()
    this.#expiryTimer.clear()
    this.#alertTimer.clear()
  }
}

export type { RealtimeChannel }
