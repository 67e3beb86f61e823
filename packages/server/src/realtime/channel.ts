/**
 * A channel joined on one socket, as the engine and the routers see it: the `ChannelJoin` record and
 * the narrow `Subscriber` interface of its socket. Both are defined here, below the engine, so the
 * engine never imports the session (`Session` implements `Subscriber`).
 */
import type { JwtClaims } from '../auth.ts'
import type { Policies } from '../db/authorization.ts'
import type { PostgresBinding, RowChange } from '../db/types.ts'
import type { Vsn } from './codec.ts'

/** What the engine and the routers need from the socket a channel lives on. */
export interface Subscriber {
  readonly vsn: Vsn
  /** Opened with `dev_fault_exempt=1`: injected faults pass it by (counted in stats). */
  readonly faultExempt?: boolean
  /** Joined channels by topic. */
  readonly joins: ReadonlyMap<string, ChannelJoin>
  /** A server push (`[null, null, topic, event, payload]`). */
  push(topic: string, event: string, payload: unknown): void
  sendBinary(bytes: Uint8Array): void
  /** The server ends one channel: a system error with the reason, then `phx_close`; the socket stays. */
  closeChannel(join: ChannelJoin, reason: string): void
  close(code: number, reason?: string): void
}

/** One channel joined on one socket. */
export interface ChannelJoin {
  session: Subscriber
  topic: string
  subtopic: string
  private: boolean
  /** Public and private channels of one name are different rooms. */
  roomKey: string
  joinRef: string
  self: boolean
  ack: boolean
  presenceEnabled: boolean
  presenceKey: string
  /** The bindings as echoed in the join reply, ids included. */
  bindings: (PostgresBinding & { id: number })[]
  /** Filled once subscribed ("Subscribed to PostgreSQL"). */
  postgres: { id: number; matches(change: RowChange): boolean; select: string[] | null }[]
  postgresReady: boolean
  token: string
  claims: JwtClaims
  expiryTimer?: unknown
  /** Times of track/untrack pushes within the last 30 s (presence calls rate limit). */
  presenceCalls: number[]
  /** Private channels: the RLS policies of `realtime.messages` evaluated so far for this token. */
  policies: Policies
  /** Ids of the messages replayed at join: the same messages arriving live are not sent again. */
  replayedIds: Set<string>
}

/** Whether `join` is still its socket's channel for its topic (it may have ended during an await). */
export function isCurrent(join: ChannelJoin): boolean {
  return join.session.joins.get(join.topic) === join
}

/** Presence state and diffs reach a private channel only when its presence read policy allows it. */
export function canReadPresence(join: ChannelJoin): boolean {
  return !join.private || join.policies.presence.read === true
}

/** Broadcasts (client, REST and database) skip private channels whose broadcast read is refused. */
export function canReadBroadcasts(join: ChannelJoin): boolean {
  return !join.private || join.policies.broadcast.read === true
}

const REALTIME_PREFIX = 'realtime:'

export function isRealtimeTopic(topic: string): boolean {
  return topic.startsWith(REALTIME_PREFIX)
}

/** `realtime:room:1` → `room:1` (empty for a bare `realtime:`). */
export function subtopicOf(topic: string): string {
  return topic.slice(REALTIME_PREFIX.length)
}

/** The room of a topic and privacy: `public:realtime:x` / `private:realtime:x`. */
export function roomKeyOf(topic: string, isPrivate: boolean): string {
  return `${isPrivate ? 'private' : 'public'}:${topic}`
}
