import type { RealtimeErrorCode, RealtimeErrorPayload } from '@shared-realtime/worker/protocol'

/**
 * The one error class of shared-realtime. `code` says what kind of failure it is (never parse the
 * message); `retryable` says whether trying again later can succeed.
 */
export class RealtimeError extends Error {
  readonly code: RealtimeErrorCode
  readonly retryable: boolean
  readonly details?: string

  constructor(payload: RealtimeErrorPayload, options?: { cause?: unknown }) {
    super(payload.message, options)
    this.name = 'RealtimeError'
    this.code = payload.code
    this.retryable = payload.retryable
    if (payload.details !== undefined) this.details = payload.details
  }

  static of(code: RealtimeErrorCode, message: string, retryable = false, cause?: unknown): RealtimeError {
    return new RealtimeError({ code, message, retryable }, cause === undefined ? undefined : { cause })
  }

  toJSON(): RealtimeErrorPayload {
    return { code: this.code, message: this.message, retryable: this.retryable, ...(this.details ? { details: this.details } : {}) }
  }
}

/** The error of any call made after `close()`, naming the fix. */
export function afterClose(what: string): RealtimeError {
  return RealtimeError.of('closed', `${what} after close(): create a new client`)
}
