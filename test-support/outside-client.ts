/**
 * A plain supabase-js RealtimeClient in the Node process, on a socket of its own: the "other user"
 * of the e2e tests, the benchmark's sender and the soak's observer.
 */
import WebSocket from 'ws'
import { RealtimeClient, type RealtimeChannel } from '@supabase/supabase-js'

export function outsideClient(serverUrl: string, anonKey: string, params: Record<string, string> = {}): RealtimeClient {
  return new RealtimeClient(`${serverUrl.replace(/^http/, 'ws')}/realtime/v1`, { params: { apikey: anonKey, ...params }, transport: WebSocket as never })
}

/** Subscribes `channel`; resolves once SUBSCRIBED, rejects on the first other status but CLOSED. */
export function subscribed(channel: RealtimeChannel): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    channel.subscribe((status, error) => (status === 'SUBSCRIBED' ? resolve() : status !== 'CLOSED' && reject(error ?? new Error(status)))),
  )
}
