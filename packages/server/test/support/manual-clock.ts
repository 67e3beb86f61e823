import type { Clock } from '../../src/clock.ts'

/** A clock that moves only when told: `advance(ms)` runs the timers that fall due, in order. */
export interface ManualClock extends Clock {
  advance(ms: number): void
  pending(): number
}

export function createManualClock(start = 0): ManualClock {
  let now = start
  let nextId = 0
  const timers = new Map<number, { at: number; callback: () => void }>()
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = ++nextId
      timers.set(id, { at: now + Math.max(0, ms), callback })
      return id
    },
    clearTimeout(id) {
      timers.delete(id as number)
    },
    advance(ms) {
      const end = now + ms
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined
        for (const entry of timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry
        if (!due) break
        timers.delete(due[0])
        now = due[1].at
        due[1].callback()
      }
      now = end
    },
    pending: () => timers.size,
  }
}
