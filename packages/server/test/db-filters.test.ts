import { describe, expect, it } from 'vitest'
import { compileBinding, inspect } from '../src/db/filters.ts'
import type { ChangeType, PostgresBinding, RowChange } from '../src/db/types.ts'

const COLUMNS = [
  { name: 'id', type: 'int8' },
  { name: 'title', type: 'text' },
  { name: 'done', type: 'bool' },
  { name: 'priority', type: 'int4' },
  { name: 'price', type: 'numeric' },
  { name: 'tags', type: '_text' },
  { name: 'meta', type: 'jsonb' },
  { name: 'due', type: 'timestamptz' },
  { name: 'code', type: 'uuid' },
]

function change(type: ChangeType, row: Record<string, unknown>, table = 'todos', old?: Record<string, unknown>): RowChange {
  const base = { schema: 'public', table, type, commit_timestamp: '2024-01-01T00:00:00.000Z', columns: COLUMNS, errors: null }
  if (type === 'INSERT') return { ...base, record: row }
  if (type === 'UPDATE') return { ...base, record: row, old_record: old ?? { id: row.id } }
  return { ...base, old_record: row }
}

const ROW = {
  id: 7,
  title: 'Buy basil',
  done: false,
  priority: 3,
  price: 12.5,
  tags: ['kitchen', 'daily'],
  meta: { owner: 'chef', n: [1, 2] },
  due: '2024-05-01T10:00:00+00:00',
  code: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'.toLowerCase(),
}

function matcher(binding: Partial<PostgresBinding> & { filter?: string }) {
  const compiled = compileBinding({ event: '*', schema: 'public', table: 'todos', ...binding } as PostgresBinding)
  if (!compiled.ok) throw new Error(compiled.message)
  return compiled.matches
}

const insertMatches = (filter: string, row: Record<string, unknown> = ROW) => matcher({ filter })(change('INSERT', row))

describe('compileBinding: events, schema and table', () => {
  it('matches event types case-insensitively, `*` and unknown events meaning all', () => {
    const ins = change('INSERT', ROW)
    const upd = change('UPDATE', ROW)
    const del = change('DELETE', { id: 7 })
    expect([ins, upd, del].map(matcher({ event: 'insert' }))).toEqual([true, false, false])
    expect([ins, upd, del].map(matcher({ event: 'UPDATE' }))).toEqual([false, true, false])
    expect([ins, upd, del].map(matcher({ event: 'Delete' }))).toEqual([false, false, true])
    expect([ins, upd, del].map(matcher({ event: '*' }))).toEqual([true, true, true])
    expect([ins, upd, del].map(matcher({ event: 'truncate' }))).toEqual([true, true, true])
  })

  it('matches schema and table, absent or `*` table meaning every table of the schema', () => {
    expect(matcher({ table: 'todos' })(change('INSERT', ROW, 'orders'))).toBe(false)
    expect(matcher({ table: '*' })(change('INSERT', ROW, 'orders'))).toBe(true)
    expect(matcher({ table: undefined })(change('INSERT', ROW, 'orders'))).toBe(true)
    expect(matcher({ schema: 'other', table: undefined })(change('INSERT', ROW))).toBe(false)
    expect(matcher({ schema: '*', table: undefined })(change('INSERT', ROW))).toBe(true)
    const onlyTable = compileBinding({ event: '*', table: 'todos' } as unknown as PostgresBinding)
    expect(onlyTable.ok && onlyTable.binding).toMatchObject({ schema: 'public', table: 'todos' })
  })

  it('reports missing params with the real server wording', () => {
    const result = compileBinding({ event: '*' } as unknown as PostgresBinding)
    expect(result).toEqual({
      ok: false,
      message: 'No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: %{"event" => "*"}',
    })
    const withToken = compileBinding({ event: '*', user_token: 'x' } as unknown as PostgresBinding)
    expect(withToken.ok === false && withToken.message).toMatch(/: <redacted>$/)
  })
})

