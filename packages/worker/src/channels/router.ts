/**
 * Fan-out as a pure function: which subscriptions of a topic an event reaches, and through which of
 * their bindings, by supabase-js's own matching rules (join-spec.ts `matchingBindingIds`). The channel
 * group encodes the payload once and pushes one delivery per entry to the tabs.
 */
import { matchingBindingIds } from './join-spec.ts'
import type { BindingSpec } from '../protocol/wire.ts'

export type RoutedType = 'broadcast' | 'presence' | 'system' | 'postgres_changes'

/** What the router reads of a subscription. */
export interface Routable {
  readonly id: string
  readonly bindings: readonly BindingSpec[]
  /** `config.broadcast.self`: the sender hears its own broadcasts. */
  readonly self: boolean
}

export interface Delivery<S extends Routable = Routable> {
  to: S
  bindingIds: number[]
}

/**
 * An event from the server. Presence reaches every subscription, matched or not, because each tab
 * mirrors the presence state that comes with it; the others reach only matching subscriptions.
 */
export function routeServerEvent<S extends Routable>(subscriptions: Iterable<S>, type: RoutedType, event: string | undefined, postgresKey?: string): Delivery<S>[] {
  const deliveries: Delivery<S>[] = []
  for (const to of subscriptions) {
    const bindingIds = matchingBindingIds(to.bindings, type, event, postgresKey)
    if (bindingIds.length > 0 || type === 'presence') deliveries.push({ to, bindingIds })
  }
  return deliveries
}

/**
 * A broadcast this hub sent, echoed to its own tabs (the server does not echo to the sending socket):
 * the sending subscription hears it only with `broadcast.self`, as a direct supabase-js sender would.
 */
export function routeEcho<S extends Routable>(subscriptions: Iterable<S>, sender: string | null, event: string): Delivery<S>[] {
  const deliveries: Delivery<S>[] = []
  for (const to of subscriptions) {
    if (to.id === sender && !to.self) continue
    const bindingIds = matchingBindingIds(to.bindings, 'broadcast', event)
    if (bindingIds.length > 0) deliveries.push({ to, bindingIds })
  }
  return deliveries
}

/** Deliveries that count in the metrics: presence updates mirror state and are not counted. */
export function countedDeliveries(type: RoutedType, deliveries: readonly Delivery[]): number {
  return type === 'presence' ? 0 : deliveries.length
}
