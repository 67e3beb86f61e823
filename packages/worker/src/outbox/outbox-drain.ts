/**
 * The outbox drain: up to `maxInFlight` unacknowledged pushes in flight, in outbox order; an entry
 * leaves the outbox only when acknowledged. A push that times out or is lost (channels/push-tracker.ts)
 * restarts the window at the first unacknowledged entry, so it is retried in place (same id) and
 * nothing later overtakes it.
 */
import { Timeout, type Clock } from '../clock.ts'
import type { OutboxEntry } from './outbox-entry.ts'
import type { PushStatus } from '../channels/push-tracker.ts'

export interface OutboxDrainHost {
  readonly clock: Clock
  /** This topic's entries that may be sent now, oldest first (in flight ones included). */
  pending(): readonly OutboxEntry[]
  canPush(): boolean
  maxInFlight(): number
  /** Reserves a slot under the event rate limit: 0 to go now, or how long to wait for it. */
  pace(): number
  push(entry: OutboxEntry): Promise<PushStatus>
  /** The server answered for `entry` (acknowledged or refused): it leaves the outbox. */
  settled(entry: OutboxEntry, status: 'ok' | 'error'): void
  /** Nothing is pending any more. */
  drained(): void
}

export class OutboxDrain {
  #host: OutboxDrainHost
  #inFlight = new Set<string>()
  /** Bumped on every reset: results of an abandoned window are only used to remove acknowledged entries. */
  #round = 0
  #pace: Timeout
  #slotReserved = false

  constructor(host: OutboxDrainHost) {
    this.#host = host
    this.#pace = new Timeout(host.clock)
  }

  /** Fills the window with the next entries, in order. Safe to call at any time. */
  run(): void {
    const host = this.#host
    if (this.#pace.pending || !host.canPush()) return
    const pending = host.pending()
    for (const entry of pending) {
      if (this.#inFlight.size >= host.maxInFlight()) return
      if (this.#inFlight.has(entry.id)) continue
      if (!this.#slotReserved) {
        const wait = host.pace()
        if (wait > 0) {
          this.#slotReserved = true
          this.#pace.set(wait, () => this.run())
          return
        }
      }
      this.#slotReserved = false
      this.#start(entry)
      if (!host.canPush()) return
    }
    if (this.#inFlight.size === 0 && host.pending().length === 0) host.drained()
  }

  #start(entry: OutboxEntry): void {
    const round = this.#round
    this.#inFlight.add(entry.id)
    void this.#host.push(entry).then((status) => {
      const current = round === this.#round
      if (current) this.#inFlight.delete(entry.id)
      if (status === 'ok' || (status === 'error' && current)) {
        this.#host.settled(entry, status)
        if (current) this.run()
        return
      }
      if (!current) return
      // Unknown fate: resend from the first unacknowledged entry, in order, with the same ids.
      this.reset()
      this.run()
    })
  }

  /** Forgets the window (the channel was torn down, or a push timed out); the next run() resends in order. */
  reset(): void {
    this.#round++
    this.#inFlight.clear()
    this.#pace.clear()
    this.#slotReserved = false
  }

  dispose(): void {
    this.reset()
  }
}
