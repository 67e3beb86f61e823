/**
 * Gap-free recovery of a private channel's broadcasts (issue #15). The group keeps its newest
 * messages with a `meta.id` (Broadcast from Database) in a small log. When a subscription is owed a
 * catch-up — the socket dropped (`outage`), or its tab came back from a hub restart with a
 * `ResumeHint` (`resume`) — the next join asks the server to replay everything since the oldest
 * last-seen time minus a clock-skew margin. Replayed rows go into the log, not to the tabs; when the
 * replay is over (a live message, the limit reached, or `REPLAY_SETTLE_MS` without one) each owed
 * subscription gets what follows the newest message it knew, once, then its `channel/resync`
 * notice, then the live stream. `complete` says the replay reached back to a message the tab had.
 * A live message whose id is already in the log is dropped (the same message twice, across tabs).
 * A tab that stalled (its events were dropped) is caught up from the log the same way, by time.
 */
import { Timeout, type Clock } from '../clock.ts'
import type { EncodedPayload } from '../protocol/delivery-port.ts'
import type { ResumeHint } from '../protocol/wire.ts'
import { routeServerEvent, type Delivery } from './router.ts'
import type { Subscription } from './subscriptions.ts'

/** The real server's replay limit: the hub always asks for all of it. */
export const REPLAY_LIMIT = 25
/** The replay starts this long before the last message seen: the server's clock and ours may differ by as much. */
export const CLOCK_SKEW_MARGIN_MS = 5_000
/** Replayed rows follow the join reply at once: the replay is over after this long without one. */
export const REPLAY_SETTLE_MS = 300
/** Newest messages kept per topic (more than one replay, so a replay's overlap is recognised)… */
export const LOG_SIZE = 64
/** …and at most this many characters of their JSON, so large payloads cannot pile up. */
export const LOG_MAX_CHARS = 1_000_000

export interface Logged {
  id: string
  event: string | undefined
  payload: EncodedPayload
  /** When it arrived (hub clock). */
  at: number
}

interface Owed {
  since: number
  /** The last-seen time the replay must reach back to. */
  from: number
  reason: string
  /** The ids the subscriber had; null: it missed everything that arrived since `since` (a stalled tab). */
  known: ReadonlySet<string> | null
}

export interface RecoveryDeps {
  clock: Clock
  subscriptions(): Iterable<Subscription>
  deliver(deliveries: Delivery<Subscription>[], payload: EncodedPayload): void
  /** The channel also carries Postgres changes, which are never replayed: no notice is complete. */
  hasPostgres(): boolean
}

/**
 * Where a catch-up starts in the log: after the newest message the subscriber knew (`anchored`), or
 * at the start when it knew none of them.
 * @example
 * catchUpFrom([{ id: 'a' }, { id: 'b' }, { id: 'c' }], new Set(['a', 'b'])) // → { start: 2, anchored: true }
 */
export function catchUpFrom(log: readonly { id: string }[], known: ReadonlySet<string>): { start: number; anchored: boolean } {
  for (let i = log.length - 1; i >= 0; i--) if (known.has(log[i].id)) return { start: i + 1, anchored: true }
  return { start: 0, anchored: false }
}

const sizeOf = (m: Logged) => ('json' in m.payload ? m.payload.json.length : 0)

export class Recovery {
  #deps: RecoveryDeps
  #log: Logged[] = []
  /** When the newest log entry arrived. */
  #at = 0
  /** Since when the log holds every message (no outage or trimming after it). */
  #coveredFrom = Infinity
  #chars = 0
  /** The server could not replay: the next join goes without. */
  #skip = false
  #owed = new Map<string, Owed>()
  /** The `since` of the replay the join in flight asked for. */
  #asked: number | null = null
  /** Replay in progress: its `since`, rows received, rows added to the log, and whether one was already known. */
  #phase: { since: number; rows: number; added: number; anchored: boolean } | null = null
  #joinedAt: number | null = null
  #timer: Timeout

  constructor(deps: RecoveryDeps) {
    this.#deps = deps
    this.#timer = new Timeout(deps.clock)
  }

  /** A tab back from a hub restart brings what it had. */
  resume(subscriptionId: string, hint: ResumeHint): void {
    this.#owed.set(subscriptionId, { since: hint.since, from: hint.lastAt ?? hint.since, reason: 'hub-restarted', known: new Set(hint.ids) })
  }

