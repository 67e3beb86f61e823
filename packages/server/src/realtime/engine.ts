/**
 * The server-wide state of the local Realtime stand-in: sockets, rooms (one per topic and privacy),
 * presence, quotas, counters and injected faults. Sessions (one per websocket) do the per-socket work.
 */
import type { JwtVerifier } from '../auth.ts'
import type { LocalDatabase, RowChange } from '../db/types.ts'
import { DEFAULT_LIMITS, RateWindow, type Limits } from './limits.ts'
import type { ChannelJoin, Session } from './session.ts'
import { encodeUserBroadcast } from './codec.ts'

export interface EngineOptions {
  db: LocalDatabase
  verifier: JwtVerifier
  limits: Limits
  idleTimeoutMs: number
  channelErrorDelayMs: number
  log: (message: string) => void
}

export interface Counters {
  socketsTotal: number
  joinsTotal: number
  framesIn: number
  framesOut: number
  heartbeats: number
  messagesDelivered: number
}

type PresenceMeta = Record<string, unknown> & { phx_ref: string }

export class RealtimeEngine {
  readonly sessions = new Set<Session>()
  readonly rooms = new Map<string, Set<ChannelJoin>>()
  /** roomKey → presence key → phx_ref → meta and the join that tracked it. */
  readonly presence = new Map<string, Map<string, Map<string, { meta: PresenceMeta; join: ChannelJoin }>>>()
  counters: Counters = { socketsTotal: 0, joinsTotal: 0, framesIn: 0, framesOut: 0, heartbeats: 0, messagesDelivered: 0 }
  readonly faults = { stallUntil: 0, refuseUntil: 0, latencyMs: 0 }
  limits: Limits
  readonly events: RateWindow
  readonly joins: RateWindow
  readonly options: EngineOptions
  #refCounter = 0
  #stopFeed: () => void

  constructor(options: EngineOptions) {
    this.options = options
    this.limits = options.limits
    this.events = new RateWindow(this.limits.windowMs, Date.now)
    this.joins = new RateWindow(this.limits.windowMs, Date.now)
    this.#stopFeed = options.db.onChange((change) => this.routeChange(change))
  }

  get db(): LocalDatabase {
    return this.options.db
  }

  get verifier(): JwtVerifier {
    return this.options.verifier
  }

  log(message: string): void {
    this.options.log(message)
  }

  nextRef(): string {
    return `F${(++this.#refCounter).toString(36)}`
  }

