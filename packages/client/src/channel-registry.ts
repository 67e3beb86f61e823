/**
 * The tab's channels: by topic (`channel(name)` returns the same one), by hub subscription id (where
 * the delivery demux sends events), and the presence each one tracks (re-tracked on a new hub).
 */
import type { SharedChannel } from './channel.ts'
import type { HubCall } from './hub/hub-connection.ts'

export class ChannelRegistry {
  #byTopic = new Map<string, SharedChannel>()
  #bySubscription = new Map<string, SharedChannel>()
  #tracked = new Map<SharedChannel, Record<string, unknown>>()

  get(topic: string): SharedChannel | undefined {
    return this.#byTopic.get(topic)
  }

  add(channel: SharedChannel): void {
    this.#byTopic.set(channel.topic, channel)
  }

  all(): SharedChannel[] {
    return [...this.#byTopic.values()]
  }

  /** Forgets the channel's topic (if this channel still holds it): `channel(name)` then makes a new one. */
  forget(channel: SharedChannel): void {
    if (this.#byTopic.get(channel.topic) === channel) this.#byTopic.delete(channel.topic)
  }

  /** Where the hub's events for `subscriptionId` go. */
  bySubscription(subscriptionId: string): SharedChannel | undefined {
    return this.#bySubscription.get(subscriptionId)
  }

  joined(subscriptionId: string, channel: SharedChannel): void {
    this.#bySubscription.set(subscriptionId, channel)
  }

  left(subscriptionId: string, channel: SharedChannel): void {
    this.#bySubscription.delete(subscriptionId)
    this.#tracked.delete(channel)
  }

  /** The presence payload this tab tracks on the subscription's channel, or `null` after untrack(). */
  track(subscriptionId: string, payload: Record<string, unknown> | null): void {
    const channel = this.#bySubscription.get(subscriptionId)
    if (!channel) return
    if (payload) this.#tracked.set(channel, payload)
    else this.#tracked.delete(channel)
  }

  /** Rebuilds every live subscription, and its tracked presence, on a new hub. */
  async restore(call: HubCall): Promise<void> {
    for (const channel of this.#byTopic.values()) {
      const request = channel.subscribeRequest()
      if (!request) continue
      await call('subscribe()', (api) => api.subscribe(request))
      const tracked = this.#tracked.get(channel)
      if (tracked) await call('track()', (api) => api.track(request.subscriptionId, tracked))
    }
  }

  /** Closes every channel without callbacks (the client is closing). */
  teardown(): void {
    for (const channel of this.#byTopic.values()) channel.teardown()
    this.#byTopic.clear()
    this.#bySubscription.clear()
    this.#tracked.clear()
  }
}
