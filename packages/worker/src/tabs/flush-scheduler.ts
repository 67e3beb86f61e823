/**
 * When tabs' delivery queues are flushed: after one timer shared by every tab of a project, instead
 * of one timer per tab per event. Even at 0 ms the timer comes after the socket messages already
 * waiting in the worker's task queue, so a worker that is behind sends what queued meanwhile as one
 * batch per tab. A longer delay (`deliveryBatchMs`, or adaptive-batching.ts under load) trades
 * latency for fewer messages.
 */
import { Timeout, type Clock } from '../clock.ts'

/** A flush returns how many events it handed its tab (counted by `onFlushed`). */
export type ScheduleFlush = (flush: () => number | void) => void

/**
 * How a zero delay is waited: a timer (the worker, where timers are not throttled), or a microtask
 * (a hub inside a page, whose timers a hidden tab aligns to one-second wake-ups).
 */
export type ZeroDelay = 'timer' | 'microtask'

export class FlushScheduler {
  #pending: (() => number | void)[] = []
  #timer: Timeout
  #delayMs: () => number
  #zeroDelay: ZeroDelay
  #microtaskQueued = false
  #onFlushed: (events: number) => void

  constructor(clock: Clock, delayMs: () => number = () => 0, zeroDelay: ZeroDelay = 'timer', onFlushed: (events: number) => void = () => {}) {
    this.#timer = new Timeout(clock)
    this.#delayMs = delayMs
    this.#zeroDelay = zeroDelay
    this.#onFlushed = onFlushed
  }

  readonly schedule: ScheduleFlush = (flush) => {
    this.#pending.push(flush)
    if (this.#timer.pending || this.#microtaskQueued) return
    const delay = this.#delayMs()
    if (delay === 0 && this.#zeroDelay === 'microtask') {
      this.#microtaskQueued = true
      queueMicrotask(() => {
        this.#microtaskQueued = false
        this.#runAll()
      })
    } else this.#timer.set(delay, this.#runAll)
  }

  #runAll = (): void => {
    const due = this.#pending
    this.#pending = []
    let events = 0
    for (const flush of due) events += flush() || 0
    this.#onFlushed(events)
  }

  /** Drops pending flushes and the timer (the hub is closing). */
  clear(): void {
    this.#timer.clear()
    this.#pending = []
  }
}
