import type { LocalDatabase, QueryResult, RowChange } from '../../src/db/types.ts'

/**
 * A LocalDatabase without Postgres: it answers the two catalog queries of `checkSubscription` from a
 * fixed table list and lets tests emit committed changes. Other SQL is recorded and answered by `answer`.
 */
export interface FakeDatabase extends LocalDatabase {
  emit(change: RowChange): void
  queries: { sql: string; params?: unknown[] }[]
  listeners(): number
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
      return answer(sql, params) as QueryResult<Row>
    },
    async exec() {},
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      db.closed = true
    },
    emit(change) {
      for (const listener of [...listeners]) listener(change)
    },
    listeners: () => listeners.size,
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
