import type { JwtClaims } from '../auth.ts'
import type { LocalDatabase, RowChange } from './types.ts'

/**
 * Per-subscriber visibility of a committed row change (postgres_changes), as the real server's
 * `realtime.apply_rls` decides it (realtime-protocol.md §8.1): the role's column privileges, the
 * table's RLS SELECT policies under the subscriber's claims (checked against the row as it is
 * when the change is routed), `service_role` bypassing RLS. SQL in `sql/local-authorization.sql`.
 */

export const UNAUTHORIZED = 'Error 401: Unauthorized'

export type VisibilityStatus = 'visible' | 'hidden' | 'unauthorized' | 'error'

export interface Visibility {
  status: VisibilityStatus
  /** Columns the role may SELECT. */
  columns: string[]
}

export interface ChangeVisibility {
  rls: boolean
  primaryKey: string[]
  /** One per claims passed, in order. */
  results: Visibility[]
}

/**
 * One query for every distinct claims object of the subscribers a change matched.
 *
 * @example
 * const v = await rowVisibility(db, change, [alice.claims, bob.claims])
 * if (v.results[0].status === 'visible') deliver(alice, shapeChange(change, v, v.results[0], null))
 */
export async function rowVisibility(db: LocalDatabase, change: RowChange, claims: JwtClaims[]): Promise<ChangeVisibility> {
  const { rows } = await db.query<{ v: { rls: boolean; pk: string[]; results: Visibility[] } }>(
    'select realtime_local.visibility(format($1::text, $2::text, $3::text)::regclass, $4::text, $5::jsonb, $6::jsonb[]) as v',
    ['%I.%I', change.schema, change.table, change.type, JSON.stringify(change.record ?? change.old_record ?? {}), claims.map((c) => JSON.stringify(c))],
  )
  const v = rows[0]?.v
  if (!v || v.results.length !== claims.length) throw new Error(`no visibility answer for ${change.schema}.${change.table}`)
  return { rls: v.rls, primaryKey: v.pk, results: v.results }
}

/**
 * The §8.1 data one subscriber receives: only the columns its role may SELECT, narrowed to the
 * binding's `select` list plus the primary key; a DELETE on an RLS table keeps only the primary key
 * in `old_record`; `Error 401: Unauthorized` with no row data when the role may not read the key.
 *
 * @example
 * shapeChange(change, v, { status: 'visible', columns: ['id', 'title'] }, ['title'])
 */
export function shapeChange(change: RowChange, table: ChangeVisibility, visibility: Visibility, select: string[] | null): Record<string, unknown> {
  const base = { schema: change.schema, table: change.table, commit_timestamp: change.commit_timestamp, type: change.type }
  if (visibility.status === 'unauthorized') return { ...base, columns: [], errors: [UNAUTHORIZED] }
  const key = new Set(table.primaryKey)
  const readable = new Set(visibility.columns)
  const allowed = (name: string) => readable.has(name) && (select === null || select.includes(name) || key.has(name))
  const data: Record<string, unknown> = { ...base, columns: change.columns.filter((c) => allowed(c.name)), errors: change.errors }
  if (change.record !== undefined) data.record = pick(change.record, allowed)
  if (change.old_record !== undefined) {
    const keyOnly = table.rls && change.type === 'DELETE'
    data.old_record = pick(change.old_record, (name) => allowed(name) && (!keyOnly || key.has(name)))
  }
  return data
}

function pick(record: Record<string, unknown>, keep: (name: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(record)) if (keep(name)) out[name] = value
  return out
}
