/**
 * The one Realtime socket of a project, shared by every tab: the owner that wires the parts together.
 * It runs the connection state machine (connection-state.ts; effects after each transition, as
 * query-core's `#dispatch`) and owns the client generations (connection.ts), the token (auth/), the
 * tabs (tabs/), the topics (channels/), the outbox (outbox/) and health (health/).
 */
import { Timeout, type Clock, type Random } from '../clock.ts'
import { backoffDelay, rateLimitDelay } from './backoff.ts'
import { initialConnectionState, transition, type ConnectionEvent, type ConnectionState } from './connection-state.ts'
import { Connection } from './connection.ts'
import { PROBE_AFTER_REFUSALS, probeApiKey } from './api-key-probe.ts'
import { TokenState } from '../auth/token-state.ts'
import { ChannelRegistry } from '../channels/channel-registry.ts'
import type { ChannelGroup, ChannelGroupDeps } from '../channels/channel-group.ts'
import { Pacer } from '../channels/pacer.ts'
import { Outbox } from '../outbox/outbox.ts'
import type { OutboxStore } from '../outbox/outbox-entry.ts'
import { createTopicOutbox } from '../outbox/topic-outbox.ts'
import { TabRegistry } from '../tabs/tab-registry.ts'
import type { TabSession } from '../tabs/tab-session.ts'
import { HubMetrics } from '../health/metrics.ts'
import { AlertMonitor } from '../health/alert-monitor.ts'
import { LinkHealth, healthSnapshot } from '../health/snapshot.ts'
import { findingsOf, performanceMetricsOf } from '../health/diagnostics.ts'
import { projectKey } from '../protocol/names.ts'
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import type { HealthSnapshot } from '../protocol/health.ts'
import type { ResolvedHubOptions } from '../protocol/options.ts'
import type { AlertRule, Finding, PerformanceMetrics } from '../protocol/metrics.ts'
import type { BindingSpec, BroadcastMessage, ProjectRef, SendOptions, SendStatus, SubscribeRequest } from '../protocol/wire.ts'

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

export class SocketHub {
  readonly project: ProjectRef
  readonly key: string
  readonly clock: Clock
  readonly outbox: Outbox
  readonly metrics: HubMetrics
  readonly tabs = new TabRegistry()
  options: ResolvedHubOptions
  #o: SocketHubOptions
  #conn: ConnectionState
  #connection: Connection
  #auth = new TokenState()
  #channels: ChannelRegistry
  #link: LinkHealth
  #alerts: AlertMonitor
  #pacers: { join: Pacer; events: Pacer }
  #presenceKey: string
  #retryTimer: Timeout
  #stableTimer: Timeout
  #expiryTimer: Timeout
  #refusedInRow = 0

