/**
 * One project's outbox among the hubs of an origin: this hub owns it (flushes and deletes stored
 * entries) while it holds the project's owner lock, and otherwise only appends. The owner learns of
 * entries other hubs appended from their `added` notes and loads them; the others learn from its
 * `removed` notes which of theirs are gone. When the owner ends, the lock passes to the next hub,
 * which adopts what the store holds: nothing acknowledged and removed is resent, nothing is stranded.
 */
import type { Outbox } from './outbox.ts'
import type { OutboxEntry } from './outbox-entry.ts'
import type { OwnerLock } from './owner-lock.ts'
import { OUTBOX_SIGNAL_VERSION, type OutboxNote, type OutboxSignal } from './outbox-signal.ts'
import { outboxLockName } from '../protocol/names.ts'

export interface OutboxOwnershipOptions {
  /** projectKey() of the project. */
  project: string
  /** This hub's epoch: its notes are stamped with it, and it ignores its own. */
  epoch: string
  lock: OwnerLock
  signal: OutboxSignal
  /** Entries to send may have changed (adopted, loaded or forgotten): open their topics and flush. */
  changed(): void
}

export class OutboxOwnership {
  #o: OutboxOwnershipOptions
  #outbox: Outbox
  #release: () => void = () => {}
  #off: () => void = () => {}
  #gained: Promise<void> | null = null
  #loading: Promise<void> | null = null
  #loadAgain = false
  #closed = false

  constructor(outbox: Outbox, o: OutboxOwnershipOptions) {
    this.#outbox = outbox
    this.#o = o
  }

  /** Asks for ownership; resolves once it is known whether this hub owns from the start (and has loaded). */
  async start(): Promise<void> {
    const outbox = this.#outbox
    outbox.resign()
    this.#off = this.#o.signal.on((note) => this.#note(note))
    const held = this.#o.lock.hold(outboxLockName(this.#o.project), () => {
      if (!this.#closed) this.#gained = outbox.adopt().then(() => this.#o.changed())
    })
    this.#release = held.release
    if (await held.first) await this.#gained
  }

  /** Outbox hook: an entry reached the store. A non-owner nudges the owner to send it. */
  stored(entry: OutboxEntry): void {
    if (!this.#outbox.owner) this.#post('outbox/added', [entry.id])
  }

  /** Outbox hook: the owner removed entries from the store. */
  removed(ids: string[]): void {
    this.#post('outbox/removed', ids)
  }

  #post(type: OutboxNote['type'], ids: string[]): void {
    if (!this.#closed) this.#o.signal.post({ v: OUTBOX_SIGNAL_VERSION, type, project: this.#o.project, ids, from: this.#o.epoch })
  }

  #note(note: OutboxNote): void {
    if (this.#closed || note.project !== this.#o.project || note.from === this.#o.epoch) return
    if (note.type === 'outbox/removed') {
      this.#outbox.forget(note.ids)
      return this.#o.changed()
    }
    if (this.#outbox.owner) this.#load()
  }

  /** Loads others' new entries, one read at a time: nudges that arrive meanwhile make one more read. */
  #load(): void {
    if (this.#loading) return void (this.#loadAgain = true)
    this.#loading = this.#outbox.load().then(() => {
      this.#loading = null
      if (this.#closed) return
      this.#o.changed()
      if (this.#loadAgain) {
        this.#loadAgain = false
        this.#load()
      }
    })
  }

  /** A newer hub runs (a deploy): stop flushing and let it have the lock; keep appending and hearing its notes. */
  handOver(): void {
    this.#outbox.resign()
    this.#release()
  }

  close(): void {
    this.#closed = true
    this.#outbox.resign()
    this.#off()
    this.#release()
  }
}
