/**
 * The payload codec of the delivery port: the hub encodes each routed payload once for every tab
 * (router, publisher), the tab decodes it (client channel.ts, through `@shared-realtime/worker/protocol`).
 */
import type { EncodedPayload } from '../protocol/delivery-port.ts'
import { MESSAGE_ID_FIELD } from '../protocol/wire.ts'

const isBinary = (value: unknown): boolean => value instanceof ArrayBuffer || ArrayBuffer.isView(value)

/**
 * Serialises a routed payload once, whatever the number of tabs: a string crosses a MessagePort as a
 * copy, where an object is structured-cloned again for every tab. JSON is also what a direct
 * supabase-js subscriber gets from the wire, so a locally echoed broadcast reads the same as one that
 * came back from the server. Binary broadcasts keep their ArrayBuffer.
 */
export function encodePayload(payload: unknown): EncodedPayload {
  const inner = (payload as { payload?: unknown } | null)?.payload
  if (isBinary(payload) || isBinary(inner)) return { value: payload }
  try {
    const json = JSON.stringify(payload)
    return json === undefined ? { value: payload } : { json }
  } catch {
    // Not JSON (a cycle or a BigInt in a locally echoed payload): let structured clone carry it.
    return { value: payload }
  }
}

export function decodePayload(encoded: EncodedPayload): unknown {
  return 'json' in encoded ? JSON.parse(encoded.json) : encoded.value
}

/** A broadcast as the hub sends it: the payload with its message id, its echo for local tabs, and its size. */
export interface OutgoingBroadcast {
  /** The payload handed to realtime-js and stored in the outbox, `MESSAGE_ID_FIELD` added to objects. */
  payload: unknown
  /** `{ type: 'broadcast', event, payload }` encoded for the local echo to this hub's tabs. */
  echo: EncodedPayload
  /** The payload's size on the wire without the id (what `limits.maxPayloadBytes` bounds): raw for binary, UTF-8 JSON otherwise. */
  bytes: number
}

const utf8 = new TextEncoder()

/**
 * Prepares a send with one JSON serialisation of the payload: the size check and the echo's text come
 * from the same string, and the id field is spliced into that text (`{...payload, id}` serialises to
 * the payload's own text with the field appended, since spread and JSON both keep own-key order).
 * Payloads whose text cannot be spliced (a `toJSON`, an id already present) are serialised again.
 */
export function encodeBroadcast(event: string, payload: unknown, messageId: string): OutgoingBroadcast {
  const withId = withMessageId(payload, messageId)
  if (isBinary(payload)) {
    return { payload: withId, echo: { value: { type: 'broadcast', event, payload: withId } }, bytes: (payload as ArrayBufferLike).byteLength }
  }
  const slow = (bytes: number): OutgoingBroadcast => ({ payload: withId, echo: encodePayload({ type: 'broadcast', event, payload: withId }), bytes })
  let json: string | undefined
  try {
    json = JSON.stringify(payload ?? {})
  } catch {
    // A cycle or a BigInt: over any limit, as payloadSize() says.
    return slow(Number.POSITIVE_INFINITY)
  }
  if (json === undefined) return slow(0)
  const bytes = utf8.encode(json).length
  let payloadJson: string | undefined
  if (payload === undefined) payloadJson = undefined
  else if (payload === null) payloadJson = 'null'
  else if (withId === payload) payloadJson = json
  else if (canSplice(payload as Record<string, unknown>, json)) payloadJson = spliceId(json, messageId)
  else return slow(bytes)
  const head = `{"type":"broadcast","event":${JSON.stringify(event)}`
  return { payload: withId, echo: { json: payloadJson === undefined ? `${head}}` : `${head},"payload":${payloadJson}}` }, bytes }
}

/** Objects carry the message id in `MESSAGE_ID_FIELD` (tabs strip it before callbacks); other payloads go as they are. */
export function withMessageId(payload: unknown, id: string): unknown {
  if (payload && typeof payload === 'object' && !Array.isArray(payload) && !isBinary(payload)) {
    return { ...(payload as Record<string, unknown>), [MESSAGE_ID_FIELD]: id }
  }
  return payload
}

function canSplice(payload: Record<string, unknown>, json: string): boolean {
  return typeof payload.toJSON !== 'function' && !Object.hasOwn(payload, MESSAGE_ID_FIELD) && json.startsWith('{') && json.endsWith('}')
}

function spliceId(json: string, id: string): string {
  const field = `${JSON.stringify(MESSAGE_ID_FIELD)}:${JSON.stringify(id)}`
  return json === '{}' ? `{${field}}` : `${json.slice(0, -1)},${field}}`
}
