/** The tabs served by one socket hub: what the hub asks of them all together. */
import type { TabSession } from './tab-session.ts'
import type { TabEvent } from '../protocol/wire.ts'

export class TabRegistry implements Iterable<TabSession> {
  #tabs = new Set<TabSession>()

  get size(): number {
    return this.#tabs.size
  }

  [Symbol.iterator](): Iterator<TabSession> {
    return this.#tabs.values()
  }

  add(tab: TabSession): void {
    this.#tabs.add(tab)
  }

  delete(tab: TabSession): void {
    this.#tabs.delete(tab)
  }

  /** Tells every tab (health, alerts). */
  pushAll(event: TabEvent): void {
    for (const tab of this.#tabs) tab.push(event)
  }

  /** The network counts as up while any tab reports `navigator.onLine`. */
  anyOnline(): boolean {
    for (const tab of this.#tabs) if (tab.online) return true
    return false
  }

  /** No tab but `except` is visible. */
  allHiddenBut(except: TabSession): boolean {
    for (const tab of this.#tabs) if (tab !== except && tab.visible) return false
    return true
  }

  /** Asks one tab with an `accessToken` callback for a fresh token, a visible one first; a stalled one would not answer. */
  requestToken(reason: string): void {
    const tabs = [...this.#tabs].sort((a, b) => Number(b.visible) - Number(a.visible))
    tabs.find((t) => t.hasTokenCallback && !t.stalled)?.push({ type: 'auth/refresh', reason })
  }

  /** Forgets a subscription in every tab that holds it. */
  forgetSubscription(subscriptionId: string): void {
    for (const tab of this.#tabs) tab.subscriptions.delete(subscriptionId)
  }

  stalled(): TabSession[] {
    return [...this.#tabs].filter((t) => t.stalled)
  }
}
