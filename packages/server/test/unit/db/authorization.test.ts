import { describe, expect, it } from 'vitest'
import { authorizeRead, canRead, emptyPolicies, readRevoked } from '../../../src/db/authorization.ts'
import type { LocalDatabase } from '../../../src/db/types.ts'

const db = (answer: () => string[] | Error) =>
  ({
    async query() {
      const allowed = answer()
      if (allowed instanceof Error) throw allowed
      return { rows: [{ allowed }], fields: [] }
    },
  }) as unknown as LocalDatabase

describe('authorization', () => {
  it('a private channel may be joined when either extension is readable', () => {
    expect(canRead(emptyPolicies())).toBe(false)
    expect(canRead({ broadcast: { read: true }, presence: {} })).toBe(true)
    expect(canRead({ broadcast: { read: false }, presence: { read: true } })).toBe(true)
  })

  it('a refresh revokes a read only when it was allowed and is now refused (not merely unchecked)', () => {
    const allowed = { broadcast: { read: true }, presence: { read: true } }
    expect(readRevoked(allowed, { broadcast: { read: false }, presence: { read: true } })).toBe(true)
    expect(readRevoked(allowed, { broadcast: { read: true }, presence: {} })).toBe(false)
    expect(readRevoked({ broadcast: { read: false }, presence: {} }, { broadcast: { read: false }, presence: {} })).toBe(false)
  })

  it('records the checked extensions as allowed or refused, keeps the others, and reports a failing policy', async () => {
    const before = { broadcast: { write: true }, presence: {} }
    const read = await authorizeRead(db(() => ['presence']), { topic: 't', claims: { role: 'authenticated', exp: 1 } }, before, ['broadcast', 'presence'])
    expect(read).toEqual({ ok: true, policies: { broadcast: { write: true, read: false }, presence: { read: true } } })
    expect(before).toEqual({ broadcast: { write: true }, presence: {} })
    const failed = await authorizeRead(db(() => new Error('policy raised')), { topic: 't', claims: { role: 'x', exp: 1 } }, before, ['broadcast'])
    expect(failed).toEqual({ ok: false, error: 'policy raised' })
  })
})
