/**
 * A channel with supabase-js's API whose server side lives in the shared worker. Callbacks stay in
 * this tab; the hub sends each event once, tagged with the ids of the bindings it matched.
 */
import {
  MESSAGE_ID_FIELD,
  decodePayload,
  validateBinding,
  validateBroadcast,
  validateTopic,
  type BindingSpec,
  type ChannelConfig,
  type SendStatus,
  type SubscribeRequest,
  type SubscribeStatus,
  type TabEvent,
  type EncodedPayload,
  type RealtimeErrorPayload,
  type ResumeHint,
  type Clock,
  MAX_RESUME_IDS,
  systemClock,
} from '@shared-realtime/worker/protocol'
import { RealtimeError } from './errors.ts'
import { Listeners, type Unsubscribe } from './disposable.ts'
import { createDelivery, validateDeliveryOptions, type Batched, type Delivery, type DeliveryOptions, type Unbatched } from './delivery/index.ts'

export type ChannelState = 'closed' | 'joining' | 'joined' | 'errored' | 'leaving'
export type SubscribeCallback = (status: SubscribeStatus, error?: RealtimeError) => void

export interface ResyncNotice {
  /** When the channel stopped receiving (ms since epoch). */
  since: number
  /** When it was receiving again. */
  until: number
  /** `rejoined` (socket or channel outage), `hub-restarted`, `tab-stalled` or `undeliverable`. */
  reason: string
  /** Missed broadcasts the hub replayed to this channel before this notice (private channels only). */
  replayed: number
  /** True when nothing of the window can be missing: the replay reached back to a message this tab had. */
  complete: boolean
}

/** What a channel needs from the SharedRealtime that made it. */
export interface ChannelHost {
  readonly closed: boolean
  readonly storage: 'indexeddb' | 'memory'
  /** The client's clock (delivery timers, resync windows); default `systemClock`. */
  readonly clock?: Clock
  newId(): string
  join(channel: SharedChannel, request: SubscribeRequest): Promise<void>
  addBindings(subscriptionId: string, bindings: BindingSpec[]): Promise<void>
  leave(channel: SharedChannel): Promise<void>
  send(subscriptionId: string, message: { type: 'broadcast'; event: string; payload?: unknown }, options: { ttlMs?: number; messageId: string }): Promise<SendStatus>
  track(subscriptionId: string, payload: Record<string, unknown>): Promise<SendStatus>
  untrack(subscriptionId: string): Promise<SendStatus>
  forget(channel: SharedChannel): void
  /** A delivery failed in this tab (a throwing `transform` without `onError`): shown as the health's lastError. */
  reportError(error: RealtimeError): void
}

type Callback = (payload: any) => void