  /** The channel stopped receiving at `since`: every subscriber not owed a catch-up yet is owed one. */
  outage(since: number): void {
    const known = new Set(this.#log.map((m) => m.id))
    const from = this.#log.length > 0 ? this.#at : (this.#joinedAt ?? since)
    for (const sub of this.#deps.subscriptions()) {
      if (!this.#owed.has(sub.id)) this.#owed.set(sub.id, { since, from, reason: 'rejoined', known })
    }
  }

  /**
   * A stalled tab caught up: its events since `since` were dropped. Returns false when this channel
   * keeps no log (not private): the tab then gets the plain notice.
   */
  stalled(subscriptionId: string, since: number, joined: boolean): boolean {
    if (this.#coveredFrom === Infinity) return false
    if (!this.#owed.has(subscriptionId)) this.#owed.set(subscriptionId, { since, from: since, reason: 'tab-stalled', known: null })
    if (joined) this.settleIdle()
    return true
  }

  forget(subscriptionId: string): void {
    this.#owed.delete(subscriptionId)
  }

  /** The `replay` the next join asks for: on a private channel with broadcast listeners that owes a catch-up. */
  replay(eligible: boolean): { since: number; limit: number } | undefined {
    const from = Math.min(...[...this.#owed.values()].map((o) => o.from))
    this.#asked = eligible && !this.#skip && this.#owed.size > 0 ? Math.floor(from - CLOCK_SKEW_MARGIN_MS) : null
    this.#skip = false
    return this.#asked === null ? undefined : { since: this.#asked, limit: REPLAY_LIMIT }
  }

  /** The join succeeded: wait for the replay it asked for, or settle what is owed now. */
  joined(now: number, logged: boolean): void {
    this.#joinedAt = now
    if (logged && this.#coveredFrom === Infinity) this.#coveredFrom = now
    const since = this.#asked
    // Nothing was replayed: what the log held before the outage is cut off from what comes next.
    if (since === null) return this.#catchUp(this.#owed.size > 0 ? 0 : Infinity, Infinity)
    this.#asked = null
    this.#phase = { since, rows: 0, added: 0, anchored: false }
    this.#timer.set(REPLAY_SETTLE_MS, () => this.#end())
  }

  /**
   * The server refused the join for `message`: when it is the replay the hub asked for that failed
   * (`UnableToReplayMessages`), the next join goes without one (the gap is then reported incomplete)
   * instead of the channel failing for good.
   */
  replayRefused(message: string): boolean {
    this.#skip = this.#asked !== null && message.startsWith('UnableToReplayMessages')
    return this.#skip
  }

  /** The server channel went away mid-replay: what is owed stays owed for the next join. */
  interrupt(): void {
    this.#phase = null
    this.#asked = null
    this.#timer.clear()
  }

  /** A subscriber that arrived while the channel was joined: settle what it is owed now (unless a replay runs). */
  settleIdle(): void {
    if (!this.#phase) this.#catchUp(Infinity, Infinity)
  }

  /**
   * A broadcast with a `meta.id`. Returns whether the group routes it now: not a duplicate, and not
   * a replayed row of the hub's own catch-up (those wait in the log for the end of the replay).
   */
  accept(message: Logged, replayed: boolean, now: number): boolean {
    const phase = this.#phase
    const seen = this.#log.some((m) => m.id === message.id)
    if (phase && replayed) {
      phase.rows++
      if (seen || [...this.#owed.values()].some((o) => o.known?.has(message.id))) phase.anchored = true
      if (!seen) phase.added++
    } else if (phase) this.#end()
    if (seen) return false
    this.#log.push(message)
    this.#at = now
    this.#chars += sizeOf(message)
    while (this.#log.length > LOG_SIZE || this.#chars > LOG_MAX_CHARS) this.#drop(this.#log.shift()!)
    if (!phase || !replayed) return true
    if (phase.rows >= REPLAY_LIMIT) this.#end()
    else this.#timer.set(REPLAY_SETTLE_MS, () => this.#end())
    return false
  }

  #end(): void {
    const phase = this.#phase
    if (!phase) return
    this.interrupt()
    // Fewer rows than the limit: everything since the replay's `since` came. A full replay that
    // reached no known message: rows may be missing between the log and it.
    const short = phase.rows < REPLAY_LIMIT
    this.#catchUp(phase.anchored || short ? Infinity : phase.added, short ? phase.since : Infinity)
  }

  /**
   * Keeps the newest `keep` log entries (a gap before them), then catches up every owed subscriber.
   * Everything since `covered` came (a replay shorter than its limit).
   */
  #catchUp(keep: number, covered: number): void {
    if (keep !== Infinity) {
      for (const m of this.#log.splice(0, Math.max(0, this.#log.length - keep))) this.#drop(m)
      this.#coveredFrom = Math.max(this.#coveredFrom, this.#deps.clock.now())
    }
    if (this.#owed.size === 0) return
    const now = this.#deps.clock.now()
    const postgres = this.#deps.hasPostgres()
    for (const sub of this.#deps.subscriptions()) {
      const owed = this.#owed.get(sub.id)
      if (!owed) continue
      const { start, anchored } = owed.known ? catchUpFrom(this.#log, owed.known) : this.#since(owed.since)
      const missed = this.#log.slice(start)
      for (const m of missed) {
        const deliveries = routeServerEvent([sub], 'broadcast', m.event)
        if (deliveries.length > 0) this.#deps.deliver(deliveries, m.payload)
      }
      const complete = !postgres && (anchored || owed.from - CLOCK_SKEW_MARGIN_MS >= covered)
      sub.tab.push({ type: 'channel/resync', subscriptionId: sub.id, since: owed.since, until: now, reason: owed.reason, replayed: missed.length, complete })
    }
    this.#owed.clear()
  }

  /** Where a catch-up by time starts: the first message that arrived at or after `since`. */
  #since(since: number): { start: number; anchored: boolean } {
    const start = this.#log.findIndex((m) => m.at >= since)
    return { start: start < 0 ? this.#log.length : start, anchored: this.#coveredFrom <= since }
  }

  #drop(m: Logged): void {
    this.#chars -= sizeOf(m)
    this.#coveredFrom = Math.max(this.#coveredFrom, m.at + 1)
  }

  dispose(): void {
    this.interrupt()
  }
}
