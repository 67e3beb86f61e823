import { describe, expect, it } from 'vitest'
import { MAX_RECORD_BYTES, NO_PRIMARY_KEY, PAYLOAD_TOO_LARGE, toRowChange, type QueuedChange } from '../../../src/db/change-payload.ts'

const row = (overrides: Partial<QueuedChange>): QueuedChange => ({
  id: 1,
  schema_name: 'public',
  table_name: 'todos',
  op: 'INSERT',
  commit_ts: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
  columns: [{ name: 'id', type: 'int8' }, { name: 'title', type: 'text' }],
  record: { id: 1, title: 'a' },
  old_record: null,
  has_pk: true,
  ...overrides,
})

describe('change payload', () => {
  it('keeps record for INSERT, both records for UPDATE, old_record for DELETE, with an ISO commit time', () => {
    const insert = toRowChange(row({}))
    expect(insert).toEqual({
      schema: 'public', table: 'todos', type: 'INSERT', commit_timestamp: '2026-01-02T03:04:05.006Z',
      columns: row({}).columns, errors: null, record: { id: 1, title: 'a' },
    })
    const update = toRowChange(row({ op: 'UPDATE', old_record: { id: 1 } }))
    expect([update.record, update.old_record]).toEqual([{ id: 1, title: 'a' }, { id: 1 }])
    const del = toRowChange(row({ op: 'DELETE', record: null, old_record: { id: 1 } }))
    expect(del.record).toBeUndefined()
    expect(del.old_record).toEqual({ id: 1 })
  })

  it('sends no row data and no columns for a table without a primary key', () => {
    const change = toRowChange(row({ has_pk: false }))
    expect(change).toMatchObject({ columns: [], errors: [NO_PRIMARY_KEY] })
    expect(change.record).toBeUndefined()
  })

  it('above 1 MiB keeps only values of at most 64 bytes of JSON, with Error 413', () => {
    const big = 'x'.repeat(MAX_RECORD_BYTES)
    const change = toRowChange(row({ record: { id: 1, title: big, short: 'y'.repeat(62) } }))
    expect(change.errors).toEqual([PAYLOAD_TOO_LARGE])
    expect(change.record).toEqual({ id: 1, short: 'y'.repeat(62) })
  })
})
