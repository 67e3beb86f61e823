/** The names hub and tabs share, and reading a JWT's claims without verifying it. */
import { describe, expect, it } from 'vitest'
import { hubLifetimeLockName, projectKey, tabLockName } from '../../../src/protocol/names.ts'
import { readJwtClaims } from '../../../src/auth/jwt.ts'
import { jwtSubject } from '../../../src/auth/jwt.ts'

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.s`

describe('shared names', () => {
  it('spells the locks and the project key one way', () => {
    expect(tabLockName('t1')).toBe('shared-realtime:tab:t1')
    expect(hubLifetimeLockName('e1')).toBe('shared-realtime:hub:e1')
    expect(projectKey({ realtimeUrl: 'ws://x/realtime/v1', apiKey: 'k' })).toBe('ws://x/realtime/v1|k')
  })

  it('reads claims of a JWT (base64url, unpadded) and null for anything else', () => {
    expect(readJwtClaims(jwt({ sub: 'zoë-ü-日本', exp: 5 }))).toEqual({ sub: 'zoë-ü-日本', exp: 5 })
    expect(readJwtClaims('sb_publishable_abc')).toBeNull()
    expect(readJwtClaims('a.b.c')).toBeNull()
    expect(readJwtClaims(jwt([1, 2]))).toBeNull()
    expect(readJwtClaims(null)).toBeNull()
    expect(jwtSubject(jwt({ sub: 'u1' }))).toBe('u1')
    expect(jwtSubject(jwt({ role: 'anon' }))).toBeNull()
  })
})
