/**
 * Who may flush and delete a project's stored outbox: the holder of an exclusive Web Lock named after
 * the project (protocol/names.ts `outboxLockName`), held for the holder's life. Every other hub of
 * the origin (an in-page fallback, an old deploy's worker, a worker WebKit restarted) only appends.
 * The lock is released when the holder ends, however it ends, so ownership passes to the next waiter.
 */
export interface OwnerLock {
  /**
   * Asks for the lock and keeps it until `release()`. `first` resolves once the first attempt is
   * known: true if it was granted at once (this hub owns from the start), false if another holds it
   * (then `onGranted` runs later, when it is released).
   */
  hold(name: string, onGranted: () => void): { first: Promise<boolean>; release(): void }
}

export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => unknown): Promise<unknown>
}

export function createWebLocksOwner(locks: LockManagerLike): OwnerLock {
  return {
    hold(name, onGranted) {
      const controller = new AbortController()
      let release = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      let dropped = false
      let answer = (_granted: boolean) => {}
      const first = new Promise<boolean>((resolve) => (answer = resolve))
      const keep = () => {
        if (dropped) return
        onGranted()
        return held
      }
      locks
        .request(name, { ifAvailable: true }, (lock) => {
          answer(lock !== null)
          if (lock !== null) return keep()
          // Another hub owns it: wait in line (granted when that hub ends, or never if we give up first).
          locks.request(name, { signal: controller.signal }, keep).catch(() => {})
          return null
        })
        .catch(() => answer(false))
      return {
        first,
        release() {
          dropped = true
          controller.abort()
          release()
        },
      }
    },
  }
}

/** One hub with a memory store (Node, tests): it owns its outbox, as before there were owners. */
export const soleOwner: OwnerLock = {
  hold(_name, onGranted) {
    onGranted()
    return { first: Promise.resolve(true), release() {} }
  },
}
