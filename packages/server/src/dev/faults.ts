/**
 * Faults injected through the control API (`/_dev/stall`, `refuse`, `latency`), read by the session
 * (heartbeats, outgoing frames) and the handshake. Times are `clock.now()` deadlines. The engine holds
 * one `Faults` record; only the control API writes it.
 */
export interface Faults {
  /** Heartbeats get no reply until then. */
  stallUntil: number
  /** Websocket upgrades are refused with 503 until then. */
  refuseUntil: number
  /** Every outgoing frame is delayed by this much, order preserved. */
  latencyMs: number
}

export function createFaults(): Faults {
  return { stallUntil: 0, refuseUntil: 0, latencyMs: 0 }
}

/** Lifts every fault (`/_dev/reset`). */
export function clearFaults(faults: Faults): void {
  faults.stallUntil = 0
  faults.refuseUntil = 0
  faults.latencyMs = 0
}

export function isStalled(faults: Faults, now: number): boolean {
  return now < faults.stallUntil
}

export function isRefusing(faults: Faults, now: number): boolean {
  return now < faults.refuseUntil
}
