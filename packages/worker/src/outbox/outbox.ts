/**
 * The offline outbox: broadcasts that could not be delivered when they were sent, kept in send order,
 * bounded (drop-oldest, counted), expiring per entry, bound to the project and the user who sent them,
 * and mirrored into a store (IndexedDB, or memory when that fails) so they outlive the worker.
 *
 * Several hubs of an origin can share the store (in-page fallbacks, two deploys): only the `owner`
 * (owner-lock.ts) reads others' entries, flushes and deletes in the store. A hub that does not own
 * only appends, keeps its own entries in memory to hold its later sends behind them (per-tab order),
 * and forgets them when the owner says they are gone (`forget`).
 */
import type { OutboxHealth } from '../protocol/health.ts'
import type { OutboxEntry, OutboxStore } from './outbox-entry.ts'
import { createMemoryOutboxStore } from './outbox-store-memory.ts'

export interface OutboxOptions {
  project: string
  store: OutboxStore
  maxSize: number
  now: () => number
  onChange?: () => void
  onStoreError?: (error: unknown) => void
  /** An entry is stored (a non-owner nudges the owner with it). */
  onStored?: (entry: OutboxEntry) => void
  /** The owner removed these entries from the store (sent, expired, dropped or discarded). */
  onRemoved?: (ids: string[]) => void
}

/** Creation time, then each hub's own arrival order (`seq` counts per hub); ties across hubs by hub id. */
function byAge(a: OutboxEntry, b: OutboxEntry): number {
  const hubA = a.hub ?? ''
  const hubB = b.hub ?? ''
  return a.createdAt - b.createdAt || (hubA === hubB ? a.seq - b.seq : hubA < hubB ? -1 : 1)
}

export class Outbox {
  #entries: OutboxEntry[] = []
  #options: OutboxOptions
  #store: OutboxStore
  #seq = 0
  #owner = true
  /** Store writes not yet settled: a new owner waits for them before it reads the store. */
  #writes = new Set<Promise<void>>()
  dropped = 0
  expired = 0
  discarded = 0

  constructor(options: OutboxOptions) {
    this.#options = options
    this.#store = options.store
  }

  get storage(): OutboxStore['kind'] {
    return this.#store.kind
  }

  get size(): number {
    return this.#entries.length
  }

  set maxSize(value: number) {
    this.#options.maxSize = value
    this.#enforceCap()
  }

  /** Whether this hub flushes and deletes stored entries (false: it only appends). */
  get owner(): boolean {
    return this.#owner
  }

  /** Stops flushing and deleting in the store (another hub takes over); in-flight results only update memory. */
  resign(): void {
    this.#owner = false
  }