  setLimits(patch: Partial<Limits>): void {
    this.limits = { ...this.limits, ...patch }
    this.events.windowMs = this.limits.windowMs
    this.joins.windowMs = this.limits.windowMs
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

  removeFromRoom(join: ChannelJoin): void {
    const room = this.rooms.get(join.roomKey)
    room?.delete(join)
    if (room && room.size === 0) this.rooms.delete(join.roomKey)
    this.untrack(join)
  }

  /** Fan-out of a broadcast to a room (realtime-protocol.md §6). Returns the number of deliveries. */
  broadcast(roomKey: string, topic: string, event: string, payload: unknown, from: ChannelJoin | null, encoding: 0 | 1 | 'text'): number {
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
        else session.send({ joinRef: null, ref: null, topic, event: 'broadcast', payload: message })
      } else {
        // vsn 1.0.0 cannot carry raw bytes: such subscribers never receive binary broadcasts.
        if (encoding === 0) continue
        session.send({ joinRef: null, ref: null, topic, event: 'broadcast', payload: message })
      }
      delivered++
    }
    this.countDeliveries(room, delivered)
    return delivered
  }

  /** Counts deliveries against the events quota and closes the room's channels when it is exceeded. */
  countDeliveries(room: Iterable<ChannelJoin>, delivered: number): void {
    if (delivered === 0) return
    this.counters.messagesDelivered += delivered
    this.events.add(delivered)
    if (this.overEventRate()) {
      for (const join of [...room]) join.session.closeChannel(join, 'Too many messages per second')
    }
  }

  // ---- presence --------------------------------------------------------------------------

  presenceState(roomKey: string): Record<string, { metas: PresenceMeta[] }> {
    const state: Record<string, { metas: PresenceMeta[] }> = {}
    for (const [key, metas] of this.presence.get(roomKey) ?? []) {
      if (metas.size > 0) state[key] = { metas: [...metas.values()].map((m) => m.meta) }
    }
    return state
  }

  track(join: ChannelJoin, payload: Record<string, unknown>): void {
    let room = this.presence.get(join.roomKey)
    if (!room) this.presence.set(join.roomKey, (room = new Map()))
    let metas = room.get(join.presenceKey)
    if (!metas) room.set(join.presenceKey, (metas = new Map()))
    const previous = join.trackedRef ? metas.get(join.trackedRef) : undefined
    if (previous && JSON.stringify(stripRefs(previous.meta)) === JSON.stringify(payload)) return
    const meta: PresenceMeta = { ...payload, phx_ref: this.nextRef() }
    const leaves: Record<string, { metas: PresenceMeta[] }> = {}
    if (previous) {
      metas.delete(previous.meta.phx_ref)
      meta.phx_ref_prev = previous.meta.phx_ref
      leaves[join.presenceKey] = { metas: [previous.meta] }
    }
    metas.set(meta.phx_ref, { meta, join })
    join.trackedRef = meta.phx_ref
    join.presenceEnabled = true
    this.#presenceDiff(join.roomKey, join.topic, { [join.presenceKey]: { metas: [meta] } }, leaves)
  }

  untrack(join: ChannelJoin): void {
    if (!join.trackedRef) return
    const metas = this.presence.get(join.roomKey)?.get(join.presenceKey)
    const entry = metas?.get(join.trackedRef)
    join.trackedRef = null
    if (!metas || !entry) return
    metas.delete(entry.meta.phx_ref)
    if (metas.size === 0) this.presence.get(join.roomKey)?.delete(join.presenceKey)
    this.#presenceDiff(join.roomKey, join.topic, {}, { [join.presenceKey]: { metas: [entry.meta] } })
  }

  /** Diffs go to every subscriber of the room, the tracker included (realtime-protocol.md §7). */
  #presenceDiff(roomKey: string, topic: string, joins: object, leaves: object): void {
    const room = this.rooms.get(roomKey)
    if (!room) return
    let delivered = 0
    for (const join of room) {
      if (!join.presenceEnabled) continue
      join.session.send({ joinRef: null, ref: null, topic, event: 'presence_diff', payload: { joins, leaves } })
      delivered++
    }
    this.countDeliveries(room, delivered)
  }

  // ---- postgres changes ------------------------------------------------------------------

  routeChange(change: RowChange): void {
    for (const room of this.rooms.values()) {
      let delivered = 0
      for (const join of room) {
        if (join.postgres.length === 0 || !join.postgresReady) continue
        const ids = join.postgres.filter((b) => b.matches(change)).map((b) => b.id)
        if (ids.length === 0) continue
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
        join.session.send({ joinRef: null, ref: null, topic: join.topic, event: 'postgres_changes', payload: { ids, data } })
        delivered++
      }
      // Over the events quota, the real server skips database changes silently.
      if (delivered > 0) {
        this.counters.messagesDelivered += delivered
        this.events.add(delivered)
      }
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
      ...this.counters,
      channels,
      quotas: {
        concurrentUsers: { used: this.concurrentUsers(), limit: limit(this.limits.maxConcurrentUsers) },
        eventsPerSecond: { used: round(this.events.rate()), limit: limit(this.limits.maxEventsPerSecond) },
        joinsPerSecond: { used: round(this.joins.rate()), limit: limit(this.limits.maxJoinsPerSecond) },
        channelsPerClient: { used: maxChannels, limit: limit(this.limits.maxChannelsPerClient) },
        windowMs: this.limits.windowMs,
      },
    }
  }

  resetCounters(): void {
    this.counters = { socketsTotal: 0, joinsTotal: 0, framesIn: 0, framesOut: 0, heartbeats: 0, messagesDelivered: 0 }
    this.events.reset()
    this.joins.reset()
    this.faults.stallUntil = 0
    this.faults.refuseUntil = 0
    this.faults.latencyMs = 0
  }

  close(): void {
    this.#stopFeed()
    for (const session of [...this.sessions]) session.close(1001, 'server shutting down')
  }
}

function stripRefs(meta: PresenceMeta): Record<string, unknown> {
  const { phx_ref: _ref, phx_ref_prev: _prev, ...rest } = meta
  return rest
}

const round = (n: number) => Math.round(n * 100) / 100
