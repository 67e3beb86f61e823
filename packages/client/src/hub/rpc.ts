/**
 * Calls into the hub with a deadline. Comlink has no timeouts, and a call to a killed worker never
 * settles (browser-platform.md §9): every call here rejects with a typed `timeout` instead of hanging.
 */
import type { Clock, Result } from '@shared-realtime/worker/protocol'
import { RealtimeError } from '../errors.ts'

/**
 * Settles with `promise`, or rejects with a `timeout` RealtimeError after `ms` on `clock`; the timer is
 * cleared either way, and any other rejection becomes a RealtimeError.
 * @example
 * const reply = await withTimeout(clock, remote.ping(), 5_000, 'hub check')
 */
export function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(RealtimeError.of('timeout', `${what} got no answer from the shared worker within ${ms} ms`, true))
    }, ms)
    promise.then(
      (value) => {
        clock.clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clock.clearTimeout(timer)
        reject(toRealtimeError(error, what))
      },
    )
  })
}

/** A hub method's `Result` as a value, or its error payload rebuilt into a RealtimeError and thrown. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value
  throw new RealtimeError(result.error)
}

/** Structured-clone failures (functions, DOM nodes, class instances with private state) become typed errors. */
export function toRealtimeError(error: unknown, what: string): RealtimeError {
  if (error instanceof RealtimeError) return error
  const name = (error as { name?: string })?.name
  if (name === 'DataCloneError') {
    return RealtimeError.of('invalid-argument', `${what}: the value cannot be sent to the shared worker (it is not structured-cloneable)`, false, error)
  }
  return RealtimeError.of('protocol', `${what} failed: ${(error as Error)?.message ?? String(error)}`, true, error)
}
