/**
 * Liveness through Web Locks (browser-platform.md §3). The tab holds a lock named after itself for its
 * whole life: the hub learns the tab is gone when the browser releases it. The hub holds one for its
 * own life: a request for it is granted the moment the hub dies, which tells the tab at once.
 */
import { tabLockName } from '@shared-realtime/worker/protocol'

/** The part of `navigator.locks` used here (absent outside browsers and in old ones). */
export interface LockManagerLike {
  request(name: string, callback: () => Promise<void> | void): Promise<unknown>
}

/** The page's lock manager, read at call time (undefined in Node and where Web Locks are missing). */
export function pageLocks(): LockManagerLike | undefined {
  return typeof navigator === 'undefined' ? undefined : (navigator as Navigator).locks
}

export interface TabLock {
  /** Resolves once the lock is held (at once without Web Locks); holding it again is a no-op. */
  hold(): Promise<void>
  /** Lets the lock go: the hub then drops this tab. */
  release(): void
}

/**
 * @example
 * const lock = createTabLock(tabId, pageLocks)
 * await lock.hold() // before hello: the hub watches it
 */
export function createTabLock(tabId: string, locks: () => LockManagerLike | undefined): TabLock {
  let release: (() => void) | null = null
  let holding: Promise<void> | null = null
  return {
    hold() {
      const manager = locks()
      if (!manager) return Promise.resolve()
      holding ??= new Promise<void>((granted) => {
        void manager.request(tabLockName(tabId), () => {
          granted()
          return new Promise<void>((done) => (release = done))
        })
      })
      return holding
    },
    release() {
      release?.()
    },
  }
}

/**
 * Calls `onReleased` when the hub holding `lockName` dies (the request is granted only then). The
 * lock is let go at once: a new hub takes a lock of its own.
 */
export function watchHubLock(locks: LockManagerLike | undefined, lockName: string, onReleased: () => void): void {
  void locks?.request(lockName, () => onReleased())
}
