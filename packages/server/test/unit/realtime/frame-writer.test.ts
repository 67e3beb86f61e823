import { describe, expect, it } from 'vitest'
import { createTimerSet } from '../../../src/clock.ts'
import { createFrameWriter } from '../../../src/realtime/frame-writer.ts'
import { createManualClock } from '../../support/manual-clock.ts'

function setup() {
  const clock = createManualClock(1_000)
  const timers = createTimerSet(clock)
  const sent: { at: number; data: string | Uint8Array }[] = []
  let latency = 0
  const writer = createFrameWriter({ clock, timers, latencyMs: () => latency, send: (data) => sent.push({ at: clock.now(), data }) })
  return { clock, timers, sent, writer, setLatency: (ms: number) => (latency = ms) }
}

describe('frame writer', () => {
  it('sends at once without latency', () => {
    const { writer, sent, clock } = setup()
    writer.write('a')
    writer.write(new Uint8Array([1]))
    expect(sent).toEqual([{ at: 1_000, data: 'a' }, { at: 1_000, data: new Uint8Array([1]) }])
    expect(clock.pending()).toBe(0)
  })

  it('delays every frame by the latency read at write time', () => {
    const { writer, sent, clock, setLatency } = setup()
    setLatency(100)
    writer.write('a')
    clock.advance(99)
    expect(sent).toEqual([])
    clock.advance(1)
    expect(sent).toEqual([{ at: 1_100, data: 'a' }])
  })

  it('keeps order when the latency drops: a frame never overtakes a delayed one', () => {
    const { writer, sent, clock, setLatency } = setup()
    setLatency(500)
    writer.write('slow')
    setLatency(0)
    writer.write('fast')
    clock.advance(10)
    expect(sent).toEqual([])
    clock.advance(490)
    expect(sent.map((s) => s.data)).toEqual(['slow', 'fast'])
    expect(sent.every((s) => s.at === 1_500)).toBe(true)
    // Once the delayed frames are out, frames leave at once again.
    writer.write('now')
    expect(sent.at(-1)).toEqual({ at: 1_500, data: 'now' })
  })

  it('leaves no timer behind when its timer set is cleared (the socket closed)', () => {
    const { writer, sent, clock, timers, setLatency } = setup()
    setLatency(50)
    writer.write('a')
    writer.write('b')
    timers.clear()
    expect(clock.pending()).toBe(0)
    clock.advance(1_000)
    expect(sent).toEqual([])
  })
})
