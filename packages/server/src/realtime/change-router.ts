/**
 * Routing of committed row changes to `postgres_changes` subscribers (realtime-protocol.md §8),
 * filtered per subscriber by its JWT: column privileges, the table's RLS SELECT policies and the
 * binding's `select` list (`src/db/row-visibility.ts`).
 */
import type { JwtClaims } from '../auth.ts'
import { NO_PRIMARY_KEY } from '../db/change-payload.ts'
import { rowVisibility, shapeChange, type ChangeVisibility } from '../db/row-visibility.ts'
import type { LocalDatabase, RowChange } from '../db/types.ts'
import { isCurrent, type ChannelJoin } from './channel.ts'

/** What the router needs from the engine. */
export interface ChangeRouterHost {
  readonly db: LocalDatabase
  readonly rooms: ReadonlyMap<string, ReadonlySet<ChannelJoin>>
  overEventRate(): boolean
  /** Counts deliveries against the events quota (no channel is closed for database changes). */
  countDatabaseDeliveries(delivered: number): void
  log(message: string): void
}

interface Target {
  join: ChannelJoin
  bindings: ChannelJoin['postgres']
  claimsIndex: number
}

/**
 * Sends one change to every channel with matching bindings: one `postgres_changes` message per
 * distinct `select` list among those bindings, carrying their ids. Resolves once sent.
 *
 * @example
 * await routeChange(host, change)
 */
export async function routeChange(host: ChangeRouterHost, change: RowChange): Promise<void> {
  // Over the events quota the real server skips database changes silently.
  if (host.overEventRate()) return
  const claims: JwtClaims[] = []
  const claimsKeys = new Map<string, number>()
  const targets: Target[] = []
  for (const room of host.rooms.values()) {
    for (const join of room) {
      if (!join.postgresReady) continue
      const bindings = join.postgres.filter((b) => safeMatch(b.matches, change))
      if (bindings.length === 0) continue
      const key = JSON.stringify(join.claims)
      let claimsIndex = claimsKeys.get(key)
      if (claimsIndex === undefined) {
        claimsIndex = claims.push(join.claims) - 1
        claimsKeys.set(key, claimsIndex)
      }
      targets.push({ join, bindings, claimsIndex })
    }
  }
  if (targets.length === 0) return

  let visibility: ChangeVisibility | null = null
  if (!change.errors?.includes(NO_PRIMARY_KEY)) {
    try {
      visibility = await rowVisibility(host.db, change, claims)
    } catch (error) {
      host.log(`postgres_changes: visibility of a ${change.type} on ${change.schema}.${change.table} failed, not delivered: ${String(error)}`)
      return
    }
  }
  let delivered = 0
  for (const { join, bindings, claimsIndex } of targets) {
    // The channel may have ended while the visibility query ran.
    if (!isCurrent(join)) continue
    const result = visibility?.results[claimsIndex]
    if (result?.status === 'error') host.log(`postgres_changes: an RLS policy of ${change.schema}.${change.table} raised an error for ${join.topic}`)
    if (result && (result.status === 'hidden' || result.status === 'error')) continue
    for (const [select, ids] of groupBySelect(bindings)) {
      const data = visibility && result ? shapeChange(change, visibility, result, select) : baseData(change)
      join.session.push(join.topic, 'postgres_changes', { ids, data })
      delivered++
    }
  }
  host.countDatabaseDeliveries(delivered)
}

/** Bindings with the same `select` list share one message (the real server groups by it). */
function groupBySelect(bindings: ChannelJoin['postgres']): Map<string[] | null, number[]> {
  const groups = new Map<string, { select: string[] | null; ids: number[] }>()
  for (const binding of bindings) {
    const select = binding.select ? [...binding.select].sort() : null
    const key = JSON.stringify(select)
    const group = groups.get(key) ?? { select, ids: [] }
    group.ids.push(binding.id)
    groups.set(key, group)
  }
  return new Map([...groups.values()].map((g) => [g.select, g.ids]))
}

/** The change as captured (tables without a primary key: `Error 400`, no row data). */
function baseData(change: RowChange): Record<string, unknown> {
  const data: Record<string, unknown> = {
    schema: change.schema,
    table: change.table,
    commit_timestamp: change.commit_timestamp,
    type: change.type,
    columns: change.columns,
    errors: change.errors,
  }
  if (change.record !== undefined) data.record = change.record
  if (change.old_record !== undefined) data.old_record = change.old_record
  return data
}

/** A filter that throws must not stop the routing of one change to other channels. */
function safeMatch(matches: (change: RowChange) => boolean, change: RowChange): boolean {
  try {
    return matches(change)
  } catch {
    return false
  }
}
