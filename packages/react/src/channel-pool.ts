/**
 * The channels the hooks hold, shared per client: one SharedChannel per name however many components
 * use it, released a microtask after its last user so that React StrictMode's unmount-and-remount (and
 * a component moving in the tree) reuses it: no second join, no CLOSED/SUBSCRIBED flicker.
 */
import { RealtimeError, unsubscriber, type SharedChannel, type SubscribeStatus, type Unsubscribe, type PostgresChangesFilter } from '@shared-realtime/client'
import type { RealtimeLike } from './realtime-like.ts'

/** A pooled channel's status: `idle` before anything was asked, `joining` until the hub answers. */
export type ChannelStatus = 'idle' | 'joining' | SubscribeStatus

export interface ChannelSnapshot {
  status: ChannelStatus
  error: RealtimeError | null
}

export interface ChannelSpec {
  name: string
  config?: SharedChannel['params']['config']
  /** A channel for one Postgres changes binding (it must be known before the join). */
  postgres?: PostgresChangesFilter
}

export const IDLE_CHANNEL: ChannelSnapshot = Object.freeze({ status: 'idle', error: null })

type Listener = () => void
type EventListener = (payload: any) => void

/** One pooled channel. Listeners return an unsubscribe; nothing here is React. */
export class PooledChannel {
  readonly channel: SharedChannel
  readonly signature: string
  refs = 0
  #snapshot: ChannelSnapshot = { status: 'joining', error: null }
  #changes = new Set<Listener>()
  #presence = new Set<Listener>()
  #postgres = new Set<EventListener>()
  #broadcast = new Map<string, Set<EventListener>>()
  #trackers = new Map<symbol, Record<string, unknown>>()
  #tracked: string | null = null
  #trackScheduled = false

  constructor(channel: SharedChannel, spec: ChannelSpec) {
    this.channel = channel
    this.signature = signatureOf(spec)
    if (spec.postgres) channel.on('postgres_changes', spec.postgres, (payload) => emit(this.#postgres, payload))
    else channel.on('presence', { event: '*' }, () => emit(this.#presence, undefined))
    channel.subscribe((status, error) => this.#setSnapshot({ status, error: error ?? null }))
  }

  getSnapshot = (): ChannelSnapshot => this.#snapshot

  onChange = (listener: Listener): Unsubscribe => add(this.#changes, listener)

  onPresence = (listener: Listener): Unsubscribe => add(this.#presence, listener)

  onPostgres(listener: EventListener): Unsubscribe {
    return add(this.#postgres, listener)
  }

  /** One broadcast binding per event name for the channel's life, shared by every hook that listens to it. */
  onBroadcast(event: string, listener: EventListener): Unsubscribe {
    let listeners = this.#broadcast.get(event)
    if (!listeners) {
      const created = new Set<EventListener>()
      this.channel.on('broadcast', { event }, (payload) => emit(created, payload))
      this.#broadcast.set(event, created)
      listeners = created
    }
    return add(listeners, listener)
  }

  /**
   * Tracks `payload` until the returned function is called (the latest tracker's payload wins). Changes
   * settle after a microtask, so a StrictMode remount or a payload change never untracks in between.
   */
  track(payload: Record<string, unknown>): Unsubscribe {
    const id = Symbol('tracker')
    this.#trackers.set(id, payload)
    this.#scheduleTrack()
    return unsubscriber(() => {
      this.#trackers.delete(id)
      this.#scheduleTrack()
    })
  }

  #scheduleTrack(): void {
    if (this.#trackScheduled) return
    this.#trackScheduled = true
    queueMicrotask(() => {
      this.#trackScheduled = false
      if (this.refs === 0) return
      const latest = [...this.#trackers.values()].at(-1)
      const next = latest === undefined ? null : JSON.stringify(latest)
      if (next === this.#tracked) return
      this.#tracked = next
      const sent = latest === undefined ? this.channel.untrack() : this.channel.track(latest)
      sent.catch((error: unknown) => this.#setSnapshot({ ...this.#snapshot, error: asRealtimeError(error) }))
    })
  }

  #setSnapshot(next: ChannelSnapshot): void {
    this.#snapshot = next
    for (const listener of [...this.#changes]) listener()
  }

  dispose(): void {
    this.#changes.clear()
    this.#presence.clear()
    this.#postgres.clear()
    this.#broadcast.clear()
    this.#trackers.clear()
  }
}

export class ChannelPool {
  #client: RealtimeLike
  #entries = new Map<string, PooledChannel>()

  constructor(client: RealtimeLike) {
    this.#client = client
  }

  /** Takes a reference on the channel for `spec`, creating and subscribing it the first time. */
  acquire(spec: ChannelSpec): PooledChannel {
    let entry = this.#entries.get(spec.name)
    // Released in this tick and asked for again with another filter (a changed filter on a named
    // channel): leave it now and open the new one.
    if (entry && entry.refs === 0 && entry.signature !== signatureOf(spec)) {
      this.#remove(entry)
      entry = undefined
    }
    if (entry && entry.signature !== signatureOf(spec)) {
      throw RealtimeError.of(
        'invalid-argument',
        `channel "${spec.name}" is already open with ${entry.signature}; use another channel name for ${signatureOf(spec)}`,
      )
    }
    if (!entry) {
      const channel = this.#client.channel(spec.name, spec.config ? { config: spec.config } : {})
      if (channel.state !== 'closed') {
        throw RealtimeError.of('invalid-argument', `channel "${spec.name}" was subscribed outside the hooks; the hooks open their own channel, so give it another name`)
      }
      entry = new PooledChannel(channel, spec)
      this.#entries.set(spec.name, entry)
    }
    entry.refs++
    return entry
  }

  /** Drops a reference; the channel is removed a microtask after its last reference, unless taken again. */
  release(entry: PooledChannel): void {
    entry.refs--
    if (entry.refs > 0) return
    queueMicrotask(() => {
      if (entry.refs === 0) this.#remove(entry)
    })
  }

  #remove(entry: PooledChannel): void {
    if (this.#entries.get(entry.channel.subTopic) !== entry) return
    this.#entries.delete(entry.channel.subTopic)
    entry.dispose()
    void this.#client.removeChannel(entry.channel).catch(() => {})
  }

  /** Pooled channels by name (for tests and the debug view). */
  get size(): number {
    return this.#entries.size
  }
}

const pools = new WeakMap<RealtimeLike, ChannelPool>()

/** One pool per client, so two providers of the same client share channels. */
export function poolFor(client: RealtimeLike): ChannelPool {
  let pool = pools.get(client)
  if (!pool) {
    pool = new ChannelPool(client)
    pools.set(client, pool)
  }
  return pool
}

function signatureOf(spec: ChannelSpec): string {
  return JSON.stringify({ config: spec.config ?? {}, postgres: spec.postgres ?? null })
}

function add<T>(set: Set<T>, item: T): Unsubscribe {
  set.add(item)
  return unsubscriber(() => set.delete(item))
}


function emit(listeners: Set<EventListener>, payload: unknown): void {
  for (const listener of [...listeners]) listener(payload)
}

export function asRealtimeError(error: unknown): RealtimeError {
  if (error instanceof RealtimeError) return error
  return RealtimeError.of('protocol', error instanceof Error ? error.message : String(error), false, error)
}
