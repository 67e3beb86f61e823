/**
 * One topic on the shared socket: the tab subscriptions to it, the one server channel that serves
 * them all (joined with the union of their bindings), the routing of its events to exactly the
 * matching subscriptions, merged presence, and the outbox flush for the topic.
 */
import type { RealtimeChannel } from '@supabase/realtime-js'
import { phoenixChannelOf, phoenixSocketOf } from './realtime-internals.ts'
import { Timeout } from './clock.ts'
import { MergedPresence } from './merged-presence.ts'
import { channelConfigOf, joinCovers, matchingBindingIds, mergeJoinSpec, postgresFilterKey, type JoinSpec } from './join-spec.ts'
import { classifyServerReason, describeReason, errorPayload, type ClassifiedReason, type RealtimeErrorPayload } from './protocol/errors.ts'
import { MESSAGE_ID_FIELD } from './protocol/wire.ts'
import { encodePayload, type EncodedPayload } from './protocol/delivery.ts'
import type { BindingSpec, BroadcastMessage, SendOptions, SendStatus, SubscribeRequest, SubscribeStatus } from './protocol/wire.ts'
import type { OutboxEntry } from './outbox.ts'
import { OutboxDrain, PushTracker, type PushStatus } from './outbox-drain.ts'
import type { SocketHub } from './socket-hub.ts'
import type { TabSession } from './tab-session.ts'

interface Subscription {
  id: string
  tab: TabSession
  request: SubscribeRequest
  bindings: BindingSpec[]
}

type GroupState = 'closed' | 'joining' | 'joined' | 'errored' | 'failed' | 'waiting-token'


export class ChannelGroup {
  readonly topic: string
  #hub: SocketHub
  #subs = new Map<string, Subscription>()
  #instance: RealtimeChannel | null = null
  #spec: JoinSpec | null = null
  #state: GroupState = 'closed'
  #private: boolean | null
  #attempt = 0
  #retry: Timeout
  #leave: Timeout
  #lostAt: number | null = null
  #lastSystemError: string | null = null
  lastRefusal: ClassifiedReason | null = null
  #presence: MergedPresence
  /** Pushes on the current server channel, each with its own deadline; abandoned when it is torn down. */
  #pushes: PushTracker
  #drain: OutboxDrain
  /** Entries already echoed to this worker's tabs (an entry is echoed once, however often it is resent). */
  #echoed = new WeakSet<OutboxEntry>()
  #disposed = false

  constructor(hub: SocketHub, topic: string, isPrivate: boolean | null = null) {
    this.#hub = hub
    this.topic = topic
    this.#private = isPrivate
    this.#retry = new Timeout(hub.clock)
    this.#leave = new Timeout(hub.clock)
    this.#presence = new MergedPresence(hub.clock)
    this.#pushes = new PushTracker(hub.clock)
    this.#drain = new OutboxDrain({
      clock: hub.clock,
      pending: () => hub.outbox.pending(this.topic, hub.user),
      canPush: () => this.#canPush(),
      maxInFlight: () => hub.options.outbox.maxInFlight,
      pace: () => hub.eventPacer.take(hub.clock.now()),
      push: (entry) => {
        if (!this.#echoed.has(entry)) this.#echo(entry.sender ?? null, { type: 'broadcast', event: entry.event, payload: entry.payload }, entry)
        return this.#push(entry)
      },
      settled: (entry, status) => {
        // A refused entry (e.g. over the size limit) would block the queue forever: count and drop it.
        if (status === 'error') hub.recordError(errorPayload('protocol', `queued broadcast "${entry.event}" refused by the server; dropped`))
        if (hub.outbox.remove(entry) && status === 'ok') hub.metrics.count('outboxFlushed')
      },
      drained: () => {
        if (this.#subs.size === 0 && !this.#leave.pending) this.#leave.set(hub.options.leaveGraceMs, () => this.#leaveNow())
      },
    })
  }

  get size(): number {
    return this.#subs.size
  }

  get isJoined(): boolean {
    return this.#state === 'joined'
  }

