/**
 * `onMetrics(callback, { intervalMs })`: a metrics snapshot every interval, e.g. to ship it to a
 * Supabase table. A timeout chain on the injected clock (re-armed after each read, so a slow hub never
 * stacks reads); a read that fails is skipped and tried again next interval.
 */
import { Timeout, type Clock, type PerformanceMetrics } from '@shared-realtime/worker/protocol'
import { RealtimeError } from '../errors.ts'
import { unsubscriber, type Unsubscribe } from '../disposable.ts'

export const DEFAULT_METRICS_INTERVAL_MS = 10_000
export const MIN_METRICS_INTERVAL_MS = 100

export interface MetricsPollerOptions {
  clock: Clock
  /** Reads one snapshot (through the hub, with its own deadline). */
  read(): Promise<PerformanceMetrics>
}

export interface MetricsPoller {
  /** Starts one poll; the returned function (or `signal`) stops it. */
  add(callback: (metrics: PerformanceMetrics) => void, options?: { intervalMs?: number; signal?: AbortSignal }): Unsubscribe
  /** Stops every poll (the client closed). */
  stopAll(): void
  /** Polls running now. */
  readonly size: number
}

/**
 * @example
 * const poller = createMetricsPoller({ clock: systemClock, read: () => realtime.getPerformanceMetrics() })
 * const off = poller.add((m) => ship(m), { intervalMs: 60_000 })
 */
export function createMetricsPoller({ clock, read }: MetricsPollerOptions): MetricsPoller {
  const stops = new Set<Unsubscribe>()
  return {
    add(callback, options = {}) {
      if (typeof callback !== 'function') throw RealtimeError.of('invalid-argument', 'onMetrics() needs a callback')
      const intervalMs = options.intervalMs ?? DEFAULT_METRICS_INTERVAL_MS
      if (!(intervalMs >= MIN_METRICS_INTERVAL_MS)) throw RealtimeError.of('invalid-argument', `onMetrics(): intervalMs must be at least ${MIN_METRICS_INTERVAL_MS}`)
      const timer = new Timeout(clock)
      let stopped = false
      const tick = async () => {
        try {
          const metrics = await read()
          if (!stopped) callback(metrics)
        } catch {
          // The hub was unreachable this time; try again next interval.
        }
        if (!stopped) timer.set(intervalMs, tick)
      }
      timer.set(intervalMs, tick)
      let off: Unsubscribe | undefined
      const stop = () => {
        stopped = true
        timer.clear()
        if (off) stops.delete(off)
      }
      off = unsubscriber(stop, options.signal)
      // An already aborted signal stopped it inside unsubscriber(): nothing to keep.
      if (!stopped) stops.add(off)
      return off
    },
    stopAll() {
      for (const stop of [...stops]) stop()
    },
    get size() {
      return stops.size
    },
  }
}
