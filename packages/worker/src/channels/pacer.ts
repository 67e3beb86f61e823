/** A token bucket that paces pushes under a per-second quota: `take()` says how long to wait. */
export class Pacer {
  #perSecond: number
  #tokens: number
  #updatedAt: number

  constructor(perSecond: number, now: number) {
    this.#perSecond = perSecond
    this.#tokens = perSecond
    this.#updatedAt = now
  }

  set perSecond(value: number) {
    this.#perSecond = value
    this.#tokens = Math.min(this.#tokens, value)
  }

  /** Reserves one slot; returns 0 to go now, or the delay in ms after which the slot is due. */
  take(now: number): number {
    const elapsed = Math.max(0, now - this.#updatedAt)
    this.#tokens = Math.min(this.#perSecond, this.#tokens + (elapsed * this.#perSecond) / 1000)
    this.#updatedAt = now
    this.#tokens -= 1
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#perSecond)
  }
}
