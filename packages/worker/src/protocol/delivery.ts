/**
 * The hub-to-tab delivery path: a plain MessagePort per tab, handed over at hello, that carries
 * batches of events one way. It bypasses Comlink because the fan-out is the hub's hot path: one
 * postMessage per tab per batch, no reply per batch (the tab acknowledges only when asked, so the hub
 * can tell a stalled tab), and each event's payload serialised once for all tabs.
 */

/** A payload as it crosses to tabs: JSON text made once per event, or the value itself when it is binary. */
export type EncodedPayload = { json: string } | { value: unknown }

/** One batch on a tab's delivery port. With `ack`, the tab answers `seq` once it has handled the batch. */
export interface DeliveryFrame<E = unknown> {
  seq: number
  /** The hub's wall clock when the batch left, for delivery latency in the tab. */
  sentAt: number
  ack: boolean
  events: E[]
}

/** The MessagePort subset both ends use (a DOM MessagePort or Node's). */
export interface DeliveryPort {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  start?(): void
  close?(): void
}

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
