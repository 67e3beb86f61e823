import { describe, expect, it } from 'vitest'
import { decodePayload, encodeBroadcast, encodePayload, withMessageId } from '../../../src/channels/payload-codec.ts'
import { payloadSize } from '../../../src/input/validate.ts'
import { MESSAGE_ID_FIELD } from '../../../src/protocol/wire.ts'

/** What the hub sent before it serialised once: the wrapper around the payload with its id, encoded whole. */
const reference = (event: string, payload: unknown, id: string) => encodePayload({ type: 'broadcast', event, payload: withMessageId(payload, id) })

class Point {
  x = 1
  y = 2
}

describe('encodeBroadcast', () => {
  const cases: [string, unknown][] = [
    ['an object', { text: 'hi', n: 1, nested: { a: [1, 2] } }],
    ['an empty object', {}],
    ['numeric keys', { 2: 'b', 1: 'a', z: 0 }],
    ['undefined fields', { a: undefined, b: 1 }],
    ['unicode', { text: 'héllo ✓ "quoted" \\ back' }],
    ['a class instance', new Point()],
    ['a Date field', { at: new Date(0) }],
    ['a toJSON', { toJSON: () => 'custom' }],
    ['the id already present', { [MESSAGE_ID_FIELD]: 'old', a: 1 }],
    ['an array', [1, 2, 3]],
    ['a string', 'text'],
    ['a number', 42],
    ['null', null],
    ['no payload', undefined],
  ]

  it.each(cases)('gives the same echo as encoding the whole wrapper, for %s', (_name, payload) => {
    const out = encodeBroadcast('ev"ent', payload, 'id-1')
    expect(out.echo).toEqual(reference('ev"ent', payload, 'id-1'))
    expect(out.payload).toEqual(withMessageId(payload, 'id-1'))
    expect(decodePayload(out.echo)).toEqual(decodePayload(reference('ev"ent', payload, 'id-1')))
  })

  it.each(cases)('measures %s as payloadSize() does (without the id)', (_name, payload) => {
    expect(encodeBroadcast('e', payload, 'id-1').bytes).toBe(payloadSize(payload))
  })

  it('keeps binary payloads as values, sized in bytes', () => {
    const bytes = new Uint8Array([1, 2, 3]).buffer
    const out = encodeBroadcast('e', bytes, 'id')
    expect(out).toEqual({ payload: bytes, echo: { value: { type: 'broadcast', event: 'e', payload: bytes } }, bytes: 3 })
  })

  it('treats a payload JSON cannot carry as too large and lets structured clone echo it', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const out = encodeBroadcast('e', cyclic, 'id')
    expect(out.bytes).toBe(Number.POSITIVE_INFINITY)
    expect('value' in out.echo).toBe(true)
  })
})
