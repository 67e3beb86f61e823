/**
 * The outgoing side of one socket: frames leave at once, or — under injected latency
 * (`/_dev/latency`) — each no earlier than the one before it, so their order is preserved.
 */
import type { Clock, TimerSet } from '../clock.ts'

export interface FrameWriterOptions {
  clock: Clock
  /** Pending delayed frames; cleared with the socket's other timers when it closes. */
  timers: TimerSet
  /** Read for every frame: a latency change applies to the next frame. */
  latencyMs(): number
  /** Puts the frame on the wire (the caller checks that the socket is still open). */
  send(data: string | Uint8Array): void
}

export interface FrameWriter {
  write(data: string | Uint8Array): void
}

/**
 * @example
 * const writer = createFrameWriter({ clock, timers, latencyMs: () => faults.latencyMs, send: (d) => ws.send(d) })
 * writer.write('["1","1","phoenix","phx_reply",{"status":"ok","response":{}}]')
 */
export function createFrameWriter({ clock, timers, latencyMs, send }: FrameWriterOptions): FrameWriter {
  /** When the last delayed frame leaves. */
  let chain = 0
  return {
    write(data) {
      const latency = latencyMs()
      const now = clock.now()
      if (latency <= 0 && chain <= now) return send(data)
      const at = Math.max(now + latency, chain)
      chain = at
      timers.later(() => send(data), at - now)
    },
  }
}
