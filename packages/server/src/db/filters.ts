import { asText, compareAs, parseArrayLiteral } from './pg-values.ts'
import { checkSelectTarget, parseSelect } from './select-columns.ts'
import type { PostgresBinding, RowChange } from './types.ts'

/**
 * `postgres_changes` bindings (realtime-protocol.md §4.1, §8.3), parsed the way the real server's
 * `parse_subscription_params` does, with its error sentences, and evaluated in process.
 *
 * Operators: eq, neq, lt, lte, gt, gte, in (documented), and like, ilike, is, match, imatch,
 * isdistinct, a `not.` prefix, comma-separated AND and double-quoted values (current server).
 * A filter on a NULL (or absent) value passes, and so does its negation; `is` and `isdistinct`
 * are null-aware. UPDATE and INSERT are filtered on `record`, DELETE on `old_record`.
 */

export const FILTER_OPERATORS = [
  'eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct',
] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

export interface ParsedFilter {
  column: string
  op: FilterOperator
  /** For `in`, the Postgres array literal `{a,b}` the server stores. */
  value: string
  negate: boolean
}

export interface ParsedBinding {
  /** `*`, `INSERT`, `UPDATE` or `DELETE`. */
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'
  schema: string
  /** `*` for every table of the schema. */
  table: string
  filters: ParsedFilter[]
  /** Columns to send besides the primary key; null = all. */
  select: string[] | null
}

export type CompiledBinding =
  | { ok: true; binding: ParsedBinding; matches(change: RowChange): boolean }
  | { ok: false; message: string }

/**
 * @example
 * const b = compileBinding({ event: 'INSERT', schema: 'public', table: 'todos', filter: 'priority=gte.2' })
 * if (b.ok && b.matches(change)) deliver(change)
 * compileBinding({ event: '*', schema: 'public', table: 't', filter: 'id=in.1,2' })
 * // → { ok: false, message: 'Error parsing `filter` params: `in` filter value must be wrapped by parentheses' }
 */
export function compileBinding(binding: PostgresBinding): CompiledBinding {
  const parsed = parseBinding(binding)
  if (!parsed.ok) return parsed
  const { binding: b } = parsed
  return { ok: true, binding: b, matches: (change) => matchesBinding(b, change) }
}

export function parseBinding(binding: PostgresBinding): { ok: true; binding: ParsedBinding } | { ok: false; message: string } {
  const params = binding as unknown as Record<string, unknown>
  const event = actionFilter(params.event)
  const has = (key: string) => params[key] !== undefined && params[key] !== null
  const str = (key: string) => typeof params[key] === 'string'
  const selected = parseSelect(params.select)
  if (!selected.ok) return selected
  const select = selected.select
  const make = (schema: string, table: string, filters: ParsedFilter[]) => {
    const refused = checkSelectTarget(schema, table, select)
    return refused ? { ok: false as const, message: refused } : { ok: true as const, binding: { event, schema, table, filters, select } }
  }

  if (str('schema') && str('table') && str('filter')) {
    const filters = parseFilters(params.filter as string)
    if (!filters.ok) return { ok: false, message: `Error parsing \`filter\` params: ${filters.reason}` }
    return make(params.schema as string, params.table as string, filters.filters)
  }
  if (str('schema') && str('table') && !has('filter')) return make(params.schema as string, params.table as string, [])
  if (str('schema') && !has('table') && !has('filter')) return make(params.schema as string, '*', [])
  if (str('table') && !has('schema') && !has('filter')) return make('public', params.table as string, [])
  const shown = has('user_token') || has('auth_token') ? '<redacted>' : inspect(withoutUndefined(params))
  return {
    ok: false,
    message: `No subscription params provided. Please provide at least a \`schema\` or \`table\` to subscribe to: ${shown}`,
  }
}

function actionFilter(event: unknown): ParsedBinding['event'] {
  if (typeof event !== 'string') return '*'
  const upper = event.toUpperCase()
  return upper === 'INSERT' || upper === 'UPDATE' || upper === 'DELETE' ? upper : '*'
}

type FiltersResult = { ok: true; filters: ParsedFilter[] } | { ok: false; reason: string }

export function parseFilters(filter: string): FiltersResult {
  const trimmed = filter.trim()
  if (trimmed === '') return { ok: true, filters: [] }
  const filters: ParsedFilter[] = []
  for (const segment of splitTopLevel(trimmed)) {
    const result = parseSegment(segment)
    if (!result.ok) return result
    filters.push(result.filter)
  }
  return { ok: true, filters }
}

/** Splits on commas outside parentheses and outside quotes (a quote opens only after `.`, `(` or `,`). */
function splitTopLevel(filter: string): string[] {
  const segments: string[] = []
  let current = ''
  let depth = 0
  let quoted = false
  let prev = ''
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i]
    if (quoted) {
      if (ch === '\\' && i + 1 < filter.length) {
        current += ch + filter[i + 1]
        prev = filter[++i]
        continue
      }
      if (ch === '"') quoted = false
      current += ch
    } else if (ch === '"' && (prev === '.' || prev === '(' || prev === ',')) {
      quoted = true
      current += ch
    } else if (ch === '(') {
      depth++
      current += ch
    } else if (ch === ')') {
      depth = Math.max(0, depth - 1)
      current += ch
    } else if (ch === ',' && depth === 0) {
      segments.push(current)
      current = ''
      prev = ''
      continue
    } else {
      current += ch
    }
    prev = ch
  }
  segments.push(current)
  return segments
}

