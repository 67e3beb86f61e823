import { describe, expect, it } from 'vitest'
import { backoffCeiling, backoffDelay, rateLimitDelay } from '../../../src/socket/backoff.ts'

const policy = { initialMs: 1000, maxMs: 30_000, multiplier: 2 }

function seeded(seed: number) {
  // mulberry32: a small deterministic generator so the distribution test is repeatable.
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('backoff', () => {
  it('grows exponentially up to maxMs', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffCeiling(a, policy))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
  })

  it('draws full jitter in [0, ceiling) from the injected random source', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0)
    expect(backoffDelay(3, policy, () => 0.5)).toBe(2000)
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(3999)
  })

  it('spreads many clients over the whole window instead of lockstep retries', () => {
    const random = seeded(42)
    const delays = Array.from({ length: 2000 }, () => backoffDelay(4, policy, random))
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...delays)).toBeLessThan(8000)
    const buckets = new Array(8).fill(0)
    for (const d of delays) buckets[Math.floor(d / 1000)]++
    // Uniform: each 1 s bucket holds about 1/8 of the draws.
    for (const count of buckets) expect(count).toBeGreaterThan(180)
    expect(new Set(delays).size).toBeGreaterThan(1500)
  })

  it('waits at least maxMs after a rate-limit refusal', () => {
    expect(rateLimitDelay(policy, () => 0)).toBe(30_000)
    expect(rateLimitDelay(policy, () => 0.5)).toBe(45_000)
  })
})
