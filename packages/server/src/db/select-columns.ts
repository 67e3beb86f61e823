/**
 * The `select` column list of a `postgres_changes` binding (realtime-js 2.119), read the way the
 * real server's `parse_select` does: a list keeps its strings (none → every column), a string is an
 * error, and a list is refused for wildcard schemas or tables.
 */

export type SelectResult = { ok: true; select: string[] | null } | { ok: false; message: string }

export const SELECT_NOT_A_LIST = 'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]'
export const SELECT_ON_WILDCARD = 'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.'

/**
 * @example
 * parseSelect(['id', 'title']) // → { ok: true, select: ['id', 'title'] }
 * parseSelect('id,title')      // → { ok: false, message: SELECT_NOT_A_LIST }
 */
export function parseSelect(value: unknown): SelectResult {
  if (typeof value === 'string') return { ok: false, message: SELECT_NOT_A_LIST }
  if (!Array.isArray(value)) return { ok: true, select: null }
  const columns = value.filter((c): c is string => typeof c === 'string')
  return { ok: true, select: columns.length > 0 ? columns : null }
}

/** `select` with `schema: '*'` or `table: '*'` is refused. */
export function checkSelectTarget(schema: string, table: string, select: string[] | null): string | null {
  return select !== null && (schema === '*' || table === '*') ? SELECT_ON_WILDCARD : null
}
