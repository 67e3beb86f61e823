import { describe, expect, it } from 'vitest'
import { decodeBinary, decodeText, encodeText, encodeUserBroadcast, FrameError } from '../src/realtime/codec.ts'
import { hashBinding } from '../src/realtime/hash.ts'
import { RateWindow } from '../src/realtime/limits.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('codec', () => {
  it('decodes the documented kind 3 example (realtime-protocol.md §2.2)', () => {
    const frame = Buffer.from('0301010f060001' + '36' + '37' + '7265616c74696d653a726f6f6d3a31' + '637572736f72' + '7b2278223a392c2279223a22c3a9227d', 'hex')
    expect(decodeBinary(frame)).toEqual({
      joinRef: '6',
      ref: '7',
      topic: 'realtime:room:1',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'cursor', payload: { x: 9, y: 'é' } },
      encoding: 1,
      binary: true,
    })
  })

  it('encodes kind 4 as documented, with metadata and raw bytes', () => {
    const json = encodeUserBroadcast('realtime:room:1', 'cursor', { x: 1 }, 1, { id: 'abc' })!
    expect(hex(json)).toBe('040f060c01' + Buffer.from('realtime:room:1cursor{"id":"abc"}{"x":1}').toString('hex'))
    const raw = encodeUserBroadcast('t', 'e', new Uint8Array([9, 8]).buffer, 0)!
    expect([...raw]).toEqual([4, 1, 1, 0, 0, 116, 101, 9, 8])
    expect(encodeUserBroadcast('t'.repeat(256), 'e', {}, 1)).toBeNull()
  })

  it('encodes vsn 1 objects without join_ref and vsn 2 arrays', () => {
    const message = { joinRef: '1', ref: '2', topic: 't', event: 'phx_reply', payload: { status: 'ok', response: {} } }
    expect(JSON.parse(encodeText(message, '1.0.0'))).toEqual({ topic: 't', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '2' })
    expect(JSON.parse(encodeText(message, '2.0.0'))).toEqual(['1', '2', 't', 'phx_reply', { status: 'ok', response: {} }])
  })

  it('decodes text frames per vsn and refuses malformed ones with FrameError', () => {
    expect(decodeText('[null,"1","phoenix","heartbeat",{}]', '2.0.0')).toEqual({ joinRef: null, ref: '1', topic: 'phoenix', event: 'heartbeat', payload: {} })
    expect(decodeText('{"topic":"t","event":"e","payload":1,"ref":3}', '1.0.0')).toEqual({ joinRef: null, ref: '3', topic: 't', event: 'e', payload: 1 })
    for (const [text, vsn] of [['x', '2.0.0'], ['{}', '2.0.0'], ['[1,2,3,4,5]', '2.0.0'], ['[]', '1.0.0'], ['{"topic":"t"}', '1.0.0']] as const) {
      expect(() => decodeText(text, vsn)).toThrow(FrameError)
    }
  })
})

describe('hashBinding', () => {
  it('gives the same non-negative integer for the same params, in any key order', () => {
    const a = hashBinding({ event: '*', schema: 'public', table: 'todos' })
    expect(Number.isInteger(a) && a >= 0).toBe(true)
    expect(hashBinding({ table: 'todos', schema: 'public', event: '*' })).toBe(a)
    expect(hashBinding({ event: 'INSERT', schema: 'public', table: 'todos' })).not.toBe(a)
  })
})

describe('RateWindow', () => {
  it('averages one-second buckets over the window and forgets old ones', () => {
    let now = 10_000
    const window = new RateWindow(2000, () => now)
    window.add(4)
    now += 1000
    window.add(2)
    expect(window.rate()).toBe(3)
    // Half of the first second has left the 2 s window: it counts for half.
    now += 1500
    expect(window.rate()).toBe(2)
    now += 500
    expect(window.rate()).toBe(1)
    now += 5000
    expect(window.rate()).toBe(0)
  })
})
