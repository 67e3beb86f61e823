/**
 * The server-wide state of the local Realtime stand-in: sockets, rooms (one per topic and privacy),
 * presence, quotas, counters and injected faults. Sessions (one per websocket) do the per-socket work.
 */
import type { JwtVerifier } from '../auth.ts'
import type { Clock } from '../clock.ts'
import type { LocalDatabase, RowChange } from '../db/types.ts'
import { encodeUserBroadcast } from './codec.ts'
import type { ChannelJoin } from './channel-join.ts'
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

export class RealtimeEngine {
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
  #stopFeed: () => void

  constructor(options: EngineOptions) {
    this.options = options
    this.limits = options.limits
    const now = () => options.clock.now()
    this.events = new RateWindow(this.limits.windowMs, now)
    this.joins = new RateWindow(this.limits.windowMs, now)
    this.presenceEvents = new RateWindow(this.limits.windowMs, now)
    // Commit order is kept: routing is synchronous per change.
    this.#stopFeed = options.db.onChange((change) => this.routeChange(change))
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

  /** Fan-out of a broadcast to a room (realtime-protocol.md §6). Returns the number of deliveries. */
  broadcast(roomKey: string, topic: string, event: string, payload: unknown, from: ChannelJoin | null, encoding: BroadcastEncoding): number {
    const room = this.rooms.get(roomKey)
    if (!room) return 0
    const message = { type: 'broadcast', event, payload }
    let delivered = 0
    let binary: Uint8Array | null | undefined
    for (const join of room) {
      if (join === from && !join.self) continue
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
      if (!join.presenceEnabled) continue
      join.session.push(join.topic, 'presence_diff', diff)
      delivered++
    }
    this.countDeliveries(room, delivered)
  }

  // ---- postgres changes ------------------------------------------------------------------

  /** One `postgres_changes` message per channel with matching bindings (§8.1, §10 of the issue). */
  routeChange(change: RowChange): void {
    // Over the events quota the real server skips database changes silently.
    if (this.overEventRate()) return
    const data: Record<string, unknown> = {
      schema: change.schema,
      table: change.table,
      commit_timestamp: change.commit_timestamp,
      type: change.type,
      columns: change.columns,
      errors: change.errors,
    }
    if (change.record !== undefined) data.record = change.record
    if (change.old_record !== undefined) data.old_record = change.old_record
    let delivered = 0
    for (const room of this.rooms.values()) {
      for (const join of room) {
        if (!join.postgresReady) continue
        const ids = join.postgres.filter((b) => safeMatch(b.matches, change)).map((b) => b.id)
        if (ids.length === 0) continue
        join.session.push(join.topic, 'postgres_changes', { ids, data })
        delivered++
      }
    }
    if (delivered > 0) {
      this.counters.messagesDelivered += delivered
      this.events.add(delivered)
    }
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
    this.#stopFeed()
    for (const session of [...this.sessions]) session.close(1001, 'server shutting down')
  }
}

export type EngineStats = ReturnType<RealtimeEngine['stats']>

/** A filter that throws must not stop the routing of one change to other channels. */
function safeMatch(matches: (change: RowChange) => boolean, change: RowChange): boolean {
  try {
    return matches(change)
  } catch {
    return false
  }
}

const round = (n: number) => Math.round(n * 100) / 100
