/**
 * When a channel's token is checked for expiry, and the reason it is closed with (realtime-protocol.md
 * §11). Pure: the session arms the timers.
 */

/** Token expiry is re-checked at least this often. */
export const MAX_EXPIRY_CHECK_MS = 5 * 60_000

/** Delay until the next check of a token expiring at `expSeconds`: min(5 min, exp − now), never negative. */
export function expiryCheckDelay(expSeconds: number, nowMs: number): number {
  return Math.max(0, Math.min(MAX_EXPIRY_CHECK_MS, expSeconds * 1000 - nowMs))
}

/** The close reason of an expired token, or null while it is valid. */
export function expiredReason(expSeconds: number, nowMs: number): string | null {
  const secondsAgo = Math.floor(nowMs / 1000) - expSeconds
  return secondsAgo >= 0 ? expiryReason(secondsAgo) : null
}

/** `/_dev/expire-tokens`: the reason a token is treated as expired now (0 seconds for a valid one). */
export function forcedExpiryReason(expSeconds: number, nowMs: number): string {
  return expiryReason(Math.max(0, Math.floor(nowMs / 1000) - expSeconds))
}

const expiryReason = (secondsAgo: number) => `Token has expired ${secondsAgo} seconds ago`
