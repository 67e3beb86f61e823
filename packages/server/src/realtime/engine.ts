/**
 * The server-wide state of the local Realtime stand-in: sockets, rooms (one per topic and privacy),
 * presence, quotas, counters and injected faults. Sessions (one per websocket) do the per-socket work.
 */
import type { JwtVerifier } from '../auth.ts'
import type { Clock } from '../clock.ts'
import type { LocalDatabase, StoredBroadcast } from '../db/types.ts'
import { routeChange, type ChangeRouterHost } from './change-router.ts'
import { encodeUserBroadcast, payloadBytes } from './codec.ts'
import { canReadPresence, type ChannelJoin } from './channel-join.ts'
import { RateWindow, type Limits } from './limits.ts'
import { createPresenceRegistry, type PresenceDiff, type PresenceEntries } from './presence.ts'
import type { Session } from './session.ts'

export interface EngineOptions {
  db: LocalDatabase
  verifier: JwtVerifier
  limits: Limits
  idleTimeoutMs: number
  channelErrorDelayMs: number
  clock: Clock
  log: (message: string) => void
}

export interface Counters {
  socketsTotal: number
  joinsTotal: number
  framesIn: number
  framesOut: number
  /** Payload bytes of those frames (UTF-8 for text frames). */
  bytesIn: number
  bytesOut: number
  heartbeats: number
  messagesDelivered: number
}

/** Faults injected through the control API; times are `clock.now()` deadlines. */
export interface Faults {
  stallUntil: number
  refuseUntil: number
  latencyMs: number
}

/** How a broadcast travels: text JSON, or binary kind 4 with raw (0) or JSON (1) payload bytes. */
export type BroadcastEncoding = 'text' | 0 | 1

const zeroCounters = (): Counters => ({ socketsTotal: 0, joinsTotal: 0, framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, heartbeats: 0, messagesDelivered: 0 })

