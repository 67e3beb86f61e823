import { describe, expect, it } from 'vitest'
import { createTimerSet, sleep } from '../../src/clock.ts'
import { createManualClock } from '../support/manual-clock.ts'

describe('timer set', () => {
  it('runs each callback once when due and forgets it', () => {
    const clock = createManualClock()
    const timers = createTimerSet(clock)
    const ran: string[] = []
    timers.later(() => ran.push('b'), 20)
    timers.later(() => ran.push('a'), 10)
    clock.advance(15)
    expect(ran).toEqual(['a'])
    clock.advance(5)
    expect(ran).toEqual(['a', 'b'])
    timers.clear()
    expect(clock.pending()).toBe(0)
  })

  it('clear() cancels every pending timer', () => {
    const clock = createManualClock()
    const timers = createTimerSet(clock)
    let ran = 0
    timers.later(() => ran++, 10)
    timers.later(() => ran++, 0)
    timers.clear()
    clock.advance(100)
    expect(ran).toBe(0)
    expect(clock.pending()).toBe(0)
  })

  it('sleep resolves on the given clock', async () => {
    const clock = createManualClock()
    let done = false
    const slept = sleep(clock, 50).then(() => (done = true))
    clock.advance(49)
    await Promise.resolve()
    expect(done).toBe(false)
    clock.advance(1)
    await slept
    expect(done).toBe(true)
  })
})