  constructor(o: SocketHubOptions) {
    this.#o = o
    this.project = o.project
    this.key = projectKey(o.project)
    this.clock = o.clock
    this.options = o.options
    const now = o.clock.now()
    this.#conn = initialConnectionState(now)
    this.#retryTimer = new Timeout(o.clock)
    this.#stableTimer = new Timeout(o.clock)
    this.#expiryTimer = new Timeout(o.clock)
    this.#pacers = { join: new Pacer(o.options.limits.joinsPerSecond, now), events: new Pacer(o.options.limits.eventsPerSecond, now) }
    this.#presenceKey = o.uuid()
    this.metrics = new HubMetrics(o.clock)
    this.#link = new LinkHealth(this.metrics)
    this.#alerts = new AlertMonitor(o.clock, () => this.#alertSample(), (alert) => this.tabs.pushAll({ type: 'hub/alert', alert }))
    this.#connection = new Connection({
      project: o.project,
      clock: o.clock,
      transport: o.transport,
      log: o.log,
      timings: () => this.options,
      token: () => this.#auth.token,
      onOpen: () => {
        this.dispatch({ type: 'opened' })
        this.#ping()
      },
      onClose: (event) => this.#onSocketClose(event),
      onHeartbeat: (status, latency) => this.#onHeartbeat(status, latency),
      onBytes: (direction, bytes) => this.metrics.count(direction === 'in' ? 'bytesIn' : 'bytesOut', bytes),
    })
    this.#channels = new ChannelRegistry(
      (topic, onClosed) => this.#groupDeps(topic, onClosed),
      () => {
        this.#reconcile()
        o.onChange()
      },
    )
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

  /** What every channel group is given: the narrow seam between a topic and its socket. */
  #groupDeps(topic: string, onClosed: () => void): ChannelGroupDeps {
    const o = this.#o
    return {
      clock: o.clock,
      metrics: this.metrics,
      pacers: this.#pacers,
      outbox: createTopicOutbox(this.outbox, { project: this.key, topic, user: () => this.#auth.user, now: () => o.clock.now() }),
      presenceKey: this.#presenceKey,
      options: () => this.options,
      socket: () => (this.#connection.client ? this.#connection : null),
      canJoin: () => this.#auth.known && this.#connection.authorized && (this.#conn.status === 'connecting' || this.#conn.status === 'connected'),
      connected: () => this.#conn.status === 'connected' && this.#connection.isOpen(),
      backoff: (attempt, rateLimited) => (rateLimited ? rateLimitDelay(this.options.backoff, o.random) : backoffDelay(attempt, this.options.backoff, o.random)),
      auth: { token: () => this.#auth.token, refresh: (reason) => this.tabs.requestToken(reason) },
      onError: (error) => this.#recordError(error),
      onChange: () => o.onChange(),
      onClosed,
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async start(): Promise<void> {
    await this.outbox.load()
    this.#ensureOutboxGroups()
  }

  get state(): ConnectionState {
    return this.#conn
  }

  get client() {
    return this.#connection.client
  }

  dispatch(event: ConnectionEvent): void {
    const { clock } = this.#o
    const prev = this.#conn
    const next = transition(prev, event, clock.now(), this.options, this.#o.random)
    if (next === prev) return
    this.#conn = next
    this.#o.log?.('hub', `${prev.status} → ${next.status} (${next.reason})`)
    const restart = next.status === 'connecting' && (prev.status !== 'connecting' || next.attempt !== prev.attempt)
    if (next.status !== 'connected') this.#stableTimer.clear()
    if (next.status !== 'reconnecting' && next.status !== 'circuit-open') this.#retryTimer.clear()
    if (restart) this.#openClient()
    else if (next.status !== 'connecting' && next.status !== 'connected') this.#closeClient(next.reason)
    if (next.status === 'connected' && prev.status !== 'connected') {
      this.#link.openedAt = clock.now()
      this.metrics.count('connects')
      this.#stableTimer.set(this.options.backoff.stableAfterMs, () => this.dispatch({ type: 'stable' }))
    }
    if ((next.status === 'reconnecting' || next.status === 'circuit-open') && next.retryAt !== null) {
      if (next.status === 'reconnecting') this.metrics.count('reconnects')
      this.#retryTimer.set(next.retryAt - clock.now(), () => this.dispatch({ type: 'retry-due' }))
    }
    this.#o.onChange(next.status !== prev.status)
  }

  /** Starts or stops the socket depending on whether anything needs it. */
  #reconcile(): void {
    const needed = this.#channels.wantedCount() > 0
    const status = this.#conn.status
    if (needed && status === 'idle') this.dispatch({ type: 'start' })
    if (!needed && status !== 'idle' && status !== 'paused' && status !== 'closed') this.dispatch({ type: 'stop' })
  }

  #openClient(): void {
    this.#closeClient('replaced by a new attempt')
    this.#connection.connect()
    this.metrics.count('socketsOpened')
    void this.#joinAll()
  }

  /** Every group hears the loss first; then the generation and its channel instances go. */
  #closeClient(reason: string): void {
    if (!this.#connection.client) return
    this.#link.openedAt = null
    this.#channels.lostAll(reason, true)
    this.#connection.close(reason)
  }

  /** Joins every wanted topic once the current client holds the token (never token-less, §15.1). */
  async #joinAll(): Promise<void> {
    if (!this.#connection.client || !this.#auth.known) return
    if (await this.#connection.authorize()) this.#channels.joinAll()
  }

  #onSocketClose({ opened, code, reason: why }: { opened: boolean; code: number; reason?: string }): void {
    const reason = opened ? `socket closed: ${code}${why ? ` (${why})` : ''}` : `connection refused (${code})`
    const rateLimited = this.#channels.rateLimited()
    this.#refusedInRow = opened ? 0 : this.#refusedInRow + 1
    this.#recordError(errorPayload('connection-lost', reason, true))
    this.#channels.lostAll(reason)
    this.dispatch({ type: 'closed', reason, rateLimited })
    if (this.#refusedInRow === PROBE_AFTER_REFUSALS) void this.#probeApiKey()
  }

  async #probeApiKey(): Promise<void> {
    const refused = await probeApiKey(this.project)
    if (!refused) return
    this.#recordError(refused)
    this.dispatch({ type: 'fatal', reason: refused.message })
  }

  #onHeartbeat(status: string, latency?: number): void {
    if (status === 'ok' && typeof latency === 'number') {
      this.#link.recordLatency(latency)
      this.#o.onChange()
    } else if (status === 'timeout' || status === 'error') {
      this.#recordError(errorPayload('timeout', `heartbeat ${status}`, true))
    } else if (status === 'sent') {
      this.metrics.count('heartbeats')
      this.tabs.requestToken('heartbeat')
    }
  }

  #ping(): void {
    this.#connection.ping(
      (rtt) => {
        this.#link.recordLatency(rtt)
        this.#o.onChange()
      },
      () => {
        if (this.#conn.status !== 'connected') return
        this.#recordError(errorPayload('timeout', 'ping timed out', true))
        this.#channels.lostAll('ping timeout')
        this.dispatch({ type: 'closed', reason: 'ping timed out' })
      },
    )
  }

  // ---- tabs and subscriptions ------------------------------------------------------------

  attachTab(tab: TabSession): void {
    this.tabs.add(tab)
    this.#o.onChange()
  }

  detachTab(tab: TabSession): void {
    this.tabs.delete(tab)
    for (const subscriptionId of [...tab.subscriptions]) this.removeSubscription(subscriptionId)
    this.#o.onChange()
  }

  subscribe(tab: TabSession, request: SubscribeRequest): RealtimeErrorPayload | null {
    let group = this.#channels.get(request.topic)
    if (!group) {
      const joined = this.#channels.wantedCount()
      const max = this.options.limits.maxChannels
      if (joined >= max) return errorPayload('rate-limited', `channel limit reached: this socket already has ${joined} channels (limits.maxChannels = ${max})`)
      group = this.#channels.open(request.topic)
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
    this.tabs.forgetSubscription(subscriptionId)
    this.#o.onChange()
  }

  groupOf(subscriptionId: string): ChannelGroup | undefined {
    return this.#channels.groupOf(subscriptionId)
  }

  groups(): Iterable<ChannelGroup> {
    return this.#channels
  }

  async send(subscriptionId: string, message: BroadcastMessage, options: SendOptions): Promise<SendStatus | RealtimeErrorPayload> {
    const group = this.groupOf(subscriptionId)
    if (!group) return errorPayload('invalid-argument', `unknown subscription ${subscriptionId}; subscribe() first`)
    return group.send(subscriptionId, message, options)
  }

  /** Joins topics that only the outbox needs, so queued messages go out even with no tab subscribed. */
  #ensureOutboxGroups(): void {
    for (const [topic, isPrivate] of this.outbox.topics(this.#auth.user)) this.#channels.open(topic, isPrivate)
    this.#reconcile()
    void this.#joinAll()
  }

  /** Expiry is a timer at the earliest `expiresAt`, never a side effect of reading the outbox. */
  #armExpiry(): void {
    const next = this.outbox.nextExpiry()
    if (next === null) return this.#expiryTimer.clear()
    this.#expiryTimer.set(next - this.#o.clock.now(), () => this.outbox.expire())
  }

  // ---- auth ------------------------------------------------------------------------------

  /** A tab's hello: learn its token, or wait for its callback's answer before joining. */
  noteTabAuth(token: string | null, pending: boolean): void {
    if (this.#auth.known) return
    if (pending) this.tabs.requestToken('hello')
    else this.setAuth(token)
  }

  setAuth(token: string | null): void {
    const { changed, userChanged, wasKnown } = this.#auth.set(token)
    if (wasKnown && userChanged && this.options.outbox.discardOnSignOut) this.outbox.discardOtherUsers(this.#auth.user)
    if (changed) {
      this.#channels.tokenChanged()
      if (userChanged) this.#ensureOutboxGroups()
      // setAuth() on the client pushes the token to joined channels; then waiting channels join with it.
      else void this.#joinAll()
    }
    this.#o.onChange()
  }

  // ---- controls and health -----------------------------------------------------------------

  configure(options: ResolvedHubOptions): void {
    const retimed = options.heartbeatIntervalMs !== this.options.heartbeatIntervalMs || options.timeoutMs !== this.options.timeoutMs
    this.options = options
    this.#pacers.join.perSecond = options.limits.joinsPerSecond
    this.#pacers.events.perSecond = options.limits.eventsPerSecond
    this.outbox.maxSize = options.outbox.maxSize
    if (retimed) this.#connection.retime()
    this.#o.onChange()
  }

  hint(hint: { online?: boolean; visible?: boolean }, tab: TabSession): void {
    if (hint.online !== undefined) {
      tab.online = hint.online
      this.dispatch({ type: 'network', online: this.tabs.anyOnline() })
    }
    if (hint.visible !== undefined) {
      const wasHiddenEverywhere = this.tabs.allHiddenBut(tab) && !tab.visible
      tab.setVisible(hint.visible)
      // The first tab to come back after everything was hidden verifies the link at once.
      if (hint.visible && wasHiddenEverywhere && this.#conn.status === 'connected') this.#ping()
    }
  }

  #recordError(error: RealtimeErrorPayload): void {
    this.#link.recordError(error)
    this.#o.onChange()
  }

  health(): HealthSnapshot {
    const { clock, epoch } = this.#o
    return healthSnapshot({ clock, connection: this.#conn, link: this.#link, groups: this.#channels, tabCount: this.tabs.size, outbox: this.outbox.health(), epoch, options: this.options })
  }

  performanceMetrics(): PerformanceMetrics {
    return performanceMetricsOf(this)
  }

  /** Diagnostics with what to do about each (issue 6). */
  findings(): Finding[] {
    return findingsOf(this)
  }

  setAlertRules(rules: AlertRule[]): void {
    this.#alerts.setRules(rules)
  }

  #alertSample() {
    const now = this.#o.clock.now()
    const { status, since } = this.#conn
    return {
      latency: this.#link.latency ?? 0,
      errorRate: this.metrics.perMinute('errors'),
      outboxSize: this.outbox.size,
      reconnects: this.metrics.perMinute('reconnects'),
      disconnected: status === 'connected' || status === 'idle' ? 0 : now - since,
    }
  }

  close(): void {
    this.dispatch({ type: 'dispose' })
    this.#closeClient('hub closed')
    this.#channels.dispose()
    this.#retryTimer.clear()
    this.#stableTimer.clear()
    this.#expiryTimer.clear()
    this.#alerts.close()
  }
}
