import type { LocalDatabase, QueryResult, RowChange, StoredBroadcast } from '../../src/db/types.ts'

/**
 * A LocalDatabase without Postgres: it answers the catalog queries of `checkSubscription` from a
 * fixed table list, the policy checks of private channels with a fixed rule (roles `authenticated`
 * and `service_role` may read and write every topic, others nothing), row visibility with "every
 * column, no RLS", and lets tests emit committed changes and stored broadcasts. Other SQL is
 * recorded and answered by `answer`.
 */
export interface FakeDatabase extends LocalDatabase {
  emit(change: RowChange): void
  emitBroadcast(message: StoredBroadcast): void
  queries: { sql: string; params?: unknown[] }[]
  listeners(): number
  broadcastListeners(): number
  closed: boolean
}

export const FAKE_TABLES: Record<string, Record<string, string>> = {
  'public.todos': { id: 'bigint', title: 'text', done: 'boolean' },
  'public.orders': { id: 'bigint', status: 'text' },
}

export function createFakeDatabase(
  answer: (sql: string, params?: unknown[]) => QueryResult = () => ({ rows: [], fields: [] }),
): FakeDatabase {
  const listeners = new Set<(change: RowChange) => void>()
  const broadcastListeners = new Set<(message: StoredBroadcast) => void>()
  const db: FakeDatabase = {
    queries: [],
    closed: false,
    async query<Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      db.queries.push({ sql, params })
      if (sql.includes('pg_publication_tables')) {
        const [schema, table] = params as string[]
        const rows = Object.keys(FAKE_TABLES)
          .map((name) => name.split('.'))
          .filter(([s, t]) => (schema === '*' || s === schema) && (table === '*' || t === table))
          .map(([s, t]) => ({ schema: s, table: t }))
        return { rows: rows as Row[], fields: [] }
      }
      if (sql.includes('pg_attribute')) {
        const [schema, table, column] = params as string[]
        const type = FAKE_TABLES[`${schema}.${table}`]?.[column]
        return { rows: (type ? [{ type }] : []) as Row[], fields: [] }
      }
      if (sql.includes('$1::text::')) return { rows: [{ n: 1 }] as Row[], fields: [] }
      if (sql.includes('realtime_local.authorize_')) {
        const [, claims, extensions] = params as [string, string, string[]]
        const role = (JSON.parse(claims) as { role?: string }).role
        const allowed = role === 'authenticated' || role === 'service_role' ? extensions : []
        return { rows: [{ allowed }] as Row[], fields: [] }
      }
      if (sql.includes('realtime_local.visibility')) {
        const [, schema, table, , record, claims] = params as [string, string, string, string, string, string[]]
        const columns = [...new Set([...Object.keys(FAKE_TABLES[`${schema}.${table}`] ?? {}), ...Object.keys(JSON.parse(record))])]
        const results = claims.map(() => ({ status: 'visible', columns }))
        return { rows: [{ v: { rls: false, pk: ['id'], results } }] as Row[], fields: [] }
      }
      return answer(sql, params) as QueryResult<Row>
    },
    async exec() {},
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onBroadcast(listener) {
      broadcastListeners.add(listener)
      return () => broadcastListeners.delete(listener)
    },
    async close() {
      db.closed = true
    },
    emit(change) {
      for (const listener of [...listeners]) listener(change)
    },
    emitBroadcast(message) {
      for (const listener of [...broadcastListeners]) listener(message)
    },
    listeners: () => listeners.size,
    broadcastListeners: () => broadcastListeners.size,
  }
  return db
}

export function todoInsert(record: Record<string, unknown>): RowChange {
  return {
    schema: 'public',
    table: 'todos',
    type: 'INSERT',
    commit_timestamp: '2026-01-01T00:00:00.000Z',
    columns: [
      { name: 'id', type: 'int8' },
      { name: 'title', type: 'text' },
      { name: 'done', type: 'bool' },
    ],
    record,
    errors: null,
  }
}