function parseSegment(segment: string): { ok: true; filter: ParsedFilter } | { ok: false; reason: string } {
  const trimmed = segment.trim()
  if (trimmed === '') return { ok: false, reason: 'filter must not contain empty segments (check for extra commas)' }
  const eq = trimmed.indexOf('=')
  if (eq < 0) return { ok: false, reason: inspect([trimmed]) }
  const column = trimmed.slice(0, eq)
  let rest = trimmed.slice(eq + 1)
  const negate = rest.startsWith('not.')
  if (negate) rest = rest.slice(4)
  const dot = rest.indexOf('.')
  if (dot < 0) return { ok: false, reason: inspect([rest]) }
  const op = rest.slice(0, dot)
  const raw = rest.slice(dot + 1)
  if (!(FILTER_OPERATORS as readonly string[]).includes(op)) return { ok: false, reason: inspect([op, raw]) }
  if (op === 'in') {
    if (raw.length >= 2 && raw.startsWith('(') && raw.endsWith(')')) {
      return { ok: true, filter: { column, op, value: `{${raw.slice(1, -1)}}`, negate } }
    }
    return { ok: false, reason: '`in` filter value must be wrapped by parentheses' }
  }
  return { ok: true, filter: { column, op: op as FilterOperator, value: unquote(raw), negate } }
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value
  let out = ''
  for (let i = 1; i < value.length; i++) {
    const ch = value[i]
    if (ch === '\\' && i + 1 < value.length) {
      out += value[++i]
    } else if (ch === '"') {
      return i === value.length - 1 ? out : value
    } else {
      out += ch
    }
  }
  return value
}

function matchesBinding(binding: ParsedBinding, change: RowChange): boolean {
  if (binding.schema !== '*' && binding.schema !== change.schema) return false
  if (binding.table !== '*' && binding.table !== change.table) return false
  if (binding.event !== '*' && binding.event !== change.type) return false
  const row = change.type === 'DELETE' ? change.old_record : change.record
  return binding.filters.every((filter) => passes(filter, change, row))
}

/** Three-valued: a NULL comparison (null or absent value) lets the change through. */
function passes(filter: ParsedFilter, change: RowChange, row: Record<string, unknown> | undefined): boolean {
  const column = change.columns.find((c) => c.name === filter.column)
  if (!column) return change.errors !== null // unknown column: the real server refuses the subscription
  const value = row?.[filter.column]
  const result = evaluate(filter, column.type, value === undefined ? null : value)
  if (result === null) return true
  return filter.negate ? !result : result
}

function evaluate(filter: ParsedFilter, type: string, value: unknown): boolean | null {
  const { op } = filter
  if (op === 'is') return isOp(filter.value, value)
  if (op === 'isdistinct') {
    if (filter.value.toLowerCase() === 'null') return value !== null
    if (value === null) return true
    return compareAs(type, value, filter.value) !== 0
  }
  if (value === null) return null
  switch (op) {
    case 'eq':
      return compareAs(type, value, filter.value) === 0
    case 'neq': {
      const order = compareAs(type, value, filter.value)
      return order !== null && order !== 0
    }
    case 'lt':
      return (compareAs(type, value, filter.value) ?? 0) < 0
    case 'lte':
      return (compareAs(type, value, filter.value) ?? 1) <= 0
    case 'gt':
      return (compareAs(type, value, filter.value) ?? 0) > 0
    case 'gte':
      return (compareAs(type, value, filter.value) ?? -1) >= 0
    case 'in':
      return inOp(type, value, filter.value)
    case 'like':
    case 'ilike':
      return likeToRegExp(filter.value, op === 'ilike').test(asText(value))
    case 'match':
    case 'imatch':
      return safeRegExp(filter.value, op === 'imatch')?.test(asText(value)) ?? false
  }
}

function isOp(word: string, value: unknown): boolean | null {
  switch (word.toLowerCase()) {
    case 'null':
    case 'unknown':
      return value === null
    case 'true':
      return value === null ? false : value === true || value === 't'
    case 'false':
      return value === null ? false : value === false || value === 'f'
    default:
      return false
  }
}

function inOp(type: string, value: unknown, literal: string): boolean | null {
  const items = parseArrayLiteral(literal)
  if (!items) return false
  let sawNull = false
  for (const item of items) {
    if (item === null) sawNull = true
    else if (compareAs(type, value, item) === 0) return true
  }
  return sawNull ? null : false
}

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i])
    else if (ch === '%') source += '[\\s\\S]*'
    else if (ch === '_') source += '[\\s\\S]'
    else source += escapeRegExp(ch)
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

function safeRegExp(source: string, caseInsensitive: boolean): RegExp | null {
  try {
    return new RegExp(source, caseInsensitive ? 'i' : '')
  } catch {
    return null
  }
}

function withoutUndefined(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined))
}

/** Elixir's `inspect/1` for the JSON-ish values a join payload carries (maps print sorted by key). */
export function inspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(inspect).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `%{${entries.map(([k, v]) => `${JSON.stringify(k)} => ${inspect(v)}`).join(', ')}}`
  }
  return String(value)
}
