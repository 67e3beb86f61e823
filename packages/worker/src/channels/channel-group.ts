/**
 * One topic on the shared socket: the tab subscriptions to it and the one server channel that serves
 * them all, joined with the union of their bindings (join-spec.ts, server-channel.ts). The join state
 * is a pure reducer (join-state.ts) whose effects run here; fan-out is computed by router.ts; sends
 * and the outbox flush are publisher.ts; presence is merged-presence.ts; the subscribers are
 * subscriptions.ts. The group knows its owner only through the narrow `ChannelGroupDeps` it is given.
 */
import type { RealtimeChannel } from '@supabase/realtime-js'
import { Timeout } from '../clock.ts'
import type { ChannelGroupDeps } from './channel-deps.ts'
import type { TabSession } from '../tabs/tab-session.ts'
import { classifyServerReason, describeReason, type ClassifiedReason } from '../reasons.ts'
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import type { EncodedPayload } from '../protocol/delivery-port.ts'
import type { BindingSpec, BroadcastMessage, SendOptions, SendStatus, SubscribeRequest, SubscribeStatus } from '../protocol/wire.ts'
import { MergedPresence } from './merged-presence.ts'
import { joinCovers, matchingBindingIds, mergeJoinSpec, type JoinSpec } from './join-spec.ts'
import { canJoin, initialJoinState, isLive, isTroubled, joinTransition, rejoinAfter, type JoinEvent, type JoinState, type JoinStatus } from './join-state.ts'
import { countedDeliveries, routeEcho, routeServerEvent, type Delivery, type RoutedType } from './router.ts'
import { Subscriptions, type Subscription } from './subscriptions.ts'
import { openServerChannel } from './server-channel.ts'
import { encodePayload } from './payload-codec.ts'
import { Publisher } from './publisher.ts'
import { Recovery } from './recovery.ts'

export class ChannelGroup {
  readonly topic: string
  #deps: ChannelGroupDeps
  #subs: Subscriptions
  #instance: RealtimeChannel | null = null
  #spec: JoinSpec | null = null
  #join: JoinState = initialJoinState
  #retry: Timeout
  #leave: Timeout
  #lostAt: number | null = null
  #lastSystemError: string | null = null
  #presence: MergedPresence
  #publisher: Publisher
  #recovery: Recovery
  #disposed = false

