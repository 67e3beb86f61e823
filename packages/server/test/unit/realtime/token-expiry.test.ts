import { describe, expect, it } from 'vitest'
import { expiredReason, expiryCheckDelay, forcedExpiryReason, MAX_EXPIRY_CHECK_MS } from '../../../src/realtime/token-expiry.ts'

describe('token expiry', () => {
  it('checks at exp − now, but at least every 5 minutes and never with a negative delay', () => {
    expect(expiryCheckDelay(100, 40_000)).toBe(60_000)
    expect(expiryCheckDelay(100_000, 0)).toBe(MAX_EXPIRY_CHECK_MS)
    expect(expiryCheckDelay(100, 150_000)).toBe(0)
  })

  it('says by how many whole seconds a token has expired, from the second of exp on', () => {
    expect(expiredReason(100, 99_999)).toBeNull()
    expect(expiredReason(100, 100_000)).toBe('Token has expired 0 seconds ago')
    expect(expiredReason(100, 112_900)).toBe('Token has expired 12 seconds ago')
  })

  it('treats a valid token as expired 0 seconds ago when forced (/_dev/expire-tokens)', () => {
    expect(forcedExpiryReason(500, 100_000)).toBe('Token has expired 0 seconds ago')
    expect(forcedExpiryReason(100, 103_000)).toBe('Token has expired 3 seconds ago')
  })
})
