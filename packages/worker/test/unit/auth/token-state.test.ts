import { describe, expect, it } from 'vitest'
import { TokenState } from '../../../src/auth/token-state.ts'

const jwt = (sub: string) => `h.${btoa(JSON.stringify({ sub })).replace(/=+$/, '')}.s`

describe('token state', () => {
  it('is unknown until a tab says, then reports what changed', () => {
    const auth = new TokenState()
    expect([auth.known, auth.token, auth.user]).toEqual([false, null, null])
    expect(auth.set(null)).toEqual({ changed: true, userChanged: false, wasKnown: false })
    expect(auth.known).toBe(true)
    expect(auth.set(null)).toEqual({ changed: false, userChanged: false, wasKnown: true })
    expect(auth.set(jwt('alice'))).toEqual({ changed: true, userChanged: true, wasKnown: true })
    expect(auth.user).toBe('alice')
    expect(auth.set(jwt('alice') + 'x')).toEqual({ changed: true, userChanged: false, wasKnown: true })
    expect(auth.set(jwt('bob'))).toMatchObject({ userChanged: true })
    expect(auth.set(null)).toMatchObject({ changed: true, userChanged: true })
    expect(auth.user).toBeNull()
  })
})
