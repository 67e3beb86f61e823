/**
 * `phx_join` (realtime-protocol.md §4): the join payload's config read the way the real server reads
 * it, and the checks in its order, each failure with the real reason text.
 */
import type { JwtClaims } from '../auth.ts'
import { authorizeRead, canRead, emptyPolicies, type PolicyExtension, type Policies } from '../db/authorization.ts'
import { parseReplay } from '../db/broadcast-from-database.ts'
import type { PostgresBinding } from '../db/types.ts'
import { roomKeyOf, subtopicOf, type ChannelJoin, type Subscriber } from './channel.ts'
import type { RealtimeEngine } from './engine.ts'
import { hashBinding } from './hash.ts'

export type JoinResult =
  | { ok: true; join: ChannelJoin; replay: { since: number; limit: number } | null; replicationReady: boolean }
  | { ok: false; reason: string; closeSocket?: boolean }

/** Booleans accept `true/false` or `"true"/"false"` (§4.1). */
const flag = (value: unknown): boolean => value === true || value === 'true'
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Runs the join checks in the real server's order: max users → joins/s → channels per client →
 * token → private read permission (RLS) → replay params (the session fetches the replay). The
 * caller has already closed an older join of the same topic.
 *
 * @example
 * const result = await prepareJoin(engine, { session: this, connectKey }, message)
 */
export async function prepareJoin(
  engine: RealtimeEngine,
  socket: { session: Subscriber; connectKey: string },
  message: { topic: string; joinRef: string | null; ref: string | null; payload: unknown },
): Promise<JoinResult> {
  const { session, connectKey } = socket
  const limits = engine.limits
  const payload = isObject(message.payload) ? message.payload : {}
  // An invalid config is logged and the join proceeds with defaults (InvalidJoinPayload).
  const config = isObject(payload.config) ? payload.config : {}
  if (payload.config !== undefined && !isObject(payload.config)) engine.log(`InvalidJoinPayload on ${message.topic}: config is not an object`)
  const subtopic = subtopicOf(message.topic)
  if (!subtopic) return { ok: false, reason: 'TopicNameRequired: You must provide a topic name' }
  if (session.joins.size === 0 && engine.concurrentUsers() >= limits.maxConcurrentUsers) {
    return { ok: false, reason: 'ConnectionRateLimitReached: Too many connected users' }
  }
  engine.quotas.countJoin()
  if (engine.quotas.overJoinRate()) {
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
      roomKey: roomKeyOf(message.topic, isPrivate),
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
