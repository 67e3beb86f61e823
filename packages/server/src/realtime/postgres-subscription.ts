/**
 * The `postgres_changes` half of a join (realtime-protocol.md §5): each binding parsed and checked
 * against the database (publication, the subscriber's role, filter and `select` columns), then
 * `Subscribed to PostgreSQL` or the real server's system error.
 */
import { compileBinding } from '../db/filters.ts'
import { checkSubscription } from '../db/subscriptions.ts'
import type { LocalDatabase } from '../db/types.ts'
import { isCurrent, type ChannelJoin } from './channel.ts'

/** What a subscription needs: the database, a log, and the system messages of the channel's socket. */
export interface PostgresSubscriptionContext {
  db: LocalDatabase
  log(message: string): void
  system(join: ChannelJoin, extension: 'postgres_changes', status: 'ok' | 'error', text: string): void
}

/**
 * Confirmed asynchronously after the join reply, as the real server does. Changes committed
 * before the confirmation are not delivered.
 *
 * @example
 * if (join.bindings.length > 0) void subscribePostgres(session, join)
 */
export async function subscribePostgres(context: PostgresSubscriptionContext, join: ChannelJoin): Promise<void> {
  const current = () => isCurrent(join)
  const subscribed: ChannelJoin['postgres'] = []
  try {
    for (const binding of join.bindings) {
      const compiled = compileBinding(binding)
      if (!compiled.ok) return context.system(join, 'postgres_changes', 'error', compiled.message)
      const checked = await checkSubscription(context.db, compiled.binding, join.claims.role)
      if (!current()) return
      if (!checked.ok) return context.system(join, 'postgres_changes', 'error', checked.message)
      subscribed.push({ id: binding.id, matches: compiled.matches, select: compiled.binding.select })
    }
  } catch (error) {
    context.log(`postgres subscription failed on ${join.topic}: ${String(error)}`)
    if (current()) context.system(join, 'postgres_changes', 'error', 'Realtime was unable to connect to the project database')
    return
  }
  if (!current()) return
  join.postgres = subscribed
  join.postgresReady = true
  context.system(join, 'postgres_changes', 'ok', 'Subscribed to PostgreSQL')
}
