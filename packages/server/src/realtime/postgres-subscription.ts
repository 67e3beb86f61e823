/**
 * The `postgres_changes` half of a join (realtime-protocol.md §5): each binding parsed and checked
 * against the database (publication, the subscriber's role, filter and `select` columns), then
 * `Subscribed to PostgreSQL` or the real server's system error.
 */
import { compileBinding } from '../db/filters.ts'
import { checkSubscription } from '../db/subscriptions.ts'
import type { ChannelJoin } from './channel-join.ts'
import type { RealtimeEngine } from './engine.ts'
import type { Session } from './session.ts'

/**
 * Confirmed asynchronously after the join reply, as the real server does. Changes committed
 * before the confirmation are not delivered.
 *
 * @example
 * if (join.bindings.length > 0) void subscribePostgres(engine, session, join)
 */
export async function subscribePostgres(engine: RealtimeEngine, session: Session, join: ChannelJoin): Promise<void> {
  const current = () => session.joins.get(join.topic) === join
  const subscribed: ChannelJoin['postgres'] = []
  try {
    for (const binding of join.bindings) {
      const compiled = compileBinding(binding)
      if (!compiled.ok) return session.system(join, 'postgres_changes', 'error', compiled.message)
      const checked = await checkSubscription(engine.db, compiled.binding, join.claims.role)
      if (!current()) return
      if (!checked.ok) return session.system(join, 'postgres_changes', 'error', checked.message)
      subscribed.push({ id: binding.id, matches: compiled.matches, select: compiled.binding.select })
    }
  } catch (error) {
    engine.log(`postgres subscription failed on ${join.topic}: ${String(error)}`)
    if (current()) session.system(join, 'postgres_changes', 'error', 'Realtime was unable to connect to the project database')
    return
  }
  if (!current()) return
  join.postgres = subscribed
  join.postgresReady = true
  session.system(join, 'postgres_changes', 'ok', 'Subscribed to PostgreSQL')
}
