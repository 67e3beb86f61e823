/**
 * The tab's copy of the hub's health: the hub pushes a snapshot on every change, and the tab reads it
 * synchronously (`getHealthStatus()`). Status, quality and the whole snapshot each have listeners.
 */
import type { ConnectionQuality, ConnectionStatus, HealthSnapshot } from '@shared-realtime/worker/protocol'
import { Listeners, type Unsubscribe } from '../disposable.ts'
import type { RealtimeError } from '../errors.ts'

export interface ConnectionStateChange {
  status: ConnectionStatus
  reason: string
}

/**
 * @example
 * const mirror = new HealthMirror(initialHealth(resolveHubOptions({})))
 * mirror.onState(({ status }) => render(status))
 * mirror.set(snapshotFromHub)
 */
export class HealthMirror {
  #health: HealthSnapshot
  /** What only the tab knows (where its hub runs), laid over every snapshot from the hub. */
  #local: () => Pick<HealthSnapshot, 'mode' | 'leaderEpoch' | 'ignoredMessages'> = () => ({})
  #health$ = new Listeners<HealthSnapshot>()
  #state$ = new Listeners<ConnectionStateChange>()
  #quality$ = new Listeners<ConnectionQuality>()

  constructor(initial: HealthSnapshot) {
    this.#health = initial
  }

  get snapshot(): HealthSnapshot {
    return this.#health
  }

  /** The hub's call deadline, which the tab uses for its own calls into the hub. */
  get timeoutMs(): number {
    return this.#health.options.timeoutMs
  }

  /** Replaces the snapshot; state and quality listeners hear only actual changes, health listeners every snapshot. */
  set(health: HealthSnapshot): void {
    const before = this.#health
    this.#health = { ...health, ...this.#local() }
    if (before.status !== health.status || before.reason !== health.reason) this.#state$.emit({ status: health.status, reason: health.reason })
    if (before.quality !== health.quality) this.#quality$.emit(health.quality)
    this.#health$.emit(health)
  }

  /** Where this tab's hub runs, read on every snapshot from the next one on. */
  setMode(local: () => Pick<HealthSnapshot, 'mode' | 'leaderEpoch' | 'ignoredMessages'>): void {
    this.#local = local
  }

  /** A failure in this tab only (a throwing transform): shown as `lastError` until the hub's next snapshot. */
  reportError(error: RealtimeError, now: number): void {
    this.set({ ...this.#health, lastError: error.toJSON(), errorCount: this.#health.errorCount + 1, at: now })
  }

  onHealth(callback: (health: HealthSnapshot) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#health$.on(callback, options)
  }

  onState(callback: (state: ConnectionStateChange) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#state$.on(callback, options)
  }

  onQuality(callback: (quality: ConnectionQuality) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    return this.#quality$.on(callback, options)
  }

  /** The client closed: no listener hears anything more. */
  clear(): void {
    this.#health$.clear()
    this.#state$.clear()
    this.#quality$.clear()
  }
}
