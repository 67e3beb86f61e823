import { describe, expect, it } from 'vitest'
import { parseReplay, REPLAY_INVALID_PARAMS, REPLAY_PUBLIC_CHANNEL } from '../../../src/db/broadcast-from-database.ts'

describe('replay parameters', () => {
  it('means no replay without a replay key, or when replay is not a map on a private channel', () => {
    expect(parseReplay({}, true)).toEqual({ kind: 'none' })
    expect(parseReplay({ broadcast: { self: true } }, false)).toEqual({ kind: 'none' })
    expect(parseReplay({ broadcast: { replay: 'yes' } }, true)).toEqual({ kind: 'none' })
  })

  it('refuses any replay key on a public channel', () => {
    expect(parseReplay({ broadcast: { replay: null } }, false)).toEqual({ kind: 'refused', reason: REPLAY_PUBLIC_CHANNEL })
  })

  it('needs an integer since in range and an integer or absent limit, clamped to 1..25', () => {
    expect(parseReplay({ broadcast: { replay: { since: 5 } } }, true)).toEqual({ kind: 'replay', since: 5, limit: 25 })
    expect(parseReplay({ broadcast: { replay: { since: 5, limit: null } } }, true)).toEqual({ kind: 'replay', since: 5, limit: 25 })
    expect(parseReplay({ broadcast: { replay: { since: 5, limit: 100 } } }, true)).toEqual({ kind: 'replay', since: 5, limit: 25 })
    expect(parseReplay({ broadcast: { replay: { since: 5, limit: -3 } } }, true)).toEqual({ kind: 'replay', since: 5, limit: 1 })
    for (const replay of [{}, { since: 1.5 }, { since: '5' }, { since: 5, limit: 2.5 }, { since: 1e18 }]) {
      expect(parseReplay({ broadcast: { replay } }, true)).toEqual({ kind: 'refused', reason: REPLAY_INVALID_PARAMS })
    }
  })
})
