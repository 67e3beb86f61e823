import { describe, expect, it } from 'vitest'
import { RestError } from '../../../src/rest/errors.ts'
import { nonNegativeInt, orderClause, Params, quoteIdent, selectList, splitTopLevel, whereClause, type TableInfo } from '../../../src/rest/query.ts'

const table: TableInfo = {
  schema: 'public',
  name: 'orders',
  columns: [{ name: 'id', type: 'bigint' }, { name: 'status', type: 'text' }, { name: 'tags', type: 'text[]' }],
  primaryKey: ['id'],
}

const where = (query: string) => {
  const params = new Params()
  return { sql: whereClause(table, new URLSearchParams(query), params), values: params.values }
}

describe('PostgREST query strings → SQL', () => {
  it('quotes identifiers and turns every filter value into a typed parameter', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"')
    expect(where('id=gte.2&status=not.eq.new&select=id&limit=3')).toEqual({
      sql: 'where "id" >= $1::text::bigint and not ("status" = $2::text::text)',
      values: ['2', 'new'],
    })
    expect(where('status=in.(a,"b,c")&tags=cs.{x}')).toEqual({
      sql: 'where "status" in ($1::text::text, $2::text::text) and "tags" @> $3::text::text[]',
      values: ['a', 'b,c', '{x}'],
    })
    expect(where('status=like.*new*&id=is.null')).toEqual({ sql: `where "status"::text like $1::text and "id" is null`, values: ['%new%'] })
    expect(where('id=in.()').sql).toBe('where false')
  })

  it('reads nested or/and trees', () => {
    expect(where('or=(status.eq.new,and(id.gt.1,id.lt.5))')).toEqual({
      sql: 'where ("status" = $1::text::text or ("id" > $2::text::bigint and "id" < $3::text::bigint))',
      values: ['new', '1', '5'],
    })
  })

  it('refuses unknown columns, operators and malformed values with PostgREST errors', () => {
    const error = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return e instanceof RestError ? [e.status, e.body.code] : e
      }
      return null
    }
    expect(error(() => where('nope=eq.1'))).toEqual([400, '42703'])
    expect(error(() => where('id=near.1'))).toEqual([400, 'PGRST100'])
    expect(error(() => where('id=in.1,2'))).toEqual([400, 'PGRST100'])
    expect(error(() => where('id=is.maybe'))).toEqual([400, 'PGRST100'])
    expect(error(() => selectList(table, 'id,items(*)'))).toEqual([400, 'PGRST100'])
    expect(error(() => orderClause(table, 'id.sideways'))).toEqual([400, 'PGRST100'])
    expect(error(() => nonNegativeInt('limit', '-1'))).toEqual([400, 'PGRST100'])
  })

  it('builds select lists with aliases and casts, and order clauses', () => {
    expect(selectList(table, null)).toBe('*')
    expect(selectList(table, 'id,state:status,id::text')).toBe('"id", "status" as "state", "id"::text as "id"')
    expect(orderClause(table, 'id.desc,status.asc.nullsfirst')).toBe('order by "id" desc, "status" asc nulls first')
    expect(orderClause(table, null)).toBe('')
    expect(nonNegativeInt('limit', '10')).toBe(10)
    expect(nonNegativeInt('limit', null)).toBeNull()
  })

  it('splits on commas outside parentheses and quotes', () => {
    expect(splitTopLevel('a,b(c,d),"e,f",g')).toEqual(['a', 'b(c,d)', '"e,f"', 'g'])
    expect(splitTopLevel('')).toEqual([])
  })
})
