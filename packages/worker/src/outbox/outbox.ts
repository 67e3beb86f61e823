/**
 * The offline outbox: broadcasts that could not be delivered when they were sent, kept in send order,
 * bounded (drop-oldest, counted), expiring per entry, bound to the project and the user who sent them,
 * and mirrored into a store (IndexedDB, or memory when that fails) so they outlive the worker.
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
}

export class Outbox {
  #entries: OutboxEntry[] = []
  #options: OutboxOptions
  #store: OutboxStore
  #seq = 0
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

  /** Loads what an earlier worker left behind. Entries enqueued meanwhile keep their place after them. */
  async load(): Promise<void> {
    let stored: OutboxEntry[] = []
    try {
      stored = await this.#store.load(this.#options.project)
    } catch (error) {
      this.#fallBackToMemory(error)
    }
    const known = new Set(this.#entries.map((e) => e.id))
    const restored = stored.filter((e) => !known.has(e.id)).sort((a, b) => a.seq - b.seq)
    this.#entries = [...restored, ...this.#entries]
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
    const written = this.#write(() => this.#store.put(entry))
    this.#enforceCap()
    this.#options.onChange?.()
    return written
  }

  /**
   * Entries of `topic` that `user` may send now, oldest first. A read: entries past their expiry are
   * skipped here and removed (and counted) by `expire()`, which the owner's expiry timer runs.
   */
  pending(topic: string, user: string | null): OutboxEntry[] {
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
    this.#write(() => this.#store.remove([entry]))
    this.#options.onChange?.()
    return true
  }

  /** Drops every entry not sent by `keepUser` (sign-out or user switch). */
  discardOtherUsers(keepUser: string | null): number {
    const gone = this.#entries.filter((e) => e.user !== keepUser)
    if (gone.length === 0) return 0
    this.#entries = this.#entries.filter((e) => e.user === keepUser)
    this.discarded += gone.length
    this.#write(() => this.#store.remove(gone))
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
    this.#write(() => this.#store.remove(gone))
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
    }
  }

  #enforceCap(): void {
    const over = this.#entries.length - this.#options.maxSize
    if (over <= 0) return
    const gone = this.#entries.slice(0, over)
    this.#entries = this.#entries.slice(over)
    this.dropped += gone.length
    this.#write(() => this.#store.remove(gone))
  }

  #write(operation: () => Promise<void>): Promise<void> {
    let pending: Promise<void>
    try {
      pending = operation()
    } catch (error) {
      this.#fallBackToMemory(error)
      return Promise.resolve()
    }
    return pending.catch((error) => this.#fallBackToMemory(error))
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