export class RealtimeEngine implements ChangeRouterHost {
  readonly sessions = new Set<Session>()
  /** roomKey (`public:realtime:x` / `private:realtime:x`) → the channel joins subscribed to it. */
  readonly rooms = new Map<string, Set<ChannelJoin>>()
  readonly presence = createPresenceRegistry({ nextRef: () => this.#nextRef() })
  readonly faults: Faults = { stallUntil: 0, refuseUntil: 0, latencyMs: 0 }
  readonly events: RateWindow
  readonly joins: RateWindow
  readonly presenceEvents: RateWindow
  readonly options: EngineOptions
  counters = zeroCounters()
  limits: Limits
  #refCounter = 0
  #stopFeeds: (() => void)[]
  /**
   * Database changes and stored broadcasts, routed one after another in commit order (routing a
   * change awaits its per-subscriber RLS check).
   */
  #routing: Promise<void> = Promise.resolve()

  constructor(options: EngineOptions) {
    this.options = options
    this.limits = options.limits
    const now = () => options.clock.now()
    this.events = new RateWindow(this.limits.windowMs, now)
    this.joins = new RateWindow(this.limits.windowMs, now)
    this.presenceEvents = new RateWindow(this.limits.windowMs, now)
    this.#stopFeeds = [
      options.db.onChange((change) => this.#enqueue(() => routeChange(this, change))),
      options.db.onBroadcast((message) => this.#enqueue(() => this.routeStored(message))),
    ]
  }

  get db(): LocalDatabase {
    return this.options.db
  }

  get verifier(): JwtVerifier {
    return this.options.verifier
  }

  get clock(): Clock {
    return this.options.clock
  }

  log(message: string): void {
    this.options.log(message)
  }

  #nextRef(): string {
    return `F${(++this.#refCounter).toString(36)}`
  }

  setLimits(patch: Partial<Limits>): void {
    this.limits = { ...this.limits, ...patch }
    for (const window of [this.events, this.joins, this.presenceEvents]) window.windowMs = this.limits.windowMs
  }

  /** Sockets with at least one joined channel: what Supabase counts as concurrent users. */
  concurrentUsers(): number {
    let n = 0
    for (const s of this.sessions) if (s.joins.size > 0) n++
    return n
  }

  overEventRate(): boolean {
    return this.events.rate() > this.limits.maxEventsPerSecond
  }

  // ---- rooms ---------------------------------------------------------------------------

  addToRoom(join: ChannelJoin): void {
    let room = this.rooms.get(join.roomKey)
    if (!room) this.rooms.set(join.roomKey, (room = new Set()))
    room.add(join)
  }

  /** A channel that ends leaves its room and its presences (the real server: process exit). */
  removeFromRoom(join: ChannelJoin): void {
    const room = this.rooms.get(join.roomKey)
    if (!room?.delete(join)) return
    if (room.size === 0) this.rooms.delete(join.roomKey)
    this.untrack(join)
  }

  /**
   * Fan-out of a broadcast to a room (realtime-protocol.md §6). Private channels whose read policy
   * refuses broadcasts get none. Returns the number of deliveries.
   */
  broadcast(roomKey: string, topic: string, event: string, payload: unknown, from: ChannelJoin | null, encoding: BroadcastEncoding): number {
    const room = this.rooms.get(roomKey)
    if (!room) return 0
    const message = { type: 'broadcast', event, payload }
    let delivered = 0
    let binary: Uint8Array | null | undefined
    for (const join of room) {
      if (join === from && !join.self) continue
      if (join.private && join.policies.broadcast.read !== true) continue
      const session = join.session
      if (encoding !== 'text' && session.vsn === '2.0.0') {
        binary ??= encodeUserBroadcast(topic, event, payload, encoding)
        if (binary) session.sendBinary(binary)
        else session.push(topic, 'broadcast', message)
      } else {
        // vsn 1.0.0 is text only: raw-byte broadcasts never reach it, JSON ones arrive as text.
        if (encoding === 0) continue
        session.push(topic, 'broadcast', message)
      }
      delivered++
    }
    this.countDeliveries(room, delivered)
    return delivered
  }

  /** Counts deliveries against the events quota; over it, every channel of the room is closed. */
  countDeliveries(room: Iterable<ChannelJoin>, delivered: number): void {
    if (delivered === 0) return
    this.counters.messagesDelivered += delivered
    this.events.add(delivered)
    if (this.overEventRate()) {
      for (const join of [...room]) join.session.closeChannel(join, 'Too many messages per second')
    }
  }

  // ---- presence --------------------------------------------------------------------------

  presenceState(roomKey: string): PresenceEntries {
    return this.presence.state(roomKey)
  }

  track(join: ChannelJoin, payload: Record<string, unknown>): void {
    // A track enables presence for this channel even when it joined with enabled:false (§7).
    join.presenceEnabled = true
    const diff = this.presence.track(join, payload)
    if (diff) this.#presenceDiff(join, diff)
  }

  untrack(join: ChannelJoin): void {
    const diff = this.presence.untrack(join)
    if (diff) this.#presenceDiff(join, diff)
  }

  /** Diffs go to every presence-enabled subscriber of the room, the tracker included (§7). */
  #presenceDiff(from: ChannelJoin, diff: PresenceDiff): void {
    const room = this.rooms.get(from.roomKey)
    if (!room) return
    let delivered = 0
    for (const join of room) {
      if (!join.presenceEnabled || !canReadPresence(join)) continue
      join.session.push(join.topic, 'presence_diff', diff)
      delivered++
    }
    this.countDeliveries(room, delivered)
  }

  // ---- database: postgres changes and Broadcast from Database ------------------------------

  #enqueue(route: () => Promise<void> | void): void {
    this.#routing = this.#routing.then(route).catch((error: unknown) => this.log(`routing a database event failed: ${String(error)}`))
  }

  /** Runs `task` in the routing queue: no database event is routed while it runs. */
  serially(task: () => Promise<void>): Promise<void> {
    this.#enqueue(task)
    return this.#routing
  }

  countDatabaseDeliveries(delivered: number): void {
    if (delivered === 0) return
    this.counters.messagesDelivered += delivered
    this.events.add(delivered)
  }

