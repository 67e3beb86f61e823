import { describe, expect, it } from 'vitest'
import { createPresenceRegistry } from '../src/realtime/presence.ts'

describe('createPresenceRegistry', () => {
  const setup = () => {
    let n = 0
    return createPresenceRegistry({ nextRef: () => `r${++n}` })
  }

  it('tracks, updates (leave + join with phx_ref_prev), ignores an identical track, and untracks', () => {
    const presence = setup()
    const owner = { roomKey: 'public:realtime:a', presenceKey: 'k' }
    expect(presence.track(owner, { v: 1 })).toEqual({ joins: { k: { metas: [{ v: 1, phx_ref: 'r1' }] } }, leaves: {} })
    expect(presence.track(owner, { v: 1 })).toBeNull()
    expect(presence.track(owner, { v: 2 })).toEqual({
      joins: { k: { metas: [{ v: 2, phx_ref: 'r2', phx_ref_prev: 'r1' }] } },
      leaves: { k: { metas: [{ v: 1, phx_ref: 'r1' }] } },
    })
    expect(presence.state('public:realtime:a')).toEqual({ k: { metas: [{ v: 2, phx_ref: 'r2', phx_ref_prev: 'r1' }] } })
    expect(presence.untrack(owner)).toEqual({ joins: {}, leaves: { k: { metas: [{ v: 2, phx_ref: 'r2', phx_ref_prev: 'r1' }] } } })
    expect(presence.untrack(owner)).toBeNull()
    expect(presence.state('public:realtime:a')).toEqual({})
  })

  it('keeps one meta per owner under a shared key, and rooms apart', () => {
    const presence = setup()
    const a = { roomKey: 'public:realtime:x', presenceKey: 'same' }
    const b = { roomKey: 'public:realtime:x', presenceKey: 'same' }
    const c = { roomKey: 'private:realtime:x', presenceKey: 'same' }
    presence.track(a, { who: 'a' })
    presence.track(b, { who: 'b' })
    presence.track(c, { who: 'c' })
    expect(presence.state('public:realtime:x').same.metas.map((m) => m.who)).toEqual(['a', 'b'])
    expect(presence.state('private:realtime:x').same.metas.map((m) => m.who)).toEqual(['c'])
    presence.untrack(a)
    expect(presence.state('public:realtime:x').same.metas.map((m) => m.who)).toEqual(['b'])
  })
})
