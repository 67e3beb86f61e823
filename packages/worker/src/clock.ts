/**
 * Every timer of the hub goes through a Clock. The system clock reads the globals at call time, so
 * fake timers installed after the hub was created still apply (TanStack query-core's timeoutManager).
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

/** A source of numbers in [0, 1), injected for jitter so tests can pin it. */
export type Random = () => number

/** A named single-shot timer that is re-armed rather than stacked (phoenix `Timer`). */
export class Timeout {
  #clock: Clock
  #id: unknown = undefined

  constructor(clock: Clock) {
    this.#clock = clock
  }

  get pending(): boolean {
    return this.#id !== undefined
  }

  set(ms: number, callback: () => void): void {
    this.clear()
    this.#id = this.#clock.setTimeout(() => {
      this.#id = undefined
      callback()
    }, Math.max(0, ms))
  }

  clear(): void {
    if (this.#id === undefined) return
    this.#clock.clearTimeout(this.#id)
    this.#id = undefined
  }
}

/** Settles with `promise`, or with `'timed out'` after `ms` on `clock`, whichever comes first (its timer is cleared either way). */
export function withDeadline<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T | 'timed out'> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve('timed out'), ms)
    promise.then(
      (value) => {
        clock.clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clock.clearTimeout(timer)
        reject(error)
      },
    )
  })
}
