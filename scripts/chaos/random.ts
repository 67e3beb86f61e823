/** A seeded random source (mulberry32): the same seed gives the same fault schedule. */
export interface SeededRandom {
  /** In [0, 1). */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
  }
}

/** A seed from the command line (`random` or absent draws one), always printed so a run can be replayed. */
export function parseSeed(value: string | undefined): number {
  if (value === undefined || value === 'random') return Math.floor(Math.random() * 2 ** 31)
  const seed = Number(value)
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer or "random", not "${value}"`)
  return seed
}
