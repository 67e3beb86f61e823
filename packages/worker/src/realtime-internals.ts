/**
 * The one place that reaches inside supabase-js's RealtimeClient (fields marked @internal, stable
 * across 2.1xx). The hub needs them to guard the client's known defects (realtime-protocol.md §15):
 * its own reconnect and rejoin timers, ping for round trips, removing superseded channels, and
 * counting the bytes of each frame. Nothing else in the package touches these fields.
 */
import type { RealtimeChannel, RealtimeClient } from '@supabase/realtime-js'

export interface PhoenixTimer {
  scheduleTimeout(): void
  reset(): void
}

export interface PhoenixChannel {
  rejoinTimer: PhoenixTimer
}

export interface PhoenixSocket {
  reconnectTimer: PhoenixTimer
  heartbeatIntervalMs: number
  timeout: number
  pendingHeartbeatRef: string | null
  onOpen(callback: () => void): string
  onClose(callback: (event: { code?: number; reason?: string }) => void): string
  ping(callback: (rttMs: number) => void): boolean
  remove(channel: PhoenixChannel): void
  disconnect(callback?: () => void, code?: number, reason?: string): void
  conn: unknown
}

export function phoenixSocketOf(client: RealtimeClient): PhoenixSocket {
  return (client as unknown as { socketAdapter: { getSocket(): PhoenixSocket } }).socketAdapter.getSocket()
}

export function phoenixChannelOf(channel: RealtimeChannel): PhoenixChannel {
  return (channel as unknown as { channelAdapter: { getChannel(): PhoenixChannel } }).channelAdapter.getChannel()
}

/** The hub owns the retry schedule (jitter, breaker): phoenix's own reconnect timer must never fire. */
export function disableReconnectTimer(client: RealtimeClient): void {
  phoenixSocketOf(client).reconnectTimer.scheduleTimeout = () => {}
}

/** The hub schedules rejoins itself (jitter, refusal classes): phoenix's own rejoin timer must stay idle (§15.9). */
export function disableRejoinTimer(channel: RealtimeChannel): void {
  phoenixChannelOf(channel).rejoinTimer.scheduleTimeout = () => {}
}

/** Tears a channel instance down and forgets it in the client and its socket (a superseded join). */
export function removeChannel(client: RealtimeClient, channel: RealtimeChannel): void {
  channel.teardown()
  phoenixSocketOf(client).remove(phoenixChannelOf(channel))
  client.channels = client.channels.filter((c) => c !== channel)
}

function frameSize(data: unknown): number {
  if (typeof data === 'string') return data.length
  if (data instanceof ArrayBuffer) return data.byteLength
  if (ArrayBuffer.isView(data)) return data.byteLength
  if (data && typeof (data as Blob).size === 'number') return (data as Blob).size
  return 0
}

/** Counts the bytes of every frame on the client's current WebSocket (call right after connect()). */
export function meterConnection(client: RealtimeClient, onIn: (bytes: number) => void, onOut: (bytes: number) => void): void {
  const conn = phoenixSocketOf(client).conn as {
    addEventListener?: (type: 'message', listener: (event: { data: unknown }) => void) => void
    send?: (data: unknown) => void
  } | null
  if (!conn) return
  conn.addEventListener?.('message', (event) => onIn(frameSize(event.data)))
  const send = conn.send
  if (typeof send === 'function') {
    conn.send = (data: unknown) => {
      onOut(frameSize(data))
      send.call(conn, data)
    }
  }
}
