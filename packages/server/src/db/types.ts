/** Types shared by the embedded database, the REST API and the realtime postgres_changes router. */

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE'

export interface ColumnInfo {
  name: string
  /** Postgres `typname`, e.g. `int8`, `text`, `bool`, `_int4` for arrays. */
  type: string
}

/** One committed row change of a table in the `supabase_realtime` publication (realtime-protocol.md §8.1). */
export interface RowChange {
  schema: string
  table: string
  type: ChangeType
  /** UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
  commit_timestamp: string
  columns: ColumnInfo[]
  /** INSERT and UPDATE only; values in typed JSON (§8.2). */
  record?: Record<string, unknown>
  /** UPDATE and DELETE only. */
  old_record?: Record<string, unknown>
  errors: null | string[]
}

/** A `postgres_changes` binding as a client sends it in `phx_join` (§4.1). */
export interface PostgresBinding {
  event: string
  schema: string
  table?: string
  filter?: string
  /** Column list (realtime-js 2.119): only these columns and the primary key are sent. */
  select?: string[]
}

/**
 * A committed row of `realtime.messages` to broadcast (Broadcast from Database): written by
 * `realtime.send()`, `realtime.broadcast_changes()` or an app's own insert.
 */
export interface StoredBroadcast {
  /** The message id (uuid), sent to subscribers as `meta.id`. */
  id: string
  /** The subtopic, without `realtime:`. */
  topic: string
  event: string
  payload: unknown
  private: boolean
  /** `realtime.messages.inserted_at` as an ISO string (UTC, `…Z`). */
  insertedAt: string
}

export interface QueryResult<Row = Record<string, unknown>> {
  rows: Row[]
  fields: { name: string; dataTypeID: number }[]
  affectedRows?: number
}

export interface LocalDatabase {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>
  /** Runs several statements (no parameters). */
  exec(sql: string): Promise<void>
  /**
   * Subscribes to committed changes of tables in the `supabase_realtime` publication, in commit
   * order. Returns the unsubscribe function.
   */
  onChange(listener: (change: RowChange) => void): () => void
  /**
   * Subscribes to committed rows of `realtime.messages` with an event and a payload, in commit
   * order together with `onChange` (each commit's rows reach both in the order written).
   */
  onBroadcast(listener: (message: StoredBroadcast) => void): () => void
  close(): Promise<void>
}