  /**
   * This hub becomes the owner: once its own writes are stored, the store is the truth. Entries it
   * holds that are no longer stored were removed by the previous owner and are forgotten (not resent).
   */
  async adopt(): Promise<void> {
    const held = [...this.#entries]
    await Promise.all(this.#writes)
    let stored: OutboxEntry[]
    try {
      stored = await this.#store.load(this.#options.project)
    } catch (error) {
      this.#fallBackToMemory(error)
      stored = held
    }
    const ids = new Set(stored.map((e) => e.id))
    const gone = new Set(held.filter((e) => !ids.has(e.id)))
    this.#entries = this.#entries.filter((e) => !gone.has(e))
    this.#owner = true
    await this.load(stored)
  }

  /**
   * Loads what an earlier worker (or another hub) stored. Entries already held keep theirs; the rest
   * merge in by creation time (then arrival order), so entries enqueued meanwhile stay after them.
   */
  async load(given?: OutboxEntry[]): Promise<void> {
    let stored: OutboxEntry[] = given ?? []
    if (!given) {
      try {
        stored = await this.#store.load(this.#options.project)
      } catch (error) {
        this.#fallBackToMemory(error)
      }
    }
    const known = new Set(this.#entries.map((e) => e.id))
    const restored = stored.filter((e) => !known.has(e.id))
    this.#entries = [...restored, ...this.#entries].sort(byAge)
    this.#seq = Math.max(this.#seq, ...this.#entries.map((e) => e.seq), 0)
    this.#enforceCap()
    this.#options.onChange?.()
  }

  nextSeq(): number {
    return ++this.#seq
  }

  /** Adds an entry; resolves once it is stored (or kept in memory after a storage failure). */
  enqueue(entry: OutboxEntry): Promise<void> {
    this.#entries.push(entry)
    const written = this.#write(() => this.#store.put(entry)).then(() => this.#options.onStored?.(entry))
    this.#enforceCap()
    this.#options.onChange?.()
    return written
  }

  /**
   * Entries of `topic` that `user` may send now, oldest first. A read: entries past their expiry are
   * skipped here and removed (and counted) by `expire()`, which the owner's expiry timer runs.
   */
  pending(topic: string, user: string | null): OutboxEntry[] {
    if (!this.#owner) return []
    const now = this.#options.now()
    return this.#entries.filter((e) => e.topic === topic && e.user === user && (e.expiresAt === null || e.expiresAt > now))
  }

  /** Whether `pending(topic, user)` has anything, without building the list. */
  hasPending(topic: string, user: string | null): boolean {
    const now = this.#options.now()
    return this.#entries.some((e) => e.topic === topic && e.user === user && (e.expiresAt === null || e.expiresAt > now))
  }

  /** Topics with entries that `user` may send. */
  topics(user: string | null): Map<string, boolean> {
    const topics = new Map<string, boolean>()
    for (const e of this.#entries) if (e.user === user) topics.set(e.topic, e.private)
    return topics
  }

  /** Removes an entry; false if it was not (or no longer) there. */
  remove(entry: OutboxEntry): boolean {
    const before = this.#entries.length
    this.#entries = this.#entries.filter((e) => e !== entry)
    if (this.#entries.length === before) return false
    this.#delete([entry])
    this.#options.onChange?.()
    return true
  }

  /** Drops every entry not sent by `keepUser` (sign-out or user switch). */
  discardOtherUsers(keepUser: string | null): number {
    const gone = this.#entries.filter((e) => e.user !== keepUser)
    if (gone.length === 0) return 0
    this.#entries = this.#entries.filter((e) => e.user === keepUser)
    this.discarded += gone.length
    this.#delete(gone)
    this.#options.onChange?.()
    return gone.length
  }

  /** Removes and counts the entries past their expiry. */
  expire(): number {
    const now = this.#options.now()
    const gone = this.#entries.filter((e) => e.expiresAt !== null && e.expiresAt <= now)
    if (gone.length === 0) return 0
    this.#entries = this.#entries.filter((e) => !gone.includes(e))
    this.expired += gone.length
    this.#delete(gone)
    this.#options.onChange?.()
    return gone.length
  }

  /** The earliest expiry among entries, to arm a timer. */
  nextExpiry(): number | null {
    let next: number | null = null
    for (const e of this.#entries) if (e.expiresAt !== null && (next === null || e.expiresAt < next)) next = e.expiresAt
    return next
  }

  entries(): readonly OutboxEntry[] {
    return this.#entries
  }

  health(): OutboxHealth {
    const oldest = this.#entries.reduce<number | null>((min, e) => (min === null || e.createdAt < min ? e.createdAt : min), null)
    return {
      size: this.#entries.length,
      oldestAgeMs: oldest === null ? null : Math.max(0, this.#options.now() - oldest),
      dropped: this.dropped,
      expired: this.expired,
      storage: this.#store.kind,
      owner: this.#owner,
    }
  }

  #enforceCap(): void {
    const over = this.#entries.length - this.#options.maxSize
    if (over <= 0) return
    const gone = this.#entries.slice(0, over)
    this.#entries = this.#entries.slice(over)
    this.dropped += gone.length
    this.#delete(gone)
  }

  /** Entries the owner removed elsewhere: dropped from memory only. */
  forget(ids: readonly string[]): void {
    const gone = new Set(ids)
    const before = this.#entries.length
    this.#entries = this.#entries.filter((e) => !gone.has(e.id))
    if (this.#entries.length !== before) this.#options.onChange?.()
  }

  /** Only the owner deletes stored entries; it then tells the other hubs which. */
  #delete(gone: OutboxEntry[]): void {
    if (!this.#owner) return
    void this.#write(() => this.#store.remove(gone)).then(() => this.#options.onRemoved?.(gone.map((e) => e.id)))
  }

  #write(operation: () => Promise<void>): Promise<void> {
    let pending: Promise<void>
    try {
      pending = operation()
    } catch (error) {
      this.#fallBackToMemory(error)
      return Promise.resolve()
    }
    const settled = pending.catch((error) => this.#fallBackToMemory(error))
    this.#writes.add(settled)
    return settled.finally(() => this.#writes.delete(settled))
  }

  /** IndexedDB can be missing, blocked, or over quota: keep working in memory and say so in health. */
  #fallBackToMemory(error: unknown): void {
    if (this.#store.kind === 'memory') return
    this.#store = createMemoryOutboxStore()
    for (const e of this.#entries) void this.#store.put(e)
    this.#options.onStoreError?.(error)
    this.#options.onChange?.()
  }
}
