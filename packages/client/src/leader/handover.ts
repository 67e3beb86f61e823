/**
 * When a leader tab hands over: Chrome throttles a hidden page's timers (to 1 minute after 5 minutes
 * hidden), which would starve the hub's heartbeat. A leader hidden for LEADER_HIDDEN_HANDOVER_MS on
 * end, that knows a follower is visible (followers report it on their link), abdicates so that a
 * visible tab leads. Becoming visible in time clears the timer.
 */
export const LEADER_HIDDEN_HANDOVER_MS = 240_000

export interface HandoverEnv {
  hidden(): boolean
  /** Calls `listener` on every visibility change of the page; returns an unsubscribe. */
  onVisibilityChange(listener: () => void): () => void
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

export class HiddenHandover {
  #env: HandoverEnv
  #abdicate: () => void
  #visible = new Set<string>()
  #timer: unknown = null
  /** Hidden for the whole timeout: hands over as soon as a follower is visible. */
  #overdue = false
  #off: () => void

  constructor(env: HandoverEnv, abdicate: () => void) {
    this.#env = env
    this.#abdicate = abdicate
    this.#off = env.onVisibilityChange(() => this.#update())
    this.#update()
  }

  #update(): void {
    if (!this.#env.hidden()) {
      this.#clear()
      this.#overdue = false
    } else if (this.#timer === null && !this.#overdue) {
      this.#timer = this.#env.setTimeout(() => {
        this.#timer = null
        this.#overdue = true
        this.#check()
      }, LEADER_HIDDEN_HANDOVER_MS)
    }
  }

  /** A follower's link reported its page's visibility (a closed link counts as hidden). */
  follower(link: string, hidden: boolean): void {
    if (hidden) this.#visible.delete(link)
    else this.#visible.add(link)
    this.#check()
  }

  #check(): void {
    if (!this.#overdue || this.#visible.size === 0) return
    this.close()
    this.#abdicate()
  }

  #clear(): void {
    if (this.#timer !== null) this.#env.clearTimeout(this.#timer)
    this.#timer = null
  }

  close(): void {
    this.#clear()
    this.#overdue = false
    this.#off()
  }
}
