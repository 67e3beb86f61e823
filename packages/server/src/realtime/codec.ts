/**
 * Phoenix frames as Supabase Realtime speaks them (realtime-protocol.md §2): vsn 1.0.0 JSON objects,
 * vsn 2.0.0 JSON arrays plus binary broadcasts (kind 3 in, kind 4 out). Binary kinds 0, 1 and 2 are
 * never produced: realtime-js cannot decode them.
 */

export type Vsn = '1.0.0' | '2.0.0'
export const SUPPORTED_VSN: readonly Vsn[] = ['1.0.0', '2.0.0']

export interface Message {
  joinRef: string | null
  ref: string | null
  topic: string
  event: string
  payload: unknown
}

/** A decoded client broadcast push that arrived as binary kind 3. */
export interface BinaryBroadcast extends Message {
  event: 'broadcast'
  payload: { type: 'broadcast'; event: string; payload: unknown }
  /** 0 = raw bytes, 1 = JSON. */
  encoding: 0 | 1
  binary: true
}

/** What the session handles: a text frame, or a binary broadcast push. */
export type DecodedMessage = (Message & { binary?: undefined }) | BinaryBroadcast

export class FrameError extends Error {}

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

const asRef = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

export function decodeText(text: string, vsn: Vsn): Message & { binary?: undefined } {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new FrameError('frame is not JSON')
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(parsed) || parsed.length !== 5) throw new FrameError('expected [join_ref, ref, topic, event, payload]')
    const [joinRef, ref, topic, event, payload] = parsed
    if (typeof topic !== 'string' || typeof event !== 'string') throw new FrameError('topic and event must be strings')
    return { joinRef: asRef(joinRef), ref: asRef(ref), topic, event, payload }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FrameError('expected an object {topic, event, payload, ref}')
  const o = parsed as Record<string, unknown>
  if (typeof o.topic !== 'string' || typeof o.event !== 'string' || !('payload' in o)) throw new FrameError('topic, event and payload are required')
  return { joinRef: asRef(o.join_ref), ref: asRef(o.ref), topic: o.topic, event: o.event, payload: o.payload }
}

/** Decodes binary kind 3 (USER_BROADCAST_PUSH); anything else is refused. */
export function decodeBinary(data: Uint8Array): BinaryBroadcast {
  if (data.length < 7) throw new FrameError('binary frame shorter than its header')
  const kind = data[0]
  if (kind !== 3) throw new FrameError(`binary kind ${kind} is not accepted from clients`)
  const [joinRefLen, refLen, topicLen, eventLen, metaLen, encoding] = [data[1], data[2], data[3], data[4], data[5], data[6]]
  if (encoding !== 0 && encoding !== 1) throw new FrameError(`unknown payload encoding ${encoding}`)
  let offset = 7
  const take = (length: number): Uint8Array => {
    if (offset + length > data.length) throw new FrameError('binary header lengths exceed the frame')
    const slice = data.subarray(offset, offset + length)
    offset += length
    return slice
  }
  try {
    const joinRef = decoder.decode(take(joinRefLen))
    const ref = decoder.decode(take(refLen))
    const topic = decoder.decode(take(topicLen))
    const userEvent = decoder.decode(take(eventLen))
    take(metaLen) // metadata (persist options) is ignored, as by the real server
    const rest = data.subarray(offset)
    const payload =
      encoding === 1 ? JSON.parse(decoder.decode(rest)) : rest.buffer.slice(rest.byteOffset, rest.byteOffset + rest.byteLength)
    return {
      joinRef: joinRef || null,
      ref: ref || null,
      topic,
      event: 'broadcast',
      payload: { type: 'broadcast', event: userEvent, payload },
      encoding,
      binary: true,
    }
  } catch (error) {
    if (error instanceof FrameError) throw error
    throw new FrameError('binary frame is not valid UTF-8 or JSON')
  }
}

export function encodeText(message: Message, vsn: Vsn): string {
  if (vsn === '2.0.0') return JSON.stringify([message.joinRef, message.ref, message.topic, message.event, message.payload])
  return JSON.stringify({ topic: message.topic, event: message.event, payload: message.payload, ref: message.ref })
}

/**
 * Encodes a broadcast as binary kind 4 (USER_BROADCAST), or returns null when a field does not fit
 * the one-byte lengths (the caller then sends text).
 */
export function encodeUserBroadcast(topic: string, event: string, payload: unknown, encoding: 0 | 1, meta?: object): Uint8Array | null {
  const t = encoder.encode(topic)
  const e = encoder.encode(event)
  const m = meta ? encoder.encode(JSON.stringify(meta)) : new Uint8Array(0)
  if (t.length > 255 || e.length > 255 || m.length > 255) return null
  const body = encoding === 0 ? new Uint8Array(payload as ArrayBuffer) : encoder.encode(JSON.stringify(payload ?? {}))
  const out = new Uint8Array(5 + t.length + e.length + m.length + body.length)
  out.set([4, t.length, e.length, m.length, encoding], 0)
  let offset = 5
  for (const part of [t, e, m, body]) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Bytes a broadcast payload takes, for the payload size limit. */
export function payloadBytes(payload: unknown): number {
  if (payload instanceof ArrayBuffer) return payload.byteLength
  if (ArrayBuffer.isView(payload)) return payload.byteLength
  return encoder.encode(JSON.stringify(payload ?? {})).length
}
