/**
 * Error codes as data: they cross the worker boundary by structured clone and are rebuilt into a
 * typed `RealtimeError` in the tab (Comlink alone would keep only `message`, `name` and `stack`).
 */
export const REALTIME_ERROR_CODES = [
  'timeout',
  'aborted',
  'queue-full',
  'circuit-open',
  'channel-rejected',
  'connection-lost',
  'unauthorized',
  'rate-limited',
  'invalid-argument',
  'closed',
  'protocol',
  'storage',
  /** The shared worker script did not load (wrong URL, bundler moved it, Content-Security-Policy). */
  'worker-load-failed',
  /** Nothing can connect here: a server (Node, SSR) has no SharedWorker and no page. */
  'unsupported',
  /** A subscription's `transform` threw for an event (the event is skipped for that callback only). */
  'transform-failed',
] as const

export type RealtimeErrorCode = (typeof REALTIME_ERROR_CODES)[number]

export interface RealtimeErrorPayload {
  code: RealtimeErrorCode
  message: string
  /** Whether trying again later can succeed. */
  retryable: boolean
  /** The original text (for example the server's join reason), kept for diagnostics. */
  details?: string
}

export function errorPayload(
  code: RealtimeErrorCode,
  message: string,
  retryable = false,
  details?: string,
): RealtimeErrorPayload {
  return details === undefined ? { code, message, retryable } : { code, message, retryable, details }
}
