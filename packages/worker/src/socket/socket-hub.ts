/**
 * The one Realtime socket of a project, shared by every tab: the owner that wires the parts together.
 * It owns the link (socket-link.ts: the connection state machine and the client generations), the
 * token (auth/), the tabs (tabs/), the topics (channels/), the outbox (outbox/) and health (health/),
 * and answers the hub's calls by delegating to them.
 */
import { Timeout, type Clock, type Random } from '../clock.ts'
import { backoffDelay, rateLimitDelay } from './backoff.ts'
import type { ConnectionEvent, ConnectionState } from './connection-state.ts'
import { SocketLink } from './socket-link.ts'
import { TokenState } from '../auth/token-state.ts'
import { ChannelRegistry } from '../channels/channel-registry.ts'
import type { ChannelGroup } from '../channels/channel-group.ts'
import type { ChannelGroupDeps } from '../channels/channel-deps.ts'
import { Pacer } from '../channels/pacer.ts'
import { Outbox } from '../outbox/outbox.ts'
import type { OutboxStore } from '../outbox/outbox-entry.ts'
import { createTopicOutbox } from '../outbox/topic-outbox.ts'
import { OutboxOwnership } from '../outbox/outbox-ownership.ts'
import { soleOwner, type OwnerLock } from '../outbox/owner-lock.ts'
import { silentOutboxSignal, type OutboxSignal } from '../outbox/outbox-signal.ts'
import { TabRegistry } from '../tabs/tab-registry.ts'
import type { TabSession } from '../tabs/tab-session.ts'
import { HubMetrics } from '../health/metrics.ts'
import { AlertMonitor, alertSampleOf } from '../health/alert-monitor.ts'
import type { AlertSample } from '../health/alerts.ts'
import { LinkHealth, healthSnapshot } from '../health/snapshot.ts'
import { diagnosticFactsOf, performanceMetricsOf } from '../health/diagnostics.ts'
import { projectKey } from '../protocol/names.ts'
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import type { HealthSnapshot } from '../protocol/health.ts'
import type { ResolvedHubOptions } from '../protocol/options.ts'
import type { AlertRule, DiagnosticFacts, PerformanceMetrics } from '../protocol/metrics.ts'
import type { BindingSpec, BroadcastMessage, ProjectRef, SendOptions, SendStatus, SubscribeRequest } from '../protocol/wire.ts'

export interface SocketHubOptions {
  project: ProjectRef
  options: ResolvedHubOptions
  epoch: string
  clock: Clock
  random: Random
  store: OutboxStore
  /** Who owns the (shared) stored outbox, and how hubs tell each other about it; one hub alone by default. */
  ownerLock?: OwnerLock
  outboxSignal?: OutboxSignal
  /** A WebSocket constructor for runtimes without a global one (Node tests). */
  transport?: unknown
  uuid: () => string
  /** Health changed; `urgent` for connection state transitions, which every tab must see, none coalesced. */
  onChange: (urgent?: boolean) => void
  /** Adaptive batching is engaged (health's `deliveryBatching`). */
  batching?: () => boolean
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
  #link: SocketLink
  #auth = new TokenState()
  #channels: ChannelRegistry
  #linkHealth: LinkHealth
  #alerts: AlertMonitor
  #pacers: { join: Pacer; events: Pacer }
  #presenceKey: string
  #expiryTimer: Timeout
  #ownership: OutboxOwnership

