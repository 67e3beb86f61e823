import type { ChangeType, ColumnInfo, RowChange } from './types.ts'

/** The real server drops records above 1 MiB (`max_record_bytes`, realtime-protocol.md §8.1, §12). */
export const MAX_RECORD_BYTES = 1024 * 1024
/** In an oversized record, values whose JSON is longer than this are omitted (§8.1). */
export const OVERSIZE_KEPT_VALUE_BYTES = 64

export const PAYLOAD_TOO_LARGE = 'Error 413: Payload Too Large'
export const NO_PRIMARY_KEY = 'Error 400: Bad Request, no primary key'

/** One row of `realtime_local.change_queue` as PGlite returns it (json columns parsed). */
export interface QueuedChange {
  id: number
  schema_name: string
  table_name: string
  op: string
  commit_ts: Date
  columns: ColumnInfo[]
  record: Record<string, unknown> | null
  old_record: Record<string, unknown> | null
  has_pk: boolean
}

/**
 * Builds the §8.1 payload of one captured change: typed JSON values (`row_to_json`), `old_record`
 * per replica identity, `["Error 413: Payload Too Large"]` with only small values above 1 MiB, and
 * `["Error 400: Bad Request, no primary key"]` for tables without a primary key.
 *
 * @example
 * toRowChange({ id: 1, schema_name: 'public', table_name: 'todos', op: 'INSERT', commit_ts: new Date(0),
 *   columns: [{ name: 'id', type: 'int8' }], record: { id: 1 }, old_record: null, has_pk: true })
 * // → { schema: 'public', table: 'todos', type: 'INSERT', commit_timestamp: '1970-01-01T00:00:00.000Z', … }
 */
export function toRowChange(row: QueuedChange): RowChange {
  const type = row.op as ChangeType
  const change: RowChange = {
    schema: row.schema_name,
    table: row.table_name,
    type,
    commit_timestamp: toCommitTimestamp(row.commit_ts),
    columns: row.columns,
    errors: null,
  }
  if (!row.has_pk) {
    // The real server sends only schema/table/type here; columns stay for the RowChange contract.
    return { ...change, columns: [], errors: [NO_PRIMARY_KEY] }
  }
  const record = type === 'DELETE' ? undefined : (row.record ?? {})
  const oldRecord = type === 'INSERT' ? undefined : (row.old_record ?? {})
  const size = jsonBytes(record) + jsonBytes(oldRecord)
  if (size > MAX_RECORD_BYTES) {
    change.errors = [PAYLOAD_TOO_LARGE]
    if (record) change.record = keepSmallValues(record)
    if (oldRecord) change.old_record = keepSmallValues(oldRecord)
    return change
  }
  if (record) change.record = record
  if (oldRecord) change.old_record = oldRecord
  return change
}

function toCommitTimestamp(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString()
}

function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value))
}

function keepSmallValues(record: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    if (jsonBytes(value) <= OVERSIZE_KEPT_VALUE_BYTES) kept[key] = value
  }
  return kept
}
