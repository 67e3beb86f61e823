/**
 * Knowing when a tab is gone. MessagePorts have no close event (whatwg/html#1766), so each tab holds
 * a Web Lock named after its id for its whole life; the hub requests the same lock, and the grant
 * means the tab has closed, crashed or navigated away (browser-platform.md §3).
 */
export interface Liveness {
  /** Calls `onGone` once the tab has gone; the returned function stops watching. */
  watch(tabId: string, onGone: () => void): () => void
}

import { tabLockName } from '../protocol/names.ts'

interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => unknown): Promise<unknown>
}

export function createWebLocksLiveness(locks: LockManagerLike): Liveness {
  return {
    watch(tabId, onGone) {
      const controller = new AbortController()
      locks.request(tabLockName(tabId), { signal: controller.signal }, () => onGone()).catch(() => {})
      return () => controller.abort()
    },
  }
}

/** Where Web Locks are missing (Node tests), only the goodbye message ends a tab. */
export const manualLiveness: Liveness = { watch: () => () => {} }
