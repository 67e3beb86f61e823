/**
 * The server-wide state of the local Realtime stand-in: sockets, rooms (one per topic and privacy),
 * fan-out of broadcasts and presence diffs, quotas and counters. Database events are routed here in
 * commit order. Sessions (one per websocket) call the engine; the engine knows a socket only as the
 * narrow `Subscriber` of `channel.ts`.
 */
import type { JwtVerifier } from '../auth.ts'
import type { Clock } from '../clock.ts'
import type { LocalDatabase } from '../db/types.ts'
import { clearFaults, createFaults, type Faults } from '../dev/faults.ts'
import { routeChange, type ChangeRouterHost } from './change-router.ts'
import { canReadBroadcasts, canReadPresence, type ChannelJoin, type Subscriber } from './channel.ts'
import { encodeUserBroadcast } from './codec.ts'
import type { Limits } from './limits.ts'
import { createPresenceRegistry, type PresenceDiff, type PresenceEntries } from './presence.ts'
import { Quotas } from './quotas.ts'
import { routeStored, type StoredBroadcastHost } from './stored-broadcast-router.ts'

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

/** How a broadcast travels: text JSON, or binary kind 4 with raw (0) or JSON (1) payload bytes. */
export type BroadcastEncoding = 'text' | 0 | 1

const zeroCounters = (): Counters => ({ socketsTotal: 0, joinsTotal: 0, framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, heartbeats: 0, messagesDelivered: 0 })

/** `S`: the sockets' full type, for the control API (the engine itself uses only `Subscriber`). */
export class RealtimeEngine<S extends Subscriber = Subscriber> implements ChangeRouterHost, StoredBroadcastHost {
  /** Open sockets; changed through `connect`/`disconnect`. */
  #sessions = new Set<S>()
  /** roomKey (`public:realtime:x` / `private:realtime:x`) → the channel joins subscribed to it. */
  #rooms = new Map<string, Set<ChannelJoin>>()
  /** Written by the control API only (`src/dev/`). */
  readonly faults: Faults = createFaults()
  readonly options: EngineOptions
  readonly quotas: Quotas
  #counters = zeroCounters()
  #presence = createPresenceRegistry({ nextRef: () => this.#nextRef() })
  #refCounter = 0
  #stopFeeds: (() => void)[]
  /**
   * Database changes and stored broadcasts, routed one after another in commit order (routing a
   * change awaits its per-subscriber RLS check).
   */
  #routing: Promise<void> = Promise.resolve()

