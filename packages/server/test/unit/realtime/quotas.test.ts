import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, NO_LIMITS } from '../../../src/realtime/limits.ts'
import { Quotas } from '../../../src/realtime/quotas.ts'

const limits = { ...DEFAULT_LIMITS, maxEventsPerSecond: 2, maxJoinsPerSecond: 1, maxPresenceEventsPerSecond: 1, windowMs: 1_000 }

describe('quotas', () => {
  it('is over a rate once more than its limit was counted in the window, and under it again after', () => {
    let now = 10_000
    const quotas = new Quotas(limits, () => now)
    quotas.countEvent(2)
    expect(quotas.overEventRate()).toBe(false)
    quotas.countEvent()
    expect(quotas.overEventRate()).toBe(true)
    quotas.countJoin()
    expect(quotas.overJoinRate()).toBe(false)
    quotas.countJoin()
    expect(quotas.overJoinRate()).toBe(true)
    quotas.countPresenceEvent()
    quotas.countPresenceEvent()
    expect(quotas.overPresenceEventRate()).toBe(true)
    now += 2_000
    expect([quotas.overEventRate(), quotas.overJoinRate(), quotas.overPresenceEventRate()]).toEqual([false, false, false])
  })

  it('refuses payloads above max_payload_size_in_kb × 1000 + 500 bytes', () => {
    const quotas = new Quotas({ ...limits, maxPayloadSizeKb: 3 }, () => 0)
    expect(quotas.maxPayloadBytes()).toBe(3_500)
  })

  it('applies a limits patch, window included, and keeps it over a reset that empties the rates', () => {
    const now = 5_000
    const quotas = new Quotas(limits, () => now)
    quotas.countEvent(3)
    quotas.setLimits({ maxEventsPerSecond: 10 })
    expect(quotas.limits.maxEventsPerSecond).toBe(10)
    expect(quotas.overEventRate()).toBe(false)
    quotas.setLimits({ maxEventsPerSecond: 1 })
    expect(quotas.overEventRate()).toBe(true)
    quotas.reset()
    expect(quotas.overEventRate()).toBe(false)
    expect(quotas.limits.maxEventsPerSecond).toBe(1)
  })

  it('reports use and limits, unlimited as null', () => {
    const quotas = new Quotas(NO_LIMITS, () => 0)
    quotas.countEvent(60)
    const snapshot = quotas.snapshot({ concurrentUsers: 2, maxChannels: 3 })
    expect(snapshot.concurrentUsers).toEqual({ used: 2, limit: null })
    expect(snapshot.channelsPerClient).toEqual({ used: 3, limit: null })
    expect(snapshot.eventsPerSecond.limit).toBeNull()
    expect(snapshot.eventsPerSecond.used).toBeGreaterThan(0)
    expect(new Quotas(limits, () => 0).snapshot({ concurrentUsers: 0, maxChannels: 0 }).eventsPerSecond).toEqual({ used: 0, limit: 2 })
  })
})
