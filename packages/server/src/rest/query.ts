import type { LocalDatabase } from '../db/types.ts'
import { badRequest, RestError } from './errors.ts'

/**
 * Parsing of PostgREST query strings into parameterised SQL. Identifiers come only from the
 * catalog (every name in the request is checked against the table's columns, then quoted); every
 * value is a `$n` parameter cast from text to the column's type, as PostgREST sends literals.
 */

export interface TableInfo {
  schema: string
  name: string
  columns: { name: string; type: string }[]
  primaryKey: string[]
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`

export async function loadTable(db: LocalDatabase, schema: string, name: string): Promise<TableInfo | null> {
  const { rows } = await db.query<{ columns: TableInfo['columns'] | null; pk: string[] | null }>(
    `select
       (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, null)) order by a.attnum)
          from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
       (select array_agg(a.attname::text order by a.attnum)
          from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
         where i.indrelid = c.oid and i.indisprimary) as pk
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p', 'v', 'm', 'f')`,
    [schema, name],
  )
  const row = rows[0]
  if (!row) return null
  return { schema, name, columns: row.columns ?? [], primaryKey: row.pk ?? [] }
}

export const tableRef = (t: TableInfo) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`

/** Collects `$n` parameters for one statement. */
export class Params {
  readonly values: unknown[] = []
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

export function columnOf(table: TableInfo, name: string) {
  const column = table.columns.find((c) => c.name === name)
  if (!column) {
    throw new RestError(400, '42703', `column ${table.name}.${name} does not exist`)
  }
  return column
}

/** `select=*`, `select=id,name`, `select=label:name`, `select=total::text`. */
export function selectList(table: TableInfo, select: string | null): string {
  const raw = select === null || select.trim() === '' ? '*' : select
  const items = splitTopLevel(raw)
  return items
    .map((item) => {
      const text = item.trim()
      if (text === '*') return '*'
      if (text.includes('(')) {
        throw badRequest('Embedded resources are not supported by the local server', `select item: ${text}`)
      }
      const match = /^(?:([^:]+):(?!:))?([^:]+?)(?:::([A-Za-z_][A-Za-z0-9_]*(?:\[\])?))?$/.exec(text)
      if (!match) throw badRequest(`"failed to parse select parameter (${raw})"`)
      const [, alias, name, cast] = match
      if (name.includes('->')) throw badRequest('JSON paths in select are not supported by the local server')
      columnOf(table, name)
      const expr = cast ? `${quoteIdent(name)}::${cast}` : quoteIdent(name)
      return alias || cast ? `${expr} as ${quoteIdent(alias ?? name)}` : expr
    })
    .join(', ')
}

const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict', 'apikey'])

/** Every `col=op.value` (and `or=(…)`, `and=(…)`) of the query string, ANDed. */
export function whereClause(table: TableInfo, query: URLSearchParams, params: Params): string {
  const conditions: string[] = []
  for (const [key, value] of query) {
    if (RESERVED.has(key)) continue
    if (key === 'or' || key === 'and' || key === 'not.or' || key === 'not.and') {
      conditions.push(logicCondition(table, key, value, params))
    } else {
      conditions.push(condition(table, key, value, params))
    }
  }
  return conditions.length ? `where ${conditions.join(' and ')}` : ''
}

const COMPARISONS: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }
const ARRAY_OPS: Record<string, string> = { cs: '@>', cd: '<@', ov: '&&' }
const IS_VALUES: Record<string, string> = { null: 'null', not_null: 'not null', true: 'true', false: 'false', unknown: 'unknown' }

function condition(table: TableInfo, name: string, spec: string, params: Params): string {
  const column = columnOf(table, name)
  let rest = spec
  const negate = rest.startsWith('not.')
  if (negate) rest = rest.slice(4)
  const dot = rest.indexOf('.')
  const op = dot < 0 ? rest : rest.slice(0, dot)
  const value = dot < 0 ? '' : rest.slice(dot + 1)
  const col = quoteIdent(column.name)
  const typed = (v: string) => `${params.add(v)}::text::${column.type}`
  let sql: string
  if (op in COMPARISONS) sql = `${col} ${COMPARISONS[op]} ${typed(value)}`
  else if (op in ARRAY_OPS) sql = `${col} ${ARRAY_OPS[op]} ${typed(value)}`
  else if (op === 'like' || op === 'ilike') sql = `${col}::text ${op} ${params.add(value.replaceAll('*', '%'))}::text`
  else if (op === 'match' || op === 'imatch') sql = `${col}::text ${op === 'match' ? '~' : '~*'} ${params.add(value)}::text`
  else if (op === 'isdistinct') sql = `${col} is distinct from ${typed(value)}`
  else if (op === 'is') {
    const word = IS_VALUES[value.toLowerCase()]
    if (!word) throw badRequest(`"failed to parse filter (${spec})"`, `unexpected "${value}"`, 'expecting null, not_null, true, false or unknown')
    sql = `${col} is ${word}`
  } else if (op === 'in') {
    if (!value.startsWith('(') || !value.endsWith(')')) {
      throw badRequest(`"failed to parse filter (${spec})"`, 'unexpected end of input', 'expecting "("')
    }
    const items = splitList(value.slice(1, -1))
    sql = items.length ? `${col} in (${items.map(typed).join(', ')})` : 'false'
  } else {
    throw badRequest(`"failed to parse filter (${spec})"`, `unknown operator "${op}"`)
  }
  return negate ? `not (${sql})` : sql
}

/** `or=(status.eq.new,total.gt.10,and(a.eq.1,b.eq.2))`. */
function logicCondition(table: TableInfo, key: string, value: string, params: Params): string {
  const negate = key.startsWith('not.')
  const joiner = key.endsWith('or') ? ' or ' : ' and '
  if (!value.startsWith('(') || !value.endsWith(')')) throw badRequest(`"failed to parse logic tree (${value})"`)
  const parts = splitTopLevel(value.slice(1, -1)).map((part) => {
    const nested = /^(not\.)?(or|and)(\(.*\))$/.exec(part)
    if (nested) return logicCondition(table, `${nested[1] ?? ''}${nested[2]}`, nested[3], params)
    const dot = part.indexOf('.')
    if (dot < 0) throw badRequest(`"failed to parse logic tree (${value})"`)
    return condition(table, part.slice(0, dot), part.slice(dot + 1), params)
  })
  const sql = `(${parts.join(joiner)})`
  return negate ? `not ${sql}` : sql
}

/** `order=id.desc,name.asc.nullsfirst`. */
export function orderClause(table: TableInfo, order: string | null): string {
  if (!order) return ''
  const terms = order.split(',').map((term) => {
    const [name, ...mods] = term.split('.')
    const parts = [quoteIdent(columnOf(table, name).name)]
    for (const mod of mods) {
      if (mod === 'asc' || mod === 'desc') parts.push(mod)
      else if (mod === 'nullsfirst') parts.push('nulls first')
      else if (mod === 'nullslast') parts.push('nulls last')
      else throw badRequest(`"failed to parse order (${order})"`, `unexpected "${mod}"`)
    }
    return parts.join(' ')
  })
  return `order by ${terms.join(', ')}`
}

export function nonNegativeInt(name: string, value: string | null): number | null {
  if (value === null || value === '') return null
  if (!/^\d+$/.test(value)) throw badRequest(`"failed to parse ${name} parameter (${value})"`)
  return Number(value)
}

/** Splits on commas outside parentheses and double quotes. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let quoted = false
  let current = ''
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '\\' && quoted) {
      current += ch + (text[++i] ?? '')
      continue
    }
    if (ch === '"') quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')') depth--
    else if (!quoted && depth === 0 && ch === ',') {
      out.push(current)
      current = ''
      continue
    }
    current += ch
  }
  if (current !== '' || out.length) out.push(current)
  return out
}

/** Items of `in.(a,"b,c")`, unquoted. */
function splitList(text: string): string[] {
  return splitTopLevel(text).map((item) => {
    const trimmed = item.trim()
    if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
      return trimmed.slice(1, -1).replace(/\\(.)/g, '$1')
    }
    return trimmed
  })
}