  /**
   * A committed `realtime.messages` row to the room of its topic and privacy, as a broadcast with
   * `meta: {id}` to every subscriber (the sender's `self` does not apply), except private channels
   * that may not read broadcasts and channels that already got it replayed. Over the events quota
   * or the payload size limit it is dropped, as the real server does.
   */
  routeStored(stored: StoredBroadcast): void {
    const topic = `realtime:${stored.topic}`
    const room = this.rooms.get(`${stored.private ? 'private' : 'public'}:${topic}`)
    if (!room || this.overEventRate()) return
    if (payloadBytes(stored.payload) > this.limits.maxPayloadSizeKb * 1000 + 500) {
      return this.log(`UnableToBroadcastChanges: payload of message ${stored.id} on ${topic} is over the size limit`)
    }
    let delivered = 0
    for (const join of room) {
      if (join.private && join.policies.broadcast.read !== true) continue
      if (join.replayedIds.has(stored.id)) continue
      this.deliverStored(join, stored, false)
      delivered++
    }
    this.countDeliveries(room, delivered)
  }

  /** One stored message to one channel: binary kind 4 with its meta (vsn 2), else text with `meta`. */
  deliverStored(join: ChannelJoin, stored: StoredBroadcast, replayed: boolean): void {
    const meta = replayed ? { replayed: true, id: stored.id } : { id: stored.id }
    const session = join.session
    // Replays are pushed as ordinary (text) messages by the real channel; live ones as user broadcasts.
    const binary = !replayed && session.vsn === '2.0.0' ? encodeUserBroadcast(join.topic, stored.event, stored.payload, 1, meta) : null
    if (binary) session.sendBinary(binary)
    else session.push(join.topic, 'broadcast', { type: 'broadcast', event: stored.event, payload: stored.payload, meta })
  }

  // ---- stats -----------------------------------------------------------------------------

  stats() {
    const channels: Record<string, number> = {}
    let maxChannels = 0
    for (const session of this.sessions) {
      maxChannels = Math.max(maxChannels, session.joins.size)
      for (const join of session.joins.values()) channels[join.topic] = (channels[join.topic] ?? 0) + 1
    }
    const limit = (n: number) => (n >= Number.MAX_SAFE_INTEGER ? null : n)
    return {
      sockets: this.sessions.size,
      /** Sockets opened with `dev_fault_exempt=1`, included in `sockets`. */
      faultExemptSockets: [...this.sessions].filter((s) => s.faultExempt).length,
      ...this.counters,
      channels,
      quotas: {
        concurrentUsers: { used: this.concurrentUsers(), limit: limit(this.limits.maxConcurrentUsers) },
        eventsPerSecond: { used: round(this.events.rate()), limit: limit(this.limits.maxEventsPerSecond) },
        joinsPerSecond: { used: round(this.joins.rate()), limit: limit(this.limits.maxJoinsPerSecond) },
        presenceEventsPerSecond: { used: round(this.presenceEvents.rate()), limit: limit(this.limits.maxPresenceEventsPerSecond) },
        channelsPerClient: { used: maxChannels, limit: limit(this.limits.maxChannelsPerClient) },
        maxPayloadSizeKb: limit(this.limits.maxPayloadSizeKb),
        maxPresenceCallsPer30s: limit(this.limits.maxPresenceCallsPer30s),
        windowMs: this.limits.windowMs,
      },
    }
  }

  /** Zeroes the counters and rate windows and lifts every injected fault. */
  reset(): void {
    this.counters = zeroCounters()
    for (const window of [this.events, this.joins, this.presenceEvents]) window.reset()
    this.faults.stallUntil = 0
    this.faults.refuseUntil = 0
    this.faults.latencyMs = 0
  }

  close(): void {
    for (const stop of this.#stopFeeds) stop()
    for (const session of [...this.sessions]) session.close(1001, 'server shutting down')
  }
}

export type EngineStats = ReturnType<RealtimeEngine['stats']>

const round = (n: number) => Math.round(n * 100) / 100
