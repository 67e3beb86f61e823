import type { JwtClaims } from '../auth.ts'
import type { LocalDatabase } from './types.ts'

/**
 * Authorization of private channels by the RLS policies of `realtime.messages`, as Supabase
 * Realtime does it (realtime-protocol.md §6, §7, §11): SELECT policies decide whether a JWT may
 * read (join, receive broadcasts / presence), INSERT policies whether it may write (send
 * broadcasts, track presence), each evaluated with `realtime.topic()` = the channel's subtopic and
 * `request.jwt.claims` = the JWT's claims, under the JWT's role. The SQL is in
 * `sql/local-authorization.sql`; every check is one statement whose effects are rolled back.
 */

export type PolicyExtension = 'broadcast' | 'presence'

/** `undefined` = not evaluated yet (the real server's `nil`). */
export interface Policies {
  broadcast: { read?: boolean; write?: boolean }
  presence: { read?: boolean; write?: boolean }
}

export interface AuthorizationContext {
  /** The subtopic (`room:1` for `realtime:room:1`). */
  topic: string
  claims: JwtClaims
}

/** A failed check: the database error (unknown role, a policy that raised), logged as `RlsPolicyError`. */
export type PolicyResult = { ok: true; policies: Policies } | { ok: false; error: string }

export const emptyPolicies = (): Policies => ({ broadcast: {}, presence: {} })

/**
 * Evaluates the read (SELECT) policies for `extensions`; the others keep their value.
 *
 * @example
 * const read = await authorizeRead(db, { topic: 'room:1', claims }, emptyPolicies(), ['broadcast', 'presence'])
 * if (read.ok && canRead(read.policies)) join()
 */
export function authorizeRead(
  db: LocalDatabase,
  context: AuthorizationContext,
  policies: Policies,
  extensions: readonly PolicyExtension[],
): Promise<PolicyResult> {
  return check(db, 'authorize_read', 'read', context, policies, extensions)
}

/**
 * Evaluates the write (INSERT) policies for `extensions`; the others keep their value.
 *
 * @example
 * const write = await authorizeWrite(db, { topic: 'room:1', claims }, join.policies, ['broadcast', 'presence'])
 * if (write.ok && write.policies.broadcast.write) relay()
 */
export function authorizeWrite(
  db: LocalDatabase,
  context: AuthorizationContext,
  policies: Policies,
  extensions: readonly PolicyExtension[],
): Promise<PolicyResult> {
  return check(db, 'authorize_write', 'write', context, policies, extensions)
}

/** A private channel may be joined when either extension may be read. */
export function canRead(policies: Policies): boolean {
  return policies.broadcast.read === true || policies.presence.read === true
}

/** True when a read that `before` allowed is refused by `after` (a token refresh revoked it). */
export function readRevoked(before: Policies, after: Policies): boolean {
  return (before.broadcast.read === true && after.broadcast.read === false) || (before.presence.read === true && after.presence.read === false)
}

async function check(
  db: LocalDatabase,
  fn: 'authorize_read' | 'authorize_write',
  mode: 'read' | 'write',
  context: AuthorizationContext,
  policies: Policies,
  extensions: readonly PolicyExtension[],
): Promise<PolicyResult> {
  let allowed: string[]
  try {
    const { rows } = await db.query<{ allowed: string[] | null }>(
      `select realtime_local.${fn}($1::text, $2::jsonb, $3::text[]) as allowed`,
      [context.topic, JSON.stringify(context.claims), extensions],
    )
    allowed = rows[0]?.allowed ?? []
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
  const next: Policies = { broadcast: { ...policies.broadcast }, presence: { ...policies.presence } }
  for (const extension of extensions) next[extension][mode] = allowed.includes(extension)
  return { ok: true, policies: next }
}
