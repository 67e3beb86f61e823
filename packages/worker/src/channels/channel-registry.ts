/** The channel groups of one socket, by topic, and what the socket hub asks of them all together. */
import { ChannelGroup } from './channel-group.ts'
import type { ChannelGroupDeps } from './channel-deps.ts'

export class ChannelRegistry implements Iterable<ChannelGroup> {
  #groups = new Map<string, ChannelGroup>()
  #depsFor: (topic: string, onClosed: () => void) => ChannelGroupDeps
  #onForget: () => void

  /** `depsFor` gives each new group its narrow dependencies; `onForget` runs after a group left for good. */
  constructor(depsFor: (topic: string, onClosed: () => void) => ChannelGroupDeps, onForget: () => void) {
    this.#depsFor = depsFor
    this.#onForget = onForget
  }

  [Symbol.iterator](): Iterator<ChannelGroup> {
    return this.#groups.values()
  }

  get(topic: string): ChannelGroup | undefined {
    return this.#groups.get(topic)
  }

  /** The group of `topic`, created if missing (`isPrivate` null until a subscriber says). */
  open(topic: string, isPrivate: boolean | null = null): ChannelGroup {
    const existing = this.#groups.get(topic)
    if (existing) return existing
    const group: ChannelGroup = new ChannelGroup(
      this.#depsFor(topic, () => {
        if (this.#groups.get(topic) === group) this.#groups.delete(topic)
        this.#onForget()
      }),
      topic,
      isPrivate,
    )
    this.#groups.set(topic, group)
    return group
  }

  groupOf(subscriptionId: string): ChannelGroup | undefined {
    for (const group of this.#groups.values()) if (group.has(subscriptionId)) return group
    return undefined
  }

  /** Topics that need a server channel (subscribed, in their leave grace, or with queued messages). */
  wantedCount(): number {
    let count = 0
    for (const group of this.#groups.values()) if (group.wanted) count++
    return count
  }

  /** The last refusal of some topic asked for the rate-limit backoff. */
  rateLimited(): boolean {
    for (const group of this.#groups.values()) if (group.lastRefusal?.retry === 'rate-limit') return true
    return false
  }

  joinAll(): void {
    for (const group of this.#groups.values()) group.join()
  }

  /** The outbox changed under the groups (another hub's entries, or ones it removed): each drains again. */
  flushAll(): void {
    for (const group of this.#groups.values()) group.flush()
  }

  /** The socket went away: every group hears it, then its channel instances are gone with the client. */
  lostAll(reason: string, detach = false): void {
    for (const group of this.#groups.values()) group.lost(reason)
    if (detach) for (const group of this.#groups.values()) group.detach()
  }

  tokenChanged(): void {
    for (const group of this.#groups.values()) group.tokenChanged()
  }

  dispose(): void {
    for (const group of this.#groups.values()) group.dispose()
    this.#groups.clear()
  }
}
