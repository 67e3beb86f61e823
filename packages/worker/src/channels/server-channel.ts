/**
 * The server channel of one join: a fresh realtime-js instance per join (a closed one cannot be
 * rejoined, §15.4) carrying the union's listeners. Each handler gets the instance it came from, so the
 * group can drop what a superseded instance still says.
 */
import type { RealtimeChannel } from '@supabase/realtime-js'
import type { ChannelSocket } from './channel-deps.ts'
import { channelConfigOf, postgresFilterKey, type JoinSpec } from './join-spec.ts'
import type { RoutedType } from './router.ts'

export interface ServerChannelHandlers {
  event(channel: RealtimeChannel, type: RoutedType, event: string | undefined, payload: unknown, postgresKey?: string): void
  /** A `system` error message: the reason of an unrequested close that may follow. */
  systemError(channel: RealtimeChannel, message: string): void
}

export function openServerChannel(socket: ChannelSocket, topic: string, spec: JoinSpec, on: ServerChannelHandlers): RealtimeChannel {
  const channel = socket.channel(topic, channelConfigOf(spec))
  for (const filter of spec.postgres) {
    const key = postgresFilterKey(filter)
    channel.on('postgres_changes', filter as never, (payload: unknown) => on.event(channel, 'postgres_changes', undefined, payload, key))
  }
  channel.on('broadcast', { event: '*' }, (payload: { event?: string }) => on.event(channel, 'broadcast', payload?.event, payload))
  if (spec.presenceEnabled) {
    channel.on('presence', { event: '*' } as never, (payload: { event?: string }) => on.event(channel, 'presence', payload?.event, payload))
  }
  channel.on('system', {}, (payload: { status?: string; message?: string }) => {
    if (payload?.status === 'error' && payload.message) on.systemError(channel, payload.message)
    on.event(channel, 'system', undefined, payload)
  })
  return channel
}