export type PostgresChangesFilter = { event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'; schema: string; table?: string; filter?: string }
export type BroadcastPayload = { type: 'broadcast'; event: string; payload?: any; meta?: { id: string; replayed?: boolean } }

/** Recent message ids per channel, to drop a replay after a lost acknowledgement. */
const DEDUPE_WINDOW = 2048

export class SharedChannel {
  readonly topic: string
  readonly subTopic: string
  readonly params: { config: ChannelConfig }
  #host: ChannelHost
  #bindings: (BindingSpec & { delivery: Delivery })[] = []
  #nextBindingId = 1
  #subscriptionId: string | null = null
  #statusCallback: SubscribeCallback | undefined
  #state: ChannelState = 'closed'
  #presence: Record<string, unknown[]> = {}
  #seen = new Set<string>()
  #resync = new Listeners<ResyncNotice>()
  /** When the tab last heard from a hub that has since gone away; the new hub owes a resync for it. */
  #hubLostSince: number | null = null
  /** The newest broadcast `meta.id`s (Broadcast from Database) and when the last came: a new hub's catch-up starts there. */
  #recentIds: string[] = []
  #lastAt: number | null = null

  get #clock(): Clock {
    return this.#host.clock ?? systemClock
  }

  constructor(host: ChannelHost, name: string, params: { config?: ChannelConfig } = {}) {
    const invalid = validateTopic(name)
    if (invalid) throw new RealtimeError(invalid)
    this.#host = host
    this.subTopic = name
    this.topic = `realtime:${name}`
    this.params = { config: { ...(params.config ?? {}) } }
  }

  get state(): ChannelState {
    return this.#state
  }

  /** The hub's id for this channel's current subscription (null until subscribe()). */
  get subscriptionId(): string | null {
    return this.#subscriptionId
  }

  /**
   * Listens to events of `type` matching `filter`. `options` shape the delivery to this callback
   * (transform, batch, debounceMs, throttleMs, enabled; see the README): with `batch` the callback
   * receives arrays.
   * @example
   * channel.on('broadcast', { event: 'cursor' }, (p) => move(p), { throttleMs: 50, transform: (e) => e.payload })
   */
  on<TOut = BroadcastPayload>(type: 'broadcast', filter: { event: string }, callback: (payload: TOut[]) => void, options: Batched<BroadcastPayload, TOut>): this
  on<TOut = BroadcastPayload>(type: 'broadcast', filter: { event: string }, callback: (payload: TOut) => void, options?: Unbatched<BroadcastPayload, TOut>): this
  on(type: 'presence', filter: { event: 'sync' | 'join' | 'leave' | '*' }, callback: (payload: any) => void, options?: DeliveryOptions): this
  on<T extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<T>>(
    type: 'postgres_changes',
    filter: PostgresChangesFilter,
    callback: (payload: TOut[]) => void,
    options: Batched<PostgresChangesPayload<T>, TOut>,
  ): this
  on<T extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<T>>(
    type: 'postgres_changes',
    filter: PostgresChangesFilter,
    callback: (payload: TOut) => void,
    options?: Unbatched<PostgresChangesPayload<T>, TOut>,
  ): this
  on(type: 'system', filter: Record<string, never>, callback: (payload: any) => void, options?: DeliveryOptions): this
  on(type: string, filter: Record<string, unknown>, callback: Callback, options?: DeliveryOptions): this {
    if (typeof callback !== 'function') throw RealtimeError.of('invalid-argument', `on('${type}'): the callback must be a function`)
    validateDeliveryOptions(options, `on('${type}')`)
    const binding = { id: this.#nextBindingId++, type, filter: normalizeFilter(filter) } as BindingSpec
    const invalid = validateBinding(binding)
    if (invalid) throw new RealtimeError(invalid)
    const live = this.#state === 'joined' || this.#state === 'joining'
    if (live && (type === 'presence' || type === 'postgres_changes')) {
      // Same rule and wording as supabase-js: these change the join payload.
      throw RealtimeError.of('invalid-argument', `cannot add \`${type}\` callbacks for ${this.topic} after \`subscribe()\`.`)
    }
    const delivery = createDelivery(options, callback, { clock: this.#clock, report: (error) => this.#host.reportError(error) })
    this.#bindings.push({ ...binding, delivery })
    if (live && this.#subscriptionId) {
      void this.#host.addBindings(this.#subscriptionId, [binding]).catch(() => {})
    }
    return this
  }

  subscribe(callback?: SubscribeCallback, timeoutMs?: number): this {
    void timeoutMs // the shared join uses the hub's timeoutMs; kept for supabase-js signature parity
    if (this.#host.closed) throw RealtimeError.of('closed', 'subscribe() after close(): create a new client')
    if (this.#state === 'joined' || this.#state === 'joining') return this
    this.#statusCallback = callback
    this.#state = 'joining'
    this.#subscriptionId = this.#host.newId()
    this.#seen.clear()
    this.#recentIds = []
    this.#lastAt = null
    const request: SubscribeRequest = {
      subscriptionId: this.#subscriptionId,
      topic: this.subTopic,
      config: this.params.config,
      bindings: this.#bindings.map(({ id, type, filter }) => ({ id, type, filter }) as BindingSpec),
    }
    const subscriptionId = this.#subscriptionId
    this.#host.join(this, request).catch((error: RealtimeError) => {
      if (this.#subscriptionId !== subscriptionId) return
      this.#state = 'errored'
      this.#emitStatus('CHANNEL_ERROR', error)
    })
    return this
  }

  /** The request the hub needs to rebuild this subscription (after the worker restarted). */
  subscribeRequest(): SubscribeRequest | null {
    if (!this.#subscriptionId || this.#state === 'closed' || this.#state === 'leaving') return null
    const resume: ResumeHint | null = this.#hubLostSince === null ? null : { since: this.#hubLostSince, lastAt: this.#lastAt, ids: [...this.#recentIds] }
    return {
      subscriptionId: this.#subscriptionId,
      topic: this.subTopic,
      config: this.params.config,
      bindings: this.#bindings.map(({ id, type, filter }) => ({ id, type, filter }) as BindingSpec),
      ...(resume ? { resume } : {}),
    }
  }

  async send(message: { type: 'broadcast'; event: string; payload?: unknown }, options: { ttlMs?: number } = {}): Promise<SendStatus> {
    if (this.#host.closed) throw RealtimeError.of('closed', 'send() after close(): create a new client')
    // Shape only: the hub checks the size while it serialises the payload, once per send.
    const invalid = validateBroadcast(message, options)
    if (invalid) throw new RealtimeError(invalid)
    if (!this.#subscriptionId || this.#state === 'closed') {
      throw RealtimeError.of('invalid-argument', `send() on ${this.topic} before subscribe(): subscribe first so the message has a channel to go to`)
    }
    const messageId = this.#host.newId()
    return this.#host.send(this.#subscriptionId, { type: 'broadcast', event: message.event, payload: message.payload }, { ttlMs: options.ttlMs, messageId })
  }

  async track(payload: Record<string, unknown>): Promise<SendStatus> {
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw RealtimeError.of('invalid-argument', 'track() takes an object')
    if (!this.#subscriptionId) throw RealtimeError.of('invalid-argument', `track() on ${this.topic} before subscribe()`)
    return this.#host.track(this.#subscriptionId, payload)
  }

  async untrack(): Promise<SendStatus> {
    if (!this.#subscriptionId) throw RealtimeError.of('invalid-argument', `untrack() on ${this.topic} before subscribe()`)
    return this.#host.untrack(this.#subscriptionId)
  }

  presenceState<T extends Record<string, unknown> = Record<string, unknown>>(): Record<string, (T & { presence_ref: string })[]> {
    return this.#presence as Record<string, (T & { presence_ref: string })[]>
  }

  /** Called after the channel was down: events in the window may be missing (Postgres changes are never replayed). */
  onResync(callback: (notice: ResyncNotice) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#resync.on(callback, options)
  }

  async unsubscribe(): Promise<'ok' | 'timed out' | 'error'> {
    if (this.#state === 'closed') return 'ok'
    this.#state = 'leaving'
    this.#flushDeliveries()
    try {
      await this.#host.leave(this)
    } finally {
      this.#closeLocally()
    }
    return 'ok'
  }

  #closeLocally(): void {
    this.#flushDeliveries()
    this.#state = 'closed'
    this.#subscriptionId = null
    this.#presence = {}
    this.#emitStatus('CLOSED')
  }

  /** The client is closing: no more callbacks. */
  teardown(): void {
    this.#flushDeliveries()
    this.#state = 'closed'
    this.#subscriptionId = null
    this.#statusCallback = undefined
    this.#resync.clear()
  }

  /** Events from the hub for this channel's subscription. */
  handle(event: TabEvent): void {
    switch (event.type) {
      case 'channel/status':
        if (event.status === 'SUBSCRIBED') this.#state = 'joined'
        else if (event.status === 'CLOSED') this.#state = 'closed'
        else this.#state = 'errored'
        this.#emitStatus(event.status, event.error ? new RealtimeError(event.error) : undefined)
        return
      case 'channel/event':
        if (event.presence) this.#presence = event.presence
        this.#dispatch(event.bindingIds, event.payload)
        return
      case 'channel/resync':
        // A new hub knows nothing of the old one: this tab's re-registration carried the window it saw
        // (issue #12) and what it had (issue #15), and the hub answers with this notice.
        if (event.reason === 'hub-restarted') this.#hubLostSince = null
        this.#resync.emit({ since: event.since, until: event.until, reason: event.reason, replayed: event.replayed, complete: event.complete })
        return
    }
  }

  /** The hub went away; the subscription will be rebuilt on the next one. */
  hubLost(error: RealtimeErrorPayload, since: number = this.#clock.now()): void {
    if (this.#subscriptionId && this.#state !== 'closed' && this.#state !== 'leaving') {
      this.#hubLostSince = Math.min(this.#hubLostSince ?? since, since)
    }
    if (this.#state === 'joined' || this.#state === 'joining') {
      this.#state = 'errored'
      this.#emitStatus('CHANNEL_ERROR', new RealtimeError(error))
    }
  }

  #dispatch(bindingIds: number[], encoded: EncodedPayload): void {
    if (bindingIds.length === 0) return
    const delivered = stripMessageId(decodePayload(encoded), this.#seen)
    if (delivered === DUPLICATE || this.#duplicateMeta(delivered)) return
    for (const id of bindingIds) {
      const binding = this.#bindings.find((b) => b.id === id)
      binding?.delivery.push(delivered)
    }
  }

  /**
   * A broadcast whose `meta.id` this subscription already got (a new hub's catch-up overlaps what the
   * old one delivered): dropped, so every message reaches a callback once. Remembers the id otherwise.
   */
  #duplicateMeta(payload: unknown): boolean {
    const id = (payload as BroadcastPayload | null)?.meta?.id
    if ((payload as BroadcastPayload | null)?.type !== 'broadcast' || typeof id !== 'string') return false
    const key = `meta:${id}`
    if (this.#seen.has(key)) return true
    remember(this.#seen, key)
    this.#recentIds.push(id)
    if (this.#recentIds.length > MAX_RESUME_IDS) this.#recentIds.shift()
    this.#lastAt = this.#clock.now()
    return false
  }

  /** Batched, debounced and throttled events still waiting are delivered, never dropped, when the channel closes. */
  #flushDeliveries(): void {
    for (const binding of this.#bindings) binding.delivery.flush()
  }

  #emitStatus(status: SubscribeStatus, error?: RealtimeError): void {
    try {
      this.#statusCallback?.(status, error)
    } catch (thrown) {
      queueMicrotask(() => {
        throw thrown
      })
    }
  }
}

export type PostgresChangesPayload<T extends Record<string, any>> =
  | { schema: string; table: string; commit_timestamp: string; errors: string[] | null; eventType: 'INSERT'; new: T; old: Record<string, never> }
  | { schema: string; table: string; commit_timestamp: string; errors: string[] | null; eventType: 'UPDATE'; new: T; old: Partial<T> }
  | { schema: string; table: string; commit_timestamp: string; errors: string[] | null; eventType: 'DELETE'; new: Record<string, never>; old: Partial<T> }

const DUPLICATE = Symbol('duplicate')

/** Removes our idempotency id from a broadcast and drops the message if that id was seen before. */
function stripMessageId(payload: unknown, seen: Set<string>): unknown | typeof DUPLICATE {
  const inner = (payload as { type?: string; payload?: unknown })?.payload
  if ((payload as { type?: string })?.type !== 'broadcast' || !inner || typeof inner !== 'object' || !(MESSAGE_ID_FIELD in inner)) {
    return payload
  }
  const { [MESSAGE_ID_FIELD]: id, ...rest } = inner as Record<string, unknown>
  if (typeof id === 'string') {
    if (seen.has(id)) return DUPLICATE
    remember(seen, id)
  }
  return { ...(payload as object), payload: rest }
}

function remember(seen: Set<string>, id: string): void {
  seen.add(id)
  if (seen.size > DEDUPE_WINDOW) seen.delete(seen.values().next().value as string)
}

function normalizeFilter(filter: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!filter || typeof filter !== 'object') return filter as never
  const value = filter.filter as { build?: () => string } | undefined
  // supabase-js accepts a filter builder object; send its string form.
  if (value && typeof value === 'object' && typeof value.build === 'function') return { ...filter, filter: value.build() }
  return { ...filter }
}
