import { describe, expect, it } from 'vitest'
import { clearFaults, createFaults, isRefusing, isStalled } from '../../../src/dev/faults.ts'

describe('faults', () => {
  it('starts with none, holds stall and refuse until their deadlines, and clears them all', () => {
    const faults = createFaults()
    expect(isStalled(faults, 0)).toBe(false)
    expect(isRefusing(faults, 0)).toBe(false)
    Object.assign(faults, { stallUntil: 1_000, refuseUntil: 2_000, latencyMs: 30 })
    expect(isStalled(faults, 999)).toBe(true)
    expect(isStalled(faults, 1_000)).toBe(false)
    expect(isRefusing(faults, 1_999)).toBe(true)
    expect(isRefusing(faults, 2_000)).toBe(false)
    clearFaults(faults)
    expect(faults).toEqual(createFaults())
    expect(isStalled(faults, 500)).toBe(false)
  })
})
