/**
 * What a joined channel does with a client push: `broadcast` (§6), `presence` (§7) and
 * `access_token` (§11), with the real server's replies, limits and channel-fatal errors.
 */
import { authorizeRead, authorizeWrite, readRevoked } from '../db/authorization.ts'
import { isCurrent, type ChannelJoin } from './channel.ts'
import { readPolicies } from './channel-join.ts'
import { payloadBytes, type DecodedMessage } from './codec.ts'
import type { RealtimeEngine } from './engine.ts'

/** What a push handler needs: the engine, its channel's socket, and the reply to this push. */
export interface PushContext {
  engine: RealtimeEngine
  /** The socket's channel operations (implemented by `Session`). */
  channels: {
    closeChannel(join: ChannelJoin, reason: string): void
    /** Re-arms the token expiry check of a channel whose token changed. */
    armExpiry(join: ChannelJoin): void
  }
  /** Replies to the push being handled (`phx_reply` with its join_ref and ref). */
  reply(status: 'ok' | 'error', response: unknown): void
}

/** The real server's rule: refused above `max_payload_size_in_kb` × 1000 + 500 bytes. */
function overPayloadLimit(engine: RealtimeEngine, payload: unknown): boolean {
  return payloadBytes(payload) > engine.quotas.maxPayloadBytes()
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Private channels may send once their INSERT policy for broadcasts allows it, checked on the first
 * push and kept until the token changes; refused or failing checks drop the push without a reply.
 */
async function mayWrite(engine: RealtimeEngine, join: ChannelJoin, extension: 'broadcast' | 'presence'): Promise<boolean | 'error'> {
  if (!join.private) return true
  if (join.policies[extension].write === undefined) {
    // The real server evaluates both extensions' write policies at once.
    const write = await authorizeWrite(engine.db, { topic: join.subtopic, claims: join.claims }, join.policies, ['broadcast', 'presence'])
    if (!write.ok) {
      engine.log(`RlsPolicyError on ${join.topic}: ${write.error}`)
      return 'error'
    }
    if (isCurrent(join)) join.policies = write.policies
  }
  return join.policies[extension].write === true
}

export async function handleBroadcast({ engine, reply }: PushContext, join: ChannelJoin, message: DecodedMessage): Promise<void> {
  if ((await mayWrite(engine, join, 'broadcast')) !== true) {
    engine.log(`broadcast on ${join.topic} dropped: no write permission`)
    return
  }
  if (!isCurrent(join)) return
  // Every client push counts against the events quota.
  engine.quotas.countEvent()
  const body = message.payload
  if (!isMap(body) || typeof body.event !== 'string') {
    engine.log(`broadcast without an event on ${join.topic} dropped`)
    if (join.ack) reply('error', { reason: 'broadcast payload must have an event' })
    return
  }
  // Sent whether or not ack was asked: realtime-js resolves send() with 'ok' at once without ack anyway.
  if (overPayloadLimit(engine, body.payload)) return reply('error', 'payload_size_exceeded')
  const encoding = message.binary ? message.encoding : 'text'
  engine.broadcast(join.roomKey, join.topic, body.event, body.payload ?? {}, join, encoding)
  // The sender's own channel may have been closed by the events quota meanwhile.
  if (join.ack && isCurrent(join)) reply('ok', {})
}

/** Track/untrack calls per channel are limited in a fixed 30 s window (presence_handler.ex). */
const PRESENCE_CALLS_WINDOW_MS = 30_000

export async function handlePresence(context: PushContext, join: ChannelJoin, message: DecodedMessage): Promise<void> {
  const { engine } = context
  const body = isMap(message.payload) ? message.payload : {}
  if (join.private && typeof body.event === 'string' && body.event.toLowerCase() === 'track' && join.policies.presence.write === undefined) {
    // A track may enable presence: its read policy is evaluated now if the join skipped it.
    if (join.policies.presence.read === undefined) {
      const read = await authorizeRead(engine.db, { topic: join.subtopic, claims: join.claims }, join.policies, ['presence'])
      if (!read.ok) return presenceRefused(context, join, read.error)
      join.policies = read.policies
    }
    const allowed = await mayWrite(engine, join, 'presence')
    if (allowed === 'error') return presenceRefused(context, join, 'write policy check failed')
  }
  if (!isCurrent(join)) return
  applyPresence(context, join, message)
}

/** A failed policy check answers the track with an error and no reason (UnableToHandlePresence). */
function presenceRefused({ engine, reply }: PushContext, join: ChannelJoin, error: string): void {
  engine.log(`UnableToHandlePresence on ${join.topic}: ${error}`)
  reply('error', {})
}

function applyPresence({ engine, channels, reply }: PushContext, join: ChannelJoin, message: DecodedMessage): void {
  engine.quotas.countEvent()
  const now = engine.clock.now()
  const body = isMap(message.payload) ? message.payload : {}
  // Without an event the real server does nothing and answers ok.
  if (typeof body.event !== 'string') return reply('ok', {})
  if (join.presenceCalls.length > 0 && now - join.presenceCalls[0] >= PRESENCE_CALLS_WINDOW_MS) join.presenceCalls = []
  if (join.presenceCalls.length >= engine.limits.maxPresenceCallsPer30s) {
    return channels.closeChannel(join, 'Client presence rate limit exceeded')
  }
  join.presenceCalls.push(now)
  const event = body.event.toLowerCase()
  if (event === 'track') {
    // Private channels whose INSERT policy refuses presence: an error reply without a reason.
    if (join.private && join.policies.presence.write !== true) return presenceRefused({ engine, channels, reply }, join, 'unauthorized')
    const payload = body.payload ?? {}
    if (!isMap(payload)) return reply('error', { reason: 'Presence track payload must be a map' })
    if (overPayloadLimit(engine, payload)) return channels.closeChannel(join, 'Track message size exceeded')
    if (engine.quotas.overPresenceEventRate()) {
      return channels.closeChannel(join, 'Too many presence messages per second')
    }
    engine.quotas.countPresenceEvent()
    // The reply precedes the diff, as on the real server (the diff travels through PubSub).
    reply('ok', {})
    engine.track(join, payload)
  } else if (event === 'untrack') {
    reply('ok', {})
    engine.untrack(join)
  } else {
    engine.log(`UnknownPresenceEvent ${body.event} on ${join.topic}`)
    reply('error', {})
  }
}

/**
 * Never answered (§11). A valid new token re-arms the expiry check and, on a private channel,
 * re-evaluates its read policies: none readable → `You do not have permissions to read from this
 * Channel topic: <t>` + close; one that was readable now refused (the other still readable) →
 * `You no longer have permission to read from this Channel topic: <t>` + close. An invalid token
 * closes the channel.
 */
export async function handleAccessToken({ engine, channels }: PushContext, join: ChannelJoin, message: DecodedMessage): Promise<void> {
  const token = isMap(message.payload) ? message.payload.access_token : undefined
  // Equal, null and `sb_…` values are ignored: sign-out does not demote a joined channel.
  if (token === null || token === undefined || token === join.token) return
  if (typeof token !== 'string' || token.startsWith('sb_')) return
  if (token === '') return channels.closeChannel(join, 'The token provided is not a valid JWT')
  const verified = await engine.verifier.verify(token, engine.clock.now())
  if (!isCurrent(join)) return
  if (!verified.ok) return channels.closeChannel(join, verified.error.message)
  if (join.private) {
    // The policies are evaluated afresh for the new token (write ones again on the next push).
    const read = await readPolicies(engine, join.subtopic, verified.claims, join.presenceEnabled)
    if (!isCurrent(join)) return
    if (!read.ok) return channels.closeChannel(join, read.reason.replace(/^Unauthorized: /, ''))
    if (readRevoked(join.policies, read.policies)) {
      return channels.closeChannel(join, `You no longer have permission to read from this Channel topic: ${join.subtopic}`)
    }
    join.policies = read.policies
  }
  join.token = token
  join.claims = verified.claims
  channels.armExpiry(join)
}
