/**
 * The tab subscriptions to one topic, in arrival order: who they are, whether the topic is private,
 * the shapes the merged join is built from, and the status every subscriber hears.
 */
import type { TabSession } from '../tabs/tab-session.ts'
import { errorPayload, type RealtimeErrorPayload } from '../protocol/errors.ts'
import type { BindingSpec, SubscribeRequest, SubscribeStatus } from '../protocol/wire.ts'
import type { Routable } from './router.ts'
import type { SubscriptionShape } from './join-spec.ts'

export interface Subscription extends Routable {
  readonly tab: TabSession
  readonly request: SubscribeRequest
  readonly bindings: BindingSpec[]
}

export class Subscriptions implements Iterable<Subscription> {
  #subs = new Map<string, Subscription>()
  /** Null until a subscriber says (a topic joined only for the outbox knows it from its entries). */
  #private: boolean | null

  constructor(isPrivate: boolean | null) {
    this.#private = isPrivate
  }

  get size(): number {
    return this.#subs.size
  }

  get isPrivate(): boolean {
    return this.#private === true
  }

  [Symbol.iterator](): Iterator<Subscription> {
    return this.#subs.values()
  }

  get(id: string): Subscription | undefined {
    return this.#subs.get(id)
  }

  has(id: string): boolean {
    return this.#subs.has(id)
  }

  /** Public and private channels of one name cannot share the socket. */
  conflictWith(request: SubscribeRequest): RealtimeErrorPayload | null {
    const current = this.#subs.size > 0 ? this.#private : null
    if (current === null || current === (request.config.private === true)) return null
    return errorPayload(
      'channel-rejected',
      `channel "${request.topic}" is already subscribed as ${current ? 'private' : 'public'} on the shared socket; public and private channels of one name cannot share it`,
    )
  }

  add(tab: TabSession, request: SubscribeRequest): void {
    this.#private = request.config.private === true
    const self = request.config.broadcast?.self === true
    this.#subs.set(request.subscriptionId, { id: request.subscriptionId, tab, request, bindings: [...request.bindings], self })
  }

  delete(id: string): boolean {
    return this.#subs.delete(id)
  }

  /** What the merged join is built from; with no subscriber, a bare join of the right privacy (for the outbox). */
  shapes(): SubscriptionShape[] {
    const shapes = [...this.#subs.values()].map((s) => ({ config: s.request.config, bindings: s.bindings }))
    if (shapes.length === 0) shapes.push({ config: { private: this.isPrivate }, bindings: [] })
    return shapes
  }

  /** Every subscriber hears `status`, as each would from its own supabase-js channel. */
  tellAll(status: SubscribeStatus, error?: RealtimeErrorPayload): void {
    for (const sub of this.#subs.values()) {
      sub.tab.push({ type: 'channel/status', subscriptionId: sub.id, status, ...(error ? { error } : {}) })
    }
  }
}
