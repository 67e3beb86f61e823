/**
 * `phx_join` (realtime-protocol.md §4): the join payload's config read the way the real server reads
 * it, and the checks in its order, each failure with the real reason text.
 */
import type { JwtClaims } from '../auth.ts'
import { authorizeRead, canRead, emptyPolicies, type PolicyExtension, type Policies } from '../db/authorization.ts'
import { parseReplay } from '../db/broadcast-from-database.ts'
import type { PostgresBinding, RowChange } from '../db/types.ts'
import type { RealtimeEngine } from './engine.ts'
import { hashBinding } from './hash.ts'
import type { Session } from './session.ts'

/** One channel joined on one socket. */
export interface ChannelJoin {
  session: Session
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

export type JoinResult =
  | { ok: true; join: ChannelJoin; replay: { since: number; limit: number } | null; replicationReady: boolean }
  | { ok: false; reason: string; closeSocket?: boolean }

const REALTIME_PREFIX = 'realtime:'

/** Booleans accept `true/false` or `"true"/"false"` (§4.1). */
const flag = (value: unknown): boolean => value === true || value === 'true'
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Runs the join checks in the real server's order: max users → joins/s → channels per client →
 * token → private read permission (RLS) → replay params (the session fetches the replay). The
 * caller has already closed an older join of the same topic.
 */
export async function prepareJoin(
  engine: RealtimeEngine,
  session: Session,
  message: { topic: string; joinRef: string | null; ref: string | null; payload: unknown },
  connectKey: string,
): Promise<JoinResult> {
  const limits = engine.limits
  const payload = isObject(message.payload) ? message.payload : {}
  // An invalid config is logged and the join proceeds with defaults (InvalidJoinPayload).
  const config = isObject(payload.config) ? payload.config : {}
  if (payload.config !== undefined && !isObject(payload.config)) engine.log(`InvalidJoinPayload on ${message.topic}: config is not an object`)
  const subtopic = message.topic.slice(REALTIME_PREFIX.length)
  if (!subtopic) return { ok: false, reason: 'TopicNameRequired: You must provide a topic name' }
  if (session.joins.size === 0 && engine.concurrentUsers() >= limits.maxConcurrentUsers) {
    return { ok: false, reason: 'ConnectionRateLimitReached: Too many connected users' }
  }
  engine.joins.add()
  if (engine.joins.rate() > limits.maxJoinsPerSecond) {
    return { ok: false, reason: 'ClientJoinRateLimitReached: Too many joins per second', closeSocket: true }
  }
  if (session.joins.size >= limits.maxChannelsPerClient) return { ok: false, reason: 'ChannelRateLimitReached: Too many channels' }

  // access_token › user_token › the connect key; `sb_…` keys are not JWTs and fall back to it (§11).
  const candidate = [payload.access_token, payload.user_token].find((t): t is string => typeof t === 'string' && t !== '')
  const token = candidate && !candidate.startsWith('sb_') ? candidate : connectKey
  const verified = await engine.verifier.verify(token, engine.clock.now())
  if (!verified.ok) {
    const { kind, message: text } = verified.error
    const code = kind === 'signature' ? 'JwtSignatureError' : kind === 'malformed' || kind === 'missing' ? 'MalformedJWT' : 'InvalidJWTToken'
    return { ok: false, reason: `${code}: ${kind === 'missing' ? 'The token provided is not a valid JWT' : text}` }
  }
  const isPrivate = flag(config.private)
  const broadcast = isObject(config.broadcast) ? config.broadcast : {}
  const presence = isObject(config.presence) ? config.presence : {}
  const presenceEnabled = flag(presence.enabled)
  let policies = emptyPolicies()
  if (isPrivate) {
    const read = await readPolicies(engine, subtopic, verified.claims, presenceEnabled)
    if (!read.ok) return read
    policies = read.policies
  }
  const replay = parseReplay(config, isPrivate)
  // A channel that may read presence but not broadcasts cannot replay broadcasts.
  if (replay.kind !== 'none' && isPrivate && policies.broadcast.read === false) return unauthorized(subtopic)
  if (replay.kind === 'refused') return { ok: false, reason: replay.reason }

  const rawBindings = Array.isArray(config.postgres_changes) ? config.postgres_changes : []
  // Non-object entries cannot be echoed meaningfully; they are echoed as empty params (and then fail to subscribe).
  const bindings = rawBindings.map((b) => {
    const params = (isObject(b) ? b : {}) as unknown as PostgresBinding
    return { ...params, id: hashBinding(params) }
  })
  const presenceKey = typeof presence.key === 'string' && presence.key !== '' ? presence.key : crypto.randomUUID()
  return {
    ok: true,
    replay: replay.kind === 'replay' ? { since: replay.since, limit: replay.limit } : null,
    replicationReady: flag(broadcast.replication_ready),
    join: {
      session,
      topic: message.topic,
      subtopic,
      private: isPrivate,
      roomKey: `${isPrivate ? 'private' : 'public'}:${message.topic}`,
      joinRef: message.joinRef ?? message.ref ?? '',
      self: flag(broadcast.self),
      ack: flag(broadcast.ack),
      presenceEnabled,
      presenceKey,
      bindings,
      postgres: [],
      postgresReady: false,
      token,
      claims: verified.claims,
      presenceCalls: [],
      policies,
      replayedIds: new Set(),
    },
  }
}

export function isRealtimeTopic(topic: string): boolean {
  return topic.startsWith(REALTIME_PREFIX)
}

/** Presence state and diffs reach a private channel only when its presence read policy allows it. */
export function canReadPresence(join: ChannelJoin): boolean {
  return !join.private || join.policies.presence.read === true
}

const unauthorized = (subtopic: string) =>
  ({ ok: false as const, reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${subtopic}` })

/**
 * The read policies a private channel is joined with: broadcast, and presence when enabled. A
 * policy error (unknown role, a policy that raises) refuses the join as Unauthorized (RlsPolicyError).
 */
export async function readPolicies(
  engine: RealtimeEngine,
  subtopic: string,
  claims: JwtClaims,
  presenceEnabled: boolean,
): Promise<{ ok: true; policies: Policies } | { ok: false; reason: string }> {
  const extensions: PolicyExtension[] = presenceEnabled ? ['broadcast', 'presence'] : ['broadcast']
  const read = await authorizeRead(engine.db, { topic: subtopic, claims }, emptyPolicies(), extensions)
  if (!read.ok) {
    engine.log(`RlsPolicyError on ${subtopic}: ${read.error}`)
    return unauthorized(subtopic)
  }
  return canRead(read.policies) ? read : unauthorized(subtopic)
}
