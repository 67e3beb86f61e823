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