  constructor(options: EngineOptions) {
    this.options = options
    this.quotas = new Quotas(options.limits, () => options.clock.now())
    this.#stopFeeds = [
      options.db.onChange((change) => this.#enqueue(() => routeChange(this, change))),
      options.db.onBroadcast((message) => this.#enqueue(() => routeStored(this, message))),
    ]
  }

  get sessions(): ReadonlySet<S> {
    return this.#sessions
  }

  get rooms(): ReadonlyMap<string, ReadonlySet<ChannelJoin>> {
    return this.#rooms
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

  get limits(): Limits {
    return this.quotas.limits
  }

  setLimits(patch: Partial<Limits>): void {
    this.quotas.setLimits(patch)
  }

  // ---- sockets and counters --------------------------------------------------------------

  /** Registers an open socket; returns its number since the start (or the last reset). */
  connect(session: S): number {
    this.#sessions.add(session)
    return ++this.#counters.socketsTotal
  }

  disconnect(session: S): void {
    this.#sessions.delete(session)
  }

  countFrameIn(bytes: number): void {
    this.#counters.framesIn++
    this.#counters.bytesIn += bytes
  }

  countFrameOut(bytes: number): void {
    this.#counters.framesOut++
    this.#counters.bytesOut += bytes
  }

  countHeartbeat(): void {
    this.#counters.heartbeats++
  }

  /** Sockets with at least one joined channel: what Supabase counts as concurrent users. */
  concurrentUsers(): number {
    let n = 0
    for (const s of this.sessions) if (s.joins.size > 0) n++
    return n
  }

  overEventRate(): boolean {
    return this.quotas.overEventRate()
  }

  maxPayloadBytes(): number {
    return this.quotas.maxPayloadBytes()
  }

  // ---- rooms ---------------------------------------------------------------------------

  room(roomKey: string): ReadonlySet<ChannelJoin> | undefined {
    return this.#rooms.get(roomKey)
  }

  /** An admitted channel enters its room (and counts as a join). */
  addToRoom(join: ChannelJoin): void {
    let room = this.#rooms.get(join.roomKey)
    if (!room) this.#rooms.set(join.roomKey, (room = new Set()))
    room.add(join)
    this.#counters.joinsTotal++
  }

  /** A channel that ends leaves its room and its presences (the real server: process exit). */
  removeFromRoom(join: ChannelJoin): void {
    const room = this.#rooms.get(join.roomKey)
    if (!room?.delete(join)) return
    if (room.size === 0) this.#rooms.delete(join.roomKey)
    this.untrack(join)
  }

  /**
   * Fan-out of a broadcast to a room (realtime-protocol.md §6). Private channels whose read policy
   * refuses broadcasts get none. Returns the number of deliveries.
   */
  broadcast(roomKey: string, topic: string, event: string, payload: unknown, from: ChannelJoin | null, encoding: BroadcastEncoding): number {
    const room = this.#rooms.get(roomKey)
    if (!room) return 0
    const message = { type: 'broadcast', event, payload }
    let delivered = 0
    let binary: Uint8Array | null | undefined
    for (const join of room) {
      if (join === from && !join.self) continue
      if (!canReadBroadcasts(join)) continue
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
    this.countDatabaseDeliveries(delivered)
    if (this.quotas.overEventRate()) {
      for (const join of [...room]) join.session.closeChannel(join, 'Too many messages per second')
    }
  }

  /** Database changes count against the events quota but never close a channel. */
  countDatabaseDeliveries(delivered: number): void {
    if (delivered === 0) return
    this.#counters.messagesDelivered += delivered
    this.quotas.countEvent(delivered)
  }

  // ---- presence --------------------------------------------------------------------------

  presenceState(roomKey: string): PresenceEntries {
    return this.#presence.state(roomKey)
  }

  track(join: ChannelJoin, payload: Record<string, unknown>): void {
    // A track enables presence for this channel even when it joined with enabled:false (§7).
    join.presenceEnabled = true
    const diff = this.#presence.track(join, payload)
    if (diff) this.#presenceDiff(join, diff)
  }

  untrack(join: ChannelJoin): void {
    const diff = this.#presence.untrack(join)
    if (diff) this.#presenceDiff(join, diff)
  }

  /** Diffs go to every presence-enabled subscriber of the room, the tracker included (§7). */
  #presenceDiff(from: ChannelJoin, diff: PresenceDiff): void {
    const room = this.#rooms.get(from.roomKey)
    if (!room) return
    let delivered = 0
    for (const join of room) {
      if (!join.presenceEnabled || !canReadPresence(join)) continue
      join.session.push(join.topic, 'presence_diff', diff)
      delivered++
    }
    this.countDeliveries(room, delivered)
  }

  // ---- database routing queue -------------------------------------------------------------

  #enqueue(route: () => Promise<void> | void): void {
    this.#routing = this.#routing.then(route).catch((error: unknown) => this.log(`routing a database event failed: ${String(error)}`))
  }

  /** Runs `task` in the routing queue: no database event is routed while it runs. */
  serially(task: () => Promise<void>): Promise<void> {
    this.#enqueue(task)
    return this.#routing
  }

  // ---- stats -----------------------------------------------------------------------------

  stats() {
    const channels: Record<string, number> = {}
    let maxChannels = 0
    for (const session of this.sessions) {
      maxChannels = Math.max(maxChannels, session.joins.size)
      for (const join of session.joins.values()) channels[join.topic] = (channels[join.topic] ?? 0) + 1
    }
    return {
      sockets: this.sessions.size,
      /** Sockets opened with `dev_fault_exempt=1`, included in `sockets`. */
      faultExemptSockets: [...this.sessions].filter((s) => s.faultExempt).length,
      ...this.#counters,
      channels,
      quotas: this.quotas.snapshot({ concurrentUsers: this.concurrentUsers(), maxChannels }),
    }
  }

  /** Zeroes the counters and rate windows and lifts every injected fault. */
  reset(): void {
    this.#counters = zeroCounters()
    this.quotas.reset()
    clearFaults(this.faults)
  }

  close(): void {
    for (const stop of this.#stopFeeds) stop()
    for (const session of [...this.sessions]) session.close(1001, 'server shutting down')
  }
}

export type EngineStats = ReturnType<RealtimeEngine['stats']>
