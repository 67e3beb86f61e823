/**
 * Routing of committed `realtime.messages` rows (Broadcast from Database, realtime-protocol.md §6) to
 * the room of their topic and privacy, and the one-channel delivery that join-time replay uses too.
 */
import type { StoredBroadcast } from '../db/types.ts'
import { canReadBroadcasts, roomKeyOf, type ChannelJoin } from './channel.ts'
import { encodeUserBroadcast, payloadBytes } from './codec.ts'

/** What the router needs from the engine. */
export interface StoredBroadcastHost {
  room(roomKey: string): ReadonlySet<ChannelJoin> | undefined
  overEventRate(): boolean
  maxPayloadBytes(): number
  /** Counts deliveries against the events quota; over it, the room's channels are closed. */
  countDeliveries(room: Iterable<ChannelJoin>, delivered: number): void
  log(message: string): void
}

/**
 * A stored message as a broadcast with `meta: {id}` to every subscriber of its room (the sender's
 * `self` does not apply), except private channels that may not read broadcasts and channels that
 * already got it replayed. Over the events quota or the payload size limit it is dropped, as the
 * real server does.
 *
 * @example
 * db.onBroadcast((stored) => routeStored(engine, stored))
 */
export function routeStored(host: StoredBroadcastHost, stored: StoredBroadcast): void {
  const topic = `realtime:${stored.topic}`
  const room = host.room(roomKeyOf(topic, stored.private))
  if (!room || host.overEventRate()) return
  if (payloadBytes(stored.payload) > host.maxPayloadBytes()) {
    return host.log(`UnableToBroadcastChanges: payload of message ${stored.id} on ${topic} is over the size limit`)
  }
  let delivered = 0
  for (const join of room) {
    if (!canReadBroadcasts(join) || join.replayedIds.has(stored.id)) continue
    deliverStored(join, stored, false)
    delivered++
  }
  host.countDeliveries(room, delivered)
}

/** One stored message to one channel: binary kind 4 with its meta (vsn 2), else text with `meta`. */
export function deliverStored(join: ChannelJoin, stored: StoredBroadcast, replayed: boolean): void {
  const meta = replayed ? { replayed: true, id: stored.id } : { id: stored.id }
  const session = join.session
  // Replays are pushed as ordinary (text) messages by the real channel; live ones as user broadcasts.
  const binary = !replayed && session.vsn === '2.0.0' ? encodeUserBroadcast(join.topic, stored.event, stored.payload, 1, meta) : null
  if (binary) session.sendBinary(binary)
  else session.push(join.topic, 'broadcast', { type: 'broadcast', event: stored.event, payload: stored.payload, meta })
}
