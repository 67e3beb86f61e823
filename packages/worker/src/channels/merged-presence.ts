/**
 * One presence per socket and topic, whatever the number of tabs: the latest `track()` of any tab is
 * what the server sees; it is untracked when the last tracking tab untracks or goes away. Pushes stay
 * within the server's limit of 5 track/untrack per channel per 30 s (realtime-protocol.md §7): past it,
 * only the latest state is pushed once the window allows.
 */
import { Timeout, type Clock } from '../clock.ts'

const PRESENCE_LIMIT = 5
const PRESENCE_WINDOW_MS = 30_000

export interface PresenceTarget {
  track(payload: Record<string, unknown>): unknown
  untrack(): unknown
}

export class MergedPresence {
  #trackers = new Map<string, { payload: Record<string, unknown>; seq: number }>()
  #seq = 0
  #applied: string | null = null
  #pushes: number[] = []
  #timer: Timeout
  #clock: Clock

  constructor(clock: Clock) {
    this.#clock = clock
    this.#timer = new Timeout(clock)
  }

  set(subscriptionId: string, payload: Record<string, unknown>): void {
    this.#trackers.set(subscriptionId, { payload, seq: ++this.#seq })
  }

  /** Returns whether that subscription was tracking. */
  delete(subscriptionId: string): boolean {
    return this.#trackers.delete(subscriptionId)
  }

  /** A new join starts with no presence on the server. */
  forgetApplied(): void {
    this.#applied = null
  }

  /** Pushes the wanted state to `target` if it changed and the rate window allows; else later. */
  apply(target: PresenceTarget | null, retry: () => void): void {
    if (!target) return
    let latest: { payload: Record<string, unknown>; seq: number } | null = null
    for (const t of this.#trackers.values()) if (!latest || t.seq > latest.seq) latest = t
    const wanted = latest ? JSON.stringify(latest.payload) : null
    if (wanted === this.#applied) return
    const now = this.#clock.now()
    this.#pushes = this.#pushes.filter((t) => now - t < PRESENCE_WINDOW_MS)
    if (this.#pushes.length >= PRESENCE_LIMIT) {
      if (!this.#timer.pending) this.#timer.set(this.#pushes[0] + PRESENCE_WINDOW_MS - now, retry)
      return
    }
    this.#pushes.push(now)
    const previous = this.#applied
    this.#applied = wanted
    if (latest) void target.track(latest.payload)
    else if (previous !== null) void target.untrack()
  }

  dispose(): void {
    this.#timer.clear()
  }
}