  constructor(o: SocketHubOptions) {
    this.#o = o
    this.project = o.project
    this.key = projectKey(o.project)
    this.clock = o.clock
    this.options = o.options
    const now = o.clock.now()
    this.#expiryTimer = new Timeout(o.clock)
    this.#pacers = { join: new Pacer(o.options.limits.joinsPerSecond, now), events: new Pacer(o.options.limits.eventsPerSecond, now) }
    this.#presenceKey = o.uuid()
    this.metrics = new HubMetrics(o.clock)
    this.#linkHealth = new LinkHealth(this.metrics)
    this.#alerts = new AlertMonitor(o.clock, () => this.#alertSample(), (alert) => this.tabs.pushAll({ type: 'hub/alert', alert }))
    this.#link = new SocketLink({
      project: o.project,
      clock: o.clock,
      random: o.random,
      transport: o.transport,
      log: o.log,
      options: () => this.options,
      auth: { token: () => this.#auth.token, known: () => this.#auth.known, refresh: (reason) => this.tabs.requestToken(reason) },
      metrics: this.metrics,
      health: this.#linkHealth,
      channels: {
        lostAll: (reason, detach) => this.#channels.lostAll(reason, detach),
        joinAll: () => this.#channels.joinAll(),
        rateLimited: () => this.#channels.rateLimited(),
      },
      onError: (error) => this.#recordError(error),
      onChange: (urgent) => o.onChange(urgent),
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
      onStored: (entry) => this.#ownership.stored(entry),
      onRemoved: (ids) => this.#ownership.removed(ids),
    })
    this.#ownership = new OutboxOwnership(this.outbox, {
      project: this.key,
      epoch: o.epoch,
      lock: o.ownerLock ?? soleOwner,
      signal: o.outboxSignal ?? silentOutboxSignal(),
      changed: () => {
        this.#ensureOutboxGroups()
        this.#channels.flushAll()
        o.onChange()
      },
    })
  }

  /** What every channel group is given: the narrow seam between a topic and its socket. */
  #groupDeps(topic: string, onClosed: () => void): ChannelGroupDeps {
    const o = this.#o
    return {
      clock: o.clock,
      metrics: this.metrics,
      pacers: this.#pacers,
      outbox: createTopicOutbox(this.outbox, { project: this.key, topic, hub: o.epoch, user: () => this.#auth.user, now: () => o.clock.now() }),
      presenceKey: this.#presenceKey,
      options: () => this.options,
      socket: () => this.#link.socket(),
      canJoin: () => this.#link.canJoin(),
      connected: () => this.#link.connected(),
      backoff: (attempt, rateLimited) => (rateLimited ? rateLimitDelay(this.options.backoff, o.random) : backoffDelay(attempt, this.options.backoff, o.random)),
      auth: { token: () => this.#auth.token, refresh: (reason) => this.tabs.requestToken(reason) },
      onError: (error) => this.#recordError(error),
      onChange: () => o.onChange(),
      onClosed,
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async start(): Promise<void> {
    await this.#ownership.start()
    this.#ensureOutboxGroups()
  }

  get state(): ConnectionState {
    return this.#link.state
  }

  get client() {
    return this.#link.client
  }

  dispatch(event: ConnectionEvent): void {
    this.#link.dispatch(event)
  }

  #reconcile(): void {
    this.#link.reconcile(this.#channels.wantedCount() > 0)
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
    void this.#link.joinAll()
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
      else void this.#link.joinAll()
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
    if (retimed) this.#link.retime()
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
      if (hint.visible && wasHiddenEverywhere && this.state.status === 'connected') this.#link.ping()
    }
  }

  #recordError(error: RealtimeErrorPayload): void {
    this.#linkHealth.recordError(error)
    this.#o.onChange()
  }

  health(): HealthSnapshot {
    const { clock, epoch } = this.#o
    return healthSnapshot({ clock, connection: this.state, link: this.#linkHealth, groups: this.#channels, tabCount: this.tabs.size, outbox: this.outbox.health(), epoch, options: this.options, deliveryBatching: this.#o.batching?.() ?? false })
  }

  performanceMetrics(): PerformanceMetrics {
    return performanceMetricsOf(this)
  }

  /** What `healthCheck()` reports, as facts (the tab words them). */
  diagnosticFacts(): DiagnosticFacts {
    return diagnosticFactsOf(this)
  }

  setAlertRules(rules: AlertRule[]): void {
    this.#alerts.setRules(rules)
  }

  #alertSample(): AlertSample {
    const { clock } = this.#o
    return alertSampleOf({ now: clock.now(), connection: this.state, latency: this.#linkHealth.latency, metrics: this.metrics, outboxSize: this.outbox.size })
  }

  /** A newer hub runs in this browser: it takes over the stored outbox; this one only appends from now on. */
  handOverOutbox(): void {
    this.#ownership.handOver()
  }

  close(): void {
    this.#ownership.close()
    this.#link.close()
    this.#channels.dispose()
    this.#expiryTimer.clear()
    this.#alerts.close()
  }
}
