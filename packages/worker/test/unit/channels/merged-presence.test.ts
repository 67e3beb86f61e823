import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MergedPresence } from '../../../src/channels/merged-presence.ts'
import { systemClock } from '../../../src/clock.ts'

function target() {
  const calls: unknown[] = []
  return { calls, track: (p: Record<string, unknown>) => calls.push(['track', p]), untrack: () => calls.push(['untrack']) }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('merged presence', () => {
  it('pushes the latest track of any tab, and untracks only when no tab tracks', () => {
    const presence = new MergedPresence(systemClock)
    const t = target()
    const apply = () => presence.apply(t, apply)
    presence.set('tab1', { v: 1 })
    apply()
    presence.set('tab2', { v: 2 })
    apply()
    presence.delete('tab2')
    apply()
    presence.delete('tab1')
    apply()
    expect(t.calls).toEqual([['track', { v: 1 }], ['track', { v: 2 }], ['track', { v: 1 }], ['untrack']])
  })

  it('does not push the same state twice, but re-applies it after a rejoin', () => {
    const presence = new MergedPresence(systemClock)
    const t = target()
    presence.set('tab1', { v: 1 })
    presence.apply(t, () => {})
    presence.set('tab1', { v: 1 })
    presence.apply(t, () => {})
    expect(t.calls).toHaveLength(1)
    presence.forgetApplied()
    presence.apply(t, () => {})
    expect(t.calls).toHaveLength(2)
  })

  it('stays within 5 pushes per 30 s and sends only the latest state when the window frees', async () => {
    const presence = new MergedPresence(systemClock)
    const t = target()
    const apply = () => presence.apply(t, apply)
    for (let v = 1; v <= 8; v++) {
      presence.set('tab1', { v })
      apply()
    }
    expect(t.calls).toHaveLength(5)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(t.calls).toHaveLength(6)
    expect(t.calls[5]).toEqual(['track', { v: 8 }])
    presence.dispose()
    expect(vi.getTimerCount()).toBe(0)
  })
})