describe('compileBinding: operators', () => {
  it('eq / neq compare numbers numerically, text as strings, booleans as booleans', () => {
    expect(insertMatches('id=eq.7')).toBe(true)
    expect(insertMatches('id=eq.07')).toBe(true)
    expect(insertMatches('id=eq.8')).toBe(false)
    expect(insertMatches('price=eq.12.50')).toBe(true)
    expect(insertMatches('title=eq.Buy basil')).toBe(true)
    expect(insertMatches('title=eq.buy basil')).toBe(false)
    expect(insertMatches('done=eq.false')).toBe(true)
    expect(insertMatches('done=eq.f')).toBe(true)
    expect(insertMatches('done=eq.true')).toBe(false)
    expect(insertMatches('code=eq.A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(true)
    expect(insertMatches('id=neq.7')).toBe(false)
    expect(insertMatches('id=neq.8')).toBe(true)
    expect(insertMatches('title=neq.x')).toBe(true)
  })

  it('lt / lte / gt / gte on numbers (not lexicographic), text and timestamps', () => {
    expect(insertMatches('priority=lt.10')).toBe(true) // "3" < "10" is false as text
    expect(insertMatches('priority=lt.3')).toBe(false)
    expect(insertMatches('priority=lte.3')).toBe(true)
    expect(insertMatches('priority=gt.2')).toBe(true)
    expect(insertMatches('priority=gt.3')).toBe(false)
    expect(insertMatches('priority=gte.3')).toBe(true)
    expect(insertMatches('priority=gte.4')).toBe(false)
    expect(insertMatches('title=gt.A')).toBe(true)
    expect(insertMatches('title=lt.A')).toBe(false)
    expect(insertMatches('due=gt.2024-05-01')).toBe(true)
    expect(insertMatches('due=lt.2024-05-01T10:00:01Z')).toBe(true)
    expect(insertMatches('due=eq.2024-05-01 12:00:00+02')).toBe(true)
  })

  it('in needs parentheses and compares each item with the column type', () => {
    expect(insertMatches('id=in.(1,7,9)')).toBe(true)
    expect(insertMatches('id=in.(1,2)')).toBe(false)
    expect(insertMatches('title=in.("Buy basil",other)')).toBe(true)
    expect(insertMatches('title=in.("a,b",c)', { ...ROW, title: 'a,b' })).toBe(true)
    expect(insertMatches('done=in.(false)')).toBe(true)
    expect(compileBinding({ event: '*', schema: 'public', table: 't', filter: 'id=in.1,2' })).toEqual({
      ok: false,
      message: 'Error parsing `filter` params: `in` filter value must be wrapped by parentheses',
    })
  })

  it('like / ilike / match / imatch / is / isdistinct and the not. prefix', () => {
    expect(insertMatches('title=like.Buy%')).toBe(true)
    expect(insertMatches('title=like.buy%')).toBe(false)
    expect(insertMatches('title=ilike.buy%')).toBe(true)
    expect(insertMatches('title=like.Buy_basil')).toBe(true)
    expect(insertMatches('title=match.^Buy')).toBe(true)
    expect(insertMatches('title=imatch.^buy')).toBe(true)
    expect(insertMatches('done=is.false')).toBe(true)
    expect(insertMatches('done=is.true')).toBe(false)
    expect(insertMatches('priority=is.null')).toBe(false)
    expect(insertMatches('priority=is.null', { ...ROW, priority: null })).toBe(true)
    expect(insertMatches('priority=isdistinct.3')).toBe(false)
    expect(insertMatches('priority=isdistinct.4')).toBe(true)
    expect(insertMatches('priority=isdistinct.4', { ...ROW, priority: null })).toBe(true)
    expect(insertMatches('id=not.eq.7')).toBe(false)
    expect(insertMatches('id=not.in.(1,2)')).toBe(true)
    expect(insertMatches('priority=not.is.null')).toBe(true)
  })

  it('compares arrays and jsonb by value', () => {
    // A top-level comma splits filters (as on the real server): quote values that contain one.
    expect(insertMatches('tags=eq."{kitchen,daily}"')).toBe(true)
    expect(insertMatches('tags=eq."{daily,kitchen}"')).toBe(false)
    expect(insertMatches('tags=eq.{kitchen}', { ...ROW, tags: ['kitchen'] })).toBe(true)
    expect(insertMatches(String.raw`meta=eq."{\"n\":[1,2],\"owner\":\"chef\"}"`)).toBe(true)
    expect(insertMatches('meta=eq.{"owner":"cook"}')).toBe(false)
    expect(() => insertMatches('tags=eq.{kitchen,daily}')).toThrow('Error parsing `filter` params: ["daily}"]')
  })

  it('ANDs comma-separated filters and accepts quoted values', () => {
    expect(insertMatches('id=gt.0,id=lt.100')).toBe(true)
    expect(insertMatches('id=gt.0,id=lt.5')).toBe(false)
    expect(insertMatches('title=eq."Buy basil",priority=eq.3')).toBe(true)
    expect(insertMatches('title=eq."a,b"', { ...ROW, title: 'a,b' })).toBe(true)
  })

  it('accepts wal2json text values too', () => {
    const textRow = { ...ROW, id: '7', done: 'f', priority: '3', tags: '{kitchen,daily}' }
    expect(insertMatches('id=eq.7', textRow)).toBe(true)
    expect(insertMatches('done=eq.false', textRow)).toBe(true)
    expect(insertMatches('priority=lt.10', textRow)).toBe(true)
    expect(insertMatches('tags=eq."{kitchen,daily}"', textRow)).toBe(true)
  })
})

describe('compileBinding: nulls, deletes, updates', () => {
  it('lets NULL and absent values through every comparison, negated or not', () => {
    const row = { ...ROW, priority: null }
    for (const filter of ['priority=eq.1', 'priority=neq.1', 'priority=lt.1', 'priority=gt.1', 'priority=in.(1,2)', 'priority=not.eq.1']) {
      expect(insertMatches(filter, row), filter).toBe(true)
    }
  })

  it('filters DELETE on old_record: key columns match, non-key columns are absent and pass', () => {
    const del = change('DELETE', { id: 7 })
    expect(matcher({ filter: 'id=eq.7' })(del)).toBe(true)
    expect(matcher({ filter: 'id=eq.8' })(del)).toBe(false)
    expect(matcher({ filter: 'title=eq.nothing' })(del)).toBe(true)
    const fullDelete = change('DELETE', ROW)
    expect(matcher({ filter: 'title=eq.nothing' })(fullDelete)).toBe(false)
  })

  it('filters UPDATE on the new record', () => {
    const upd = change('UPDATE', { ...ROW, priority: 5 }, 'todos', { ...ROW })
    expect(matcher({ filter: 'priority=eq.5' })(upd)).toBe(true)
    expect(matcher({ filter: 'priority=eq.3' })(upd)).toBe(false)
  })

  it('does not match on a column the table does not have', () => {
    expect(insertMatches('nope=eq.1')).toBe(false)
  })
})

describe('compileBinding: malformed filters', () => {
  const message = (filter: string) => {
    const result = compileBinding({ event: '*', schema: 'public', table: 'todos', filter })
    return result.ok ? null : result.message
  }

  it('uses the real server wording', () => {
    expect(message('subject=foo.hey')).toBe('Error parsing `filter` params: ["foo", "hey"]')
    expect(message('undefined')).toBe('Error parsing `filter` params: ["undefined"]')
    expect(message('id=eq')).toBe('Error parsing `filter` params: ["eq"]')
    expect(message('id=eq.1,,id=eq.2')).toBe(
      'Error parsing `filter` params: filter must not contain empty segments (check for extra commas)',
    )
    expect(message('id=in.(1,2')).toBe('Error parsing `filter` params: `in` filter value must be wrapped by parentheses')
    expect(message('')).toBeNull()
    expect(message('   ')).toBeNull()
  })

  it('inspects like Elixir', () => {
    expect(inspect({ b: null, a: ['x', 1, true] })).toBe('%{"a" => ["x", 1, true], "b" => nil}')
  })
})
