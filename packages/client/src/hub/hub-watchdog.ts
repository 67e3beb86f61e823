/**
 * Backs up the hub's lifetime lock: pings the hub every `intervalMs` (a timeout chain on the injected
 * clock). A ping that fails, times out or answers another epoch means the hub this tab knew is gone.
 */
import { Timeout, type Clock, type HubPortApi } from '@shared-realtime/worker/protocol'
import { unwrap, withTimeout } from './rpc.ts'

/** A ping never waits longer than this, however long the hub's call deadline. */
export const MAX_PING_TIMEOUT_MS = 5_000

export interface HubWatchdogOptions {
  clock: Clock
  intervalMs: number
  /** The call deadline now (the hub's `timeoutMs` may change). */
  timeoutMs(): number
  ping: HubPortApi['ping']
  /** The epoch the hub answered at hello. */
  epoch: string
  /** The hub answered with the same epoch. */
  alive(): void
  /** Called once: the hub did not answer, or a new one did. The chain stops. */
  lost(): void
}

export interface HubWatchdog {
  stop(): void
}

/**
 * @example
 * const watchdog = startHubWatchdog({ clock, intervalMs: 5_000, timeoutMs: () => 10_000, ping: () => remote.ping(), epoch, alive, lost })
 * watchdog.stop()
 */
export function startHubWatchdog(options: HubWatchdogOptions): HubWatchdog {
  const { clock, intervalMs, epoch } = options
  const timer = new Timeout(clock)
  let stopped = false
  const check = () => {
    // Called in a promise: a proxy released meanwhile throws synchronously, and that counts as lost.
    withTimeout(clock, Promise.resolve().then(() => options.ping()), Math.min(options.timeoutMs(), MAX_PING_TIMEOUT_MS), 'hub check')
      .then(unwrap)
      .then(
        (answered) => {
          if (stopped) return
          if (answered !== epoch) return lost()
          options.alive()
          timer.set(intervalMs, check)
        },
        () => {
          if (!stopped) lost()
        },
      )
  }
  const lost = () => {
    stopped = true
    options.lost()
  }
  timer.set(intervalMs, check)
  return {
    stop() {
      stopped = true
      timer.clear()
    },
  }
}