  constructor(deps: ChannelGroupDeps, topic: string, isPrivate: boolean | null = null) {
    this.#deps = deps
    this.topic = topic
    this.#subs = new Subscriptions(isPrivate)
    this.#retry = new Timeout(deps.clock)
    this.#leave = new Timeout(deps.clock)
    this.#presence = new MergedPresence(deps.clock)
    this.#publisher = new Publisher({
      topic,
      clock: deps.clock,
      metrics: deps.metrics,
      eventPacer: deps.pacers.events,
      outbox: deps.outbox,
      options: () => deps.options(),
      channel: () => this.#instance,
      canPush: () => this.#canPush(),
      isPrivate: () => this.#subs.isPrivate,
      echo: (sender, event, payload) => this.#deliver('broadcast', routeEcho(this.#subs, sender, event), payload),
      onError: (error) => deps.onError(error),
      drained: () => {
        if (this.#subs.size === 0 && !this.#leave.pending) this.#scheduleLeave()
      },
    })
    this.#recovery = new Recovery({
      clock: deps.clock,
      subscriptions: () => this.#subs,
      deliver: (deliveries, payload) => this.#deliver('broadcast', deliveries, payload),
      hasPostgres: () => (this.#spec?.postgres.length ?? 0) > 0,
    })
  }

  // ---- reads ---------------------------------------------------------------------------

  get size(): number {
    return this.#subs.size
  }

  get state(): JoinStatus {
    return this.#join.status
  }

  get isJoined(): boolean {
    return this.#join.status === 'joined'
  }

  /** The group has failed or waits for something other than time (a token). */
  get troubled(): boolean {
    return isTroubled(this.#join.status)
  }

  /** Why the server last refused the join (null after a successful one). */
  get lastRefusal(): ClassifiedReason | null {
    return this.#join.refusal
  }

  /** A server channel is wanted: tabs subscribe, or queued messages wait for this topic. */
  get wanted(): boolean {
    return this.#subs.size > 0 || this.#leave.pending || this.#deps.outbox.hasPending()
  }

  has(subscriptionId: string): boolean {
    return this.#subs.has(subscriptionId)
  }

  // ---- membership ----------------------------------------------------------------------

  conflictWith(request: SubscribeRequest): RealtimeErrorPayload | null {
    return this.#subs.conflictWith(request)
  }

  add(tab: TabSession, request: SubscribeRequest): void {
    this.#leave.clear()
    this.#subs.add(tab, request)
    if (request.resume) this.#recovery.resume(request.subscriptionId, request.resume)
    this.#dispatch({ type: 'subscriber' })
    if (!isLive(this.#join.status)) return
    if (this.#spec && joinCovers(this.#spec, this.#desiredSpec())) {
      // Already joined with everything this subscription needs: it is live at once (or with the pending join).
      if (this.isJoined) {
        tab.push({ type: 'channel/status', subscriptionId: request.subscriptionId, status: 'SUBSCRIBED' })
        this.#pushPresenceState(request.subscriptionId)
        this.#recovery.settleIdle()
      }
      return
    }
    // A binding the join does not carry yet: rejoin with the union; existing subscribers may miss events.
    if (this.isJoined) this.#markLost()
    this.#retire(false)
  }

  addBindings(subscriptionId: string, bindings: BindingSpec[]): void {
    this.#subs.get(subscriptionId)?.bindings.push(...bindings)
  }

  remove(subscriptionId: string): void {
    if (!this.#subs.delete(subscriptionId)) return
    this.#recovery.forget(subscriptionId)
    if (this.#presence.delete(subscriptionId)) this.#applyPresence()
    if (this.#subs.size === 0) this.#scheduleLeave()
  }

  #scheduleLeave(): void {
    this.#leave.set(this.#deps.options().leaveGraceMs, () => this.#leaveNow())
  }

  #leaveNow(): void {
    if (this.#subs.size > 0) return
    if (this.#deps.outbox.hasPending() && this.#join.status !== 'failed') return
    this.#retire(true)
    this.#dispatch({ type: 'left' })
    this.dispose()
    this.#deps.onClosed()
  }

  #desiredSpec(): JoinSpec {
    return mergeJoinSpec(this.#subs.shapes(), this.#deps.presenceKey)
  }

  // ---- join ----------------------------------------------------------------------------

  #dispatch(event: JoinEvent): void {
    this.#join = joinTransition(this.#join, event)
  }

  /** Creates and subscribes a server channel if the socket and the token allow it. */
  join(): void {
    const deps = this.#deps
    if (this.#disposed || !canJoin(this.#join.status) || this.#retry.pending || !this.wanted) return
    const socket = deps.socket()
    if (!socket || !deps.canJoin()) return
    const wait = deps.pacers.join.take(deps.clock.now())
    if (wait > 0) return this.#retry.set(wait, () => this.join())
    const desired = this.#desiredSpec()
    // After an outage the hub's own replay replaces the app's (issue #15): private broadcast listeners only.
    const replay = this.#recovery.replay(desired.private && [...this.#subs].some((s) => s.bindings.some((b) => b.type === 'broadcast')))
    const spec = replay ? { ...desired, replay } : desired
    const channel = openServerChannel(socket, this.topic, spec, {
      event: (from, type, event, payload, postgresKey) => from === this.#instance && this.#route(type, event, payload, postgresKey),
      systemError: (from, message) => {
        if (from === this.#instance) this.#lastSystemError = message
      },
    })
    const mine = () => this.#instance === channel
    this.#instance = channel
    this.#spec = spec
    this.#dispatch({ type: 'join' })
    this.#lastSystemError = null
    deps.metrics.count('joins')
    channel.subscribe((status, error) => mine() && this.#onStatus(status as SubscribeStatus, error), deps.options().timeoutMs)
  }

  #onStatus(status: SubscribeStatus, error?: Error): void {
    const deps = this.#deps
    if (status === 'SUBSCRIBED') return this.#joined()
    const wasJoining = this.#join.status === 'joining'
    this.#markLost()
    if (status === 'CHANNEL_ERROR' && wasJoining && error?.cause && typeof error.cause === 'object' && !('code' in error.cause)) {
      // The server refused the join: `{reason: "Code: message"}`.
      const reason = classifyServerReason(describeReason(error.cause))
      if (!this.#recovery.replayRefused(reason.message)) return this.#refused(reason)
      // The replay the hub added failed on the server: rejoin without it rather than fail the channel.
      this.#retire(false)
      return this.#rejoinLater({ type: 'errored' })
    }
    // Unrequested phx_close: the system message before it says why (token expiry, rate limits).
    if (status === 'CLOSED') return this.#refused(classifyServerReason(this.#lastSystemError ?? 'channel closed by the server'))
    // The socket is gone: the hub reports it (onClose) and rejoins everything on the next socket.
    if (!deps.socket()?.isOpen()) return this.lost(describeReason(error ?? 'connection lost'))
    const message = status === 'TIMED_OUT' ? 'join timed out' : describeReason(error)
    this.#subs.tellAll(status, errorPayload(status === 'TIMED_OUT' ? 'timeout' : 'connection-lost', message, true))
    this.#retire(false)
    this.#rejoinLater({ type: 'errored' })
  }

  #joined(): void {
    this.#dispatch({ type: 'joined' })
    this.#subs.tellAll('SUBSCRIBED')
    // Subscribers that arrived during the outage are owed a notice too; the replay (if any) comes next.
    if (this.#lostAt !== null) this.#recovery.outage(this.#lostAt)
    this.#lostAt = null
    this.#recovery.joined(this.#deps.clock.now(), this.#spec?.private === true)
    this.#presence.forgetApplied()
    this.#applyPresence()
    this.#publisher.flush()
    this.#deps.onChange()
  }

  #refused(reason: ClassifiedReason): void {
    const error = errorPayload(reason.code, reason.message, reason.retry !== 'never', reason.message)
    this.#deps.onError(error)
    this.#subs.tellAll('CHANNEL_ERROR', error)
    this.#retire(false)
    this.#rejoinLater({ type: 'refused', reason, token: this.#deps.auth.token() })
    // Ask the tabs for a fresh token; if none comes (no tab has a token callback), the rejoin timer retries.
    if (reason.retry === 'refresh-token') this.#deps.auth.refresh('token expired')
  }

  /** Dispatches a failure, then arms the rejoin backoff the new state asks for. */
  #rejoinLater(event: JoinEvent): void {
    this.#dispatch(event)
    const rejoin = rejoinAfter(event)
    if (!rejoin) return
    this.#retry.set(this.#deps.backoff(this.#join.attempt, rejoin.rateLimited), () => {
      this.#dispatch({ type: 'retry' })
      this.join()
    })
  }

  /** A new token arrived: channels waiting for one rejoin; a refused (unauthorized) one tries again. */
  tokenChanged(): void {
    const before = this.#join
    this.#dispatch({ type: 'token', token: this.#deps.auth.token() })
    // The join itself waits for the client to hold the new token (the socket hub's joinAll).
    if (this.#join !== before) this.#retry.clear()
  }

  /** A stalled tab caught up: fill what it missed since `since` from the log (false: it gets the plain notice). */
  caughtUp(subscriptionId: string, since: number): boolean {
    return this.#subs.has(subscriptionId) && this.#recovery.stalled(subscriptionId, since, this.isJoined)
  }

  /** The socket went away: every subscriber hears CHANNEL_ERROR, as a direct supabase-js subscriber would. */
  lost(reason: string): void {
    if (isLive(this.#join.status)) {
      this.#markLost()
      this.#subs.tellAll('CHANNEL_ERROR', errorPayload('connection-lost', reason, true))
    }
    this.#dispatch({ type: 'lost' })
    this.#publisher.abandon()
    this.#recovery.interrupt()
  }

  /** The client generation is gone; its channel instances with it. */
  detach(): void {
    this.#publisher.abandon()
    this.#recovery.interrupt()
    this.#instance = null
    this.#retry.clear()
    this.#dispatch({ type: 'detach' })
  }

  /** The channel stopped receiving now: every subscriber is owed a catch-up once it is back. */
  #markLost(): void {
    if (this.#lostAt !== null) return
    this.#lostAt = this.#deps.clock.now()
    this.#recovery.outage(this.#lostAt)
  }

  /** Stops using the current server channel; with `leave`, tells the server (phx_leave). */
  #retire(leave: boolean): void {
    this.#publisher.abandon()
    this.#recovery.interrupt()
    const channel = this.#instance
    this.#instance = null
    this.#spec = null
    this.#dispatch({ type: 'retire' })
    const socket = this.#deps.socket()
    if (!channel || !socket) return
    if (leave && (channel.state === 'joined' || channel.state === 'joining')) void channel.unsubscribe()
    socket.remove(channel)
    if (!leave) queueMicrotask(() => this.join())
  }

  // ---- routing -------------------------------------------------------------------------

  #route(type: RoutedType, event: string | undefined, payload: unknown, postgresKey?: string): void {
    const counters = this.#deps.metrics.channel(this.topic)
    counters.messagesIn++
    this.#deps.metrics.count('messagesIn')
    const meta = (payload as { meta?: { id?: unknown; replayed?: boolean } } | null)?.meta
    let encoded: EncodedPayload | undefined
    if (type === 'broadcast' && typeof meta?.id === 'string' && this.#spec?.private) {
      encoded = encodePayload(payload)
      const now = this.#deps.clock.now()
      if (!this.#recovery.accept({ id: meta.id, event, payload: encoded, at: now }, meta.replayed === true, now)) return
    }
    const deliveries = routeServerEvent(this.#subs, type, event, postgresKey)
    if (deliveries.length === 0) return
    const presence = type === 'presence' ? this.#presenceState() : undefined
    this.#deliver(type, deliveries, encoded ?? encodePayload(payload), presence)
  }

  /** Pushes one routed event to each delivery's tab; the payload was encoded once for all of them. */
  #deliver(type: RoutedType, deliveries: readonly Delivery<Subscription>[], payload: EncodedPayload, presence?: Record<string, unknown[]>): void {
    for (const { to, bindingIds } of deliveries) {
      to.tab.push(presence ? { type: 'channel/event', subscriptionId: to.id, bindingIds, payload, presence } : { type: 'channel/event', subscriptionId: to.id, bindingIds, payload })
    }
    const counted = countedDeliveries(type, deliveries)
    this.#deps.metrics.channel(this.topic).deliveries += counted
    this.#deps.metrics.count('deliveries', counted)
  }

  #presenceState(): Record<string, unknown[]> {
    return (this.#instance?.presenceState() ?? {}) as Record<string, unknown[]>
  }

  #pushPresenceState(subscriptionId: string): void {
    const sub = this.#subs.get(subscriptionId)
    if (!sub || !this.#spec?.presenceEnabled) return
    // A direct supabase-js subscriber gets a `sync` after its join's presence_state: so does a late one here.
    const bindingIds = matchingBindingIds(sub.bindings, 'presence', 'sync')
    sub.tab.push({ type: 'channel/event', subscriptionId, bindingIds, payload: encodePayload({ event: 'sync' }), presence: this.#presenceState() })
  }

  // ---- presence and sends --------------------------------------------------------------

  track(subscriptionId: string, payload: Record<string, unknown>): SendStatus {
    this.#presence.set(subscriptionId, payload)
    this.#applyPresence()
    return this.isJoined ? 'ok' : 'queued'
  }

  untrack(subscriptionId: string): SendStatus {
    this.#presence.delete(subscriptionId)
    this.#applyPresence()
    return this.isJoined ? 'ok' : 'queued'
  }

  #applyPresence(): void {
    this.#presence.apply(this.isJoined ? this.#instance : null, () => this.#applyPresence())
  }

  send(subscriptionId: string, message: BroadcastMessage, options: SendOptions): Promise<SendStatus | RealtimeErrorPayload> {
    return this.#publisher.send(subscriptionId, message, options)
  }

  /** Sends what the outbox holds for the topic now (it changed without a send from here). */
  flush(): void {
    this.#publisher.flush()
  }

  #canPush(): boolean {
    return this.isJoined && this.#instance !== null && this.#deps.connected()
  }

  dispose(): void {
    this.#disposed = true
    this.#publisher.dispose()
    this.#retry.clear()
    this.#leave.clear()
    this.#presence.dispose()
    this.#recovery.dispose()
  }
}