  get state(): GroupState {
    return this.#state
  }

  /** The group has failed or waits for something other than time (a token). */
  get troubled(): boolean {
    return this.#state === 'failed' || this.#state === 'waiting-token' || this.#state === 'errored'
  }

  /** A server channel is wanted: tabs subscribe, or queued messages wait for this topic. */
  get wanted(): boolean {
    return this.#subs.size > 0 || this.#leave.pending || this.#hub.outbox.pending(this.topic, this.#hub.user).length > 0
  }

  has(subscriptionId: string): boolean {
    return this.#subs.has(subscriptionId)
  }

  conflictWith(request: SubscribeRequest): RealtimeErrorPayload | null {
    const isPrivate = request.config.private === true
    const current = this.#subs.size > 0 ? this.#private : null
    if (current !== null && current !== isPrivate) {
      return errorPayload(
        'channel-rejected',
        `channel "${request.topic}" is already subscribed as ${current ? 'private' : 'public'} on the shared socket; public and private channels of one name cannot share it`,
      )
    }
    return null
  }

  add(tab: TabSession, request: SubscribeRequest): void {
    this.#leave.clear()
    this.#private = request.config.private === true
    this.#subs.set(request.subscriptionId, { id: request.subscriptionId, tab, request, bindings: [...request.bindings] })
    if (this.#state === 'failed') this.#state = 'closed'
    if (this.#state !== 'joined' && this.#state !== 'joining') return
    if (this.#spec && joinCovers(this.#spec, this.#desiredSpec())) {
      // Already joined with everything this subscription needs: it is live at once (or with the pending join).
      if (this.#state === 'joined') {
        tab.push({ type: 'channel/status', subscriptionId: request.subscriptionId, status: 'SUBSCRIBED' })
        this.#pushPresenceState(request.subscriptionId)
      }
      return
    }
    // A binding the join does not carry yet: rejoin with the union; existing subscribers may miss events.
    if (this.#state === 'joined') this.#lostAt ??= this.#hub.clock.now()
    this.#retire(false)
  }

  addBindings(subscriptionId: string, bindings: BindingSpec[]): void {
    const sub = this.#subs.get(subscriptionId)
    if (sub) sub.bindings.push(...bindings)
  }

  remove(subscriptionId: string): void {
    if (!this.#subs.delete(subscriptionId)) return
    if (this.#presence.delete(subscriptionId)) this.#applyPresence()
    if (this.#subs.size === 0) {
      this.#leave.set(this.#hub.options.leaveGraceMs, () => this.#leaveNow())
    }
  }

  #leaveNow(): void {
    if (this.#subs.size > 0) return
    if (this.#hub.outbox.pending(this.topic, this.#hub.user).length > 0 && this.#state !== 'failed') return
    this.#retire(true)
    this.#state = 'closed'
    this.dispose()
    this.#hub.forget(this)
  }

  #desiredSpec(): JoinSpec {
    const shapes = [...this.#subs.values()].map((s) => ({ config: s.request.config, bindings: s.bindings }))
    if (shapes.length === 0) shapes.push({ config: { private: this.#private === true }, bindings: [] })
    return mergeJoinSpec(shapes, this.#hub.presenceKey)
  }

  /** Creates and subscribes a server channel if the socket and the token allow it. */
  join(): void {
    if (this.#disposed || this.#state === 'joining' || this.#state === 'joined' || this.#state === 'failed') return
    if (this.#state === 'waiting-token' || this.#retry.pending || !this.wanted) return
    const client = this.#hub.client
    if (!client || !this.#hub.canJoin) return
    const wait = this.#hub.joinPacer.take(this.#hub.clock.now())
    if (wait > 0) {
      this.#retry.set(wait, () => this.join())
      return
    }
    const spec = this.#desiredSpec()
    const channel = client.channel(this.topic, { config: channelConfigOf(spec) })
    // The hub schedules rejoins itself (jitter, refusal classes); phoenix's own timer must stay idle (§15.9).
    phoenixChannelOf(channel).rejoinTimer.scheduleTimeout = () => {}
    const mine = () => this.#instance === channel
    for (const filter of spec.postgres) {
      const key = postgresFilterKey(filter)
      channel.on('postgres_changes', filter as never, (payload: unknown) => mine() && this.#route('postgres_changes', undefined, payload, key))
    }
    channel.on('broadcast', { event: '*' }, (payload: { event?: string }) => mine() && this.#route('broadcast', payload?.event, payload))
    if (spec.presenceEnabled) {
      channel.on('presence', { event: '*' } as never, (payload: { event?: string }) => mine() && this.#route('presence', payload?.event, payload))
    }
    channel.on('system', {}, (payload: { status?: string; message?: string }) => {
      if (!mine()) return
      if (payload?.status === 'error' && payload.message) this.#lastSystemError = payload.message
      this.#route('system', undefined, payload)
    })
    this.#instance = channel
    this.#spec = spec
    this.#state = 'joining'
    this.#lastSystemError = null
    this.#hub.metrics.count('joins')
    channel.subscribe((status, error) => mine() && this.#onStatus(status as SubscribeStatus, error), this.#hub.options.timeoutMs)
  }

  #onStatus(status: SubscribeStatus, error?: Error): void {
    const hub = this.#hub
    if (status === 'SUBSCRIBED') {
      this.#state = 'joined'
      this.#attempt = 0
      this.lastRefusal = null
      const now = hub.clock.now()
      for (const sub of this.#subs.values()) {
        sub.tab.push({ type: 'channel/status', subscriptionId: sub.id, status: 'SUBSCRIBED' })
        if (this.#lostAt !== null) {
          sub.tab.push({ type: 'channel/resync', subscriptionId: sub.id, since: this.#lostAt, until: now, reason: 'rejoined' })
        }
      }
      this.#lostAt = null
      this.#presence.forgetApplied()
      this.#applyPresence()
      this.#drain.run()
      hub.notify()
      return
    }
    const wasJoining = this.#state === 'joining'
    this.#lostAt ??= hub.clock.now()
    if (status === 'CHANNEL_ERROR' && wasJoining && error?.cause && typeof error.cause === 'object' && !('code' in error.cause)) {
      // The server refused the join: `{reason: "Code: message"}`.
      this.#refused(classifyServerReason(describeReason(error.cause)))
      return
    }
    if (status === 'CLOSED') {
      // Unrequested phx_close: the system message before it says why (token expiry, rate limits).
      const reason = this.#lastSystemError ?? 'channel closed by the server'
      this.#refused(classifyServerReason(reason))
      return
    }
    if (!hub.client?.isConnected()) {
      // The socket is gone: the hub reports it (onClose) and rejoins everything on the next socket.
      this.lost(describeReason(error ?? 'connection lost'))
      return
    }
    const message = status === 'TIMED_OUT' ? 'join timed out' : describeReason(error)
    this.#broadcastStatus(status, errorPayload(status === 'TIMED_OUT' ? 'timeout' : 'connection-lost', message, true))
    this.#retire(false)
    this.#scheduleRejoin(false)
  }

  #refused(reason: ClassifiedReason): void {
    this.lastRefusal = reason
    const retryable = reason.retry !== 'never'
    this.#hub.recordError(errorPayload(reason.code, reason.message, retryable, reason.message))
    this.#broadcastStatus('CHANNEL_ERROR', errorPayload(reason.code, reason.message, retryable, reason.message))
    this.#retire(false)
    if (reason.retry === 'never') this.#state = 'failed'
    else if (reason.retry === 'refresh-token') {
      // Ask the tabs for a fresh token; if none comes (no tab has a token callback), retry after backoff.
      this.#scheduleRejoin(false)
      this.#state = 'waiting-token'
      this.#refusedToken = this.#hub.token
      this.#hub.requestToken('token expired')
    } else this.#scheduleRejoin(reason.retry === 'rate-limit')
  }

  #refusedToken: string | null = null

  /** A new token arrived: channels waiting for one rejoin; a refused (unauthorized) one tries again. */
  tokenChanged(): void {
    const waiting = this.#state === 'waiting-token' && this.#hub.token !== this.#refusedToken
    const refused = this.#state === 'failed' && this.lastRefusal?.code === 'unauthorized'
    // The join itself waits for the client to hold the new token (SocketHub.#joinAll).
    if (waiting || refused) {
      this.#retry.clear()
      this.#state = 'closed'
    }
  }

  #scheduleRejoin(rateLimited: boolean): void {
    this.#state = 'errored'
    this.#attempt++
    this.#retry.set(this.#hub.backoffFor(this.#attempt, rateLimited), () => {
      if (this.#state === 'failed') return
      this.#state = 'closed'
      this.join()
    })
  }

  #broadcastStatus(status: SubscribeStatus, error?: RealtimeErrorPayload): void {
    for (const sub of this.#subs.values()) {
      sub.tab.push({ type: 'channel/status', subscriptionId: sub.id, status, ...(error ? { error } : {}) })
    }
  }

  /** The socket went away: every subscriber hears CHANNEL_ERROR, as a direct supabase-js subscriber would. */
  lost(reason: string): void {
    if (this.#state === 'joined' || this.#state === 'joining') {
      this.#lostAt ??= this.#hub.clock.now()
      this.#broadcastStatus('CHANNEL_ERROR', errorPayload('connection-lost', reason, true))
    }
    if (this.#state !== 'failed' && this.#state !== 'waiting-token') this.#state = 'closed'
    this.#abandonPushes()
  }

  /** The server channel is going away: nothing it has in flight can settle any more, so settle it now. */
  #abandonPushes(): void {
    this.#drain.reset()
    this.#pushes.abandon()
  }

  /** The client generation is gone; its channel instances with it. */
  detach(): void {
    this.#abandonPushes()
    this.#instance = null
    this.#retry.clear()
    if (this.#state === 'joining' || this.#state === 'joined' || this.#state === 'errored') this.#state = 'closed'
  }

  /** Stops using the current server channel; with `leave`, tells the server (phx_leave). */
  #retire(leave: boolean): void {
    this.#abandonPushes()
    const channel = this.#instance
    this.#instance = null
    this.#spec = null
    if (this.#state === 'joined' || this.#state === 'joining') this.#state = 'closed'
    const client = this.#hub.client
    if (!channel || !client) return
    if (leave && (channel.state === 'joined' || channel.state === 'joining')) void channel.unsubscribe()
    channel.teardown()
    phoenixSocketOf(client).remove(phoenixChannelOf(channel))
    client.channels = client.channels.filter((c) => c !== channel)
    if (!leave) queueMicrotask(() => this.join())
  }

  // ---- routing -------------------------------------------------------------------------

  #route(type: 'broadcast' | 'presence' | 'system' | 'postgres_changes', event: string | undefined, payload: unknown, postgresKey?: string): void {
    const presence = type === 'presence' ? this.#presenceState() : undefined
    let encoded: EncodedPayload | null = null
    let deliveries = 0
    for (const sub of this.#subs.values()) {
      const bindingIds = matchingBindingIds(sub.bindings, type, event, postgresKey)
      if (type === 'presence') {
        encoded ??= encodePayload(payload)
        sub.tab.push({ type: 'channel/event', subscriptionId: sub.id, bindingIds, payload: encoded, presence })
        continue
      }
      if (bindingIds.length === 0) continue
      deliveries++
      encoded ??= encodePayload(payload)
      sub.tab.push({ type: 'channel/event', subscriptionId: sub.id, bindingIds, payload: encoded })
    }
    const counters = this.#hub.metrics.channel(this.topic)
    counters.messagesIn++
    counters.deliveries += deliveries
    this.#hub.metrics.count('messagesIn')
    this.#hub.metrics.count('deliveries', deliveries)
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

  /** Local fan-out of a broadcast this hub sent: the server does not echo it to its own socket. */
  #echo(sender: string | null, message: BroadcastMessage, entry: OutboxEntry): void {
    this.#echoed.add(entry)
    let payload: EncodedPayload | null = null
    for (const sub of this.#subs.values()) {
      if (sub.id === sender && sub.request.config.broadcast?.self !== true) continue
      const bindingIds = matchingBindingIds(sub.bindings, 'broadcast', message.event)
      if (bindingIds.length === 0) continue
      payload ??= encodePayload({ type: 'broadcast', event: message.event, payload: message.payload })
      sub.tab.push({ type: 'channel/event', subscriptionId: sub.id, bindingIds, payload })
      this.#hub.metrics.count('deliveries')
      this.#hub.metrics.channel(this.topic).deliveries++
    }
  }

  // ---- presence ------------------------------------------------------------------------

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

  // ---- sends ---------------------------------------------------------------------------

  async send(subscriptionId: string, message: BroadcastMessage, options: SendOptions): Promise<SendStatus | RealtimeErrorPayload> {
    const hub = this.#hub
    const now = hub.clock.now()
    const entry: OutboxEntry = {
      id: options.messageId,
      seq: hub.outbox.nextSeq(),
      project: hub.key,
      topic: this.topic,
      private: this.#private === true,
      event: message.event,
      payload: withMessageId(message.payload, options.messageId),
      user: hub.user,
      sender: subscriptionId,
      createdAt: now,
      expiresAt: options.ttlMs ? now + options.ttlMs : null,
    }
    // Anything queued goes first: a new send waits behind it (order), and the drain's window keeps up.
    if (!this.#canPush() || hub.outbox.pending(this.topic, hub.user).length > 0) return this.#queue(entry)
    const wait = hub.eventPacer.take(now)
    if (wait > hub.options.timeoutMs) {
      return errorPayload('rate-limited', `more than ${hub.options.limits.eventsPerSecond} events per second (limits.eventsPerSecond); slow down`, true)
    }
    if (wait > 0) await new Promise<void>((resolve) => hub.clock.setTimeout(resolve, wait))
    // What was queued while this send waited for its slot goes first.
    if (!this.#canPush() || hub.outbox.pending(this.topic, hub.user).length > 0) return this.#queue(entry)
    this.#echo(subscriptionId, { ...message, payload: entry.payload }, entry)
    const status = await this.#push(entry)
    if (status === 'ok') return 'ok'
    // Unknown delivery: keep it for a resend with the same id; receivers drop the duplicate.
    if (status === 'timed out' || status === 'lost') return this.#queue(entry)
    return errorPayload('protocol', `the server refused the broadcast "${message.event}"`, false)
  }

  /** 'queued' means stored: it survives the worker being killed right after. */
  async #queue(entry: OutboxEntry): Promise<SendStatus> {
    await this.#hub.outbox.enqueue(entry)
    this.#drain.run()
    return 'queued'
  }

  #canPush(): boolean {
    return this.isJoined && this.#instance !== null && this.#hub.connected
  }

  /** One push with its own deadline; settles 'lost' if the channel is torn down first. */
  async #push(entry: OutboxEntry): Promise<PushStatus> {
    const channel = this.#instance
    if (!channel || !this.#canPush()) return 'lost'
    this.#hub.metrics.count('messagesOut')
    this.#hub.metrics.channel(this.topic).messagesOut++
    const timeoutMs = this.#hub.options.timeoutMs
    const status = await this.#pushes.run(() => channel.send({ type: 'broadcast', event: entry.event, payload: entry.payload }, { timeout: timeoutMs }), timeoutMs)
    if (status === 'error' && this.#instance !== channel) return 'lost'
    return status
  }

  dispose(): void {
    this.#disposed = true
    this.#abandonPushes()
    this.#drain.dispose()
    this.#retry.clear()
    this.#leave.clear()
    this.#presence.dispose()
  }
}

function withMessageId(payload: unknown, id: string): unknown {
  if (payload && typeof payload === 'object' && !Array.isArray(payload) && !(payload instanceof ArrayBuffer) && !ArrayBuffer.isView(payload)) {
    return { ...(payload as Record<string, unknown>), [MESSAGE_ID_FIELD]: id }
  }
  return payload
}
