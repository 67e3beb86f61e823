import { describe, expect, it } from 'vitest'
import { Pacer } from '../../../src/channels/pacer.ts'

describe('pacer', () => {
  it('lets a burst of perSecond through at once, then spaces slots 1000/perSecond ms apart', () => {
    const pacer = new Pacer(10, 0)
    for (let i = 0; i < 10; i++) expect(pacer.take(0)).toBe(0)
    expect(pacer.take(0)).toBe(100)
    expect(pacer.take(0)).toBe(200)
  })

  it('refills with time, never above perSecond', () => {
    const pacer = new Pacer(10, 0)
    for (let i = 0; i < 10; i++) pacer.take(0)
    expect(pacer.take(100)).toBe(0)
    expect(pacer.take(100)).toBe(100)
    const rested = new Pacer(2, 0)
    expect([rested.take(60_000), rested.take(60_000), rested.take(60_000)]).toEqual([0, 0, 500])
  })

  it('a lower rate applies at once and caps the tokens in hand', () => {
    const pacer = new Pacer(100, 0)
    pacer.perSecond = 1
    expect(pacer.take(0)).toBe(0)
    expect(pacer.take(0)).toBe(1000)
  })

  it('ignores a clock that goes backwards', () => {
    const pacer = new Pacer(1, 1_000)
    expect(pacer.take(1_000)).toBe(0)
    expect(pacer.take(0)).toBe(1000)
  })
})
