/**
 * Every timer of the server goes through a Clock, so tests can inject one. The system clock reads the
 * globals at call time: fake timers installed after the server was created still apply.
 */
export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
}

/** Resolves after `ms` on the given clock (0 still yields to the event loop). */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms))
}

/** Timers that end together: `clear()` cancels every one still pending (a socket that closes). */
export interface TimerSet {
  /** Runs `callback` after `ms` unless cleared first. */
  later(callback: () => void, ms: number): void
  clear(): void
}

export function createTimerSet(clock: Clock): TimerSet {
  const timers = new Set<unknown>()
  return {
    later(callback, ms) {
      const timer = clock.setTimeout(() => {
        timers.delete(timer)
        callback()
      }, ms)
      timers.add(timer)
    },
    clear() {
      for (const timer of timers) clock.clearTimeout(timer)
      timers.clear()
    },
  }
}
