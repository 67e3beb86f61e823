import type { ParsedBinding, ParsedFilter } from './filters.ts'
import type { LocalDatabase } from './types.ts'

/**
 * The database half of subscribing a `postgres_changes` binding, as the real server's insert into
 * `realtime.subscription` does it (realtime-protocol.md §5): the schema/table pattern must match a
 * table of `supabase_realtime`, the subscriber's role must exist, and every filter and `select`
 * column must name a column that role may SELECT, filter values castable to its type. Failures
 * carry the real server's sentences, to send as a `system` error.
 *
 * @example
 * const compiled = compileBinding(binding)
 * if (compiled.ok) {
 *   const checked = await checkSubscription(db, compiled.binding, claims.role)
 *   if (!checked.ok) sendSystemError(checked.message)
 * }
 */
export async function checkSubscription(
  db: LocalDatabase,
  binding: ParsedBinding,
  role: string,
): Promise<{ ok: true; tables: { schema: string; table: string }[] } | { ok: false; message: string }> {
  const { rows: tables } = await db.query<{ schema: string; table: string }>(
    `select schemaname::text as schema, tablename::text as table from pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname <> 'realtime_local'
        and schemaname like (case $1 when '*' then '%' else $1 end) escape ''
        and tablename like (case $2 when '*' then '%' else $2 end) escape ''`,
    [binding.schema, binding.table],
  )
  if (tables.length === 0) {
    return {
      ok: false,
      message: `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [${describe(binding)}]`,
    }
  }
  for (const { schema, table } of tables) {
    const problems = [
      () => checkRole(db, role),
      ...binding.filters.map((filter) => () => checkFilter(db, schema, table, filter, role)),
      ...(binding.select ?? []).map((column) => () => checkSelectColumn(db, schema, table, column, role)),
    ]
    for (const check of problems) {
      const problem = await check()
      if (problem) {
        return {
          ok: false,
          message: `Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [${describe(binding)}]. Exception: ${problem}`,
        }
      }
    }
  }
  return { ok: true, tables }
}

/** The real server stores the subscriber's role as a `regrole`: an unknown role fails the insert. */
async function checkRole(db: LocalDatabase, role: string): Promise<string | null> {
  const { rows } = await db.query<{ ok: boolean }>('select to_regrole($1::text) is not null as ok', [role])
  return rows[0]?.ok === false ? `ERROR 42704 (undefined_object) role ${JSON.stringify(role)} does not exist` : null
}

/** Columns of a table the role may SELECT: `pg_attribute` rows with the privilege check. */
const SELECTABLE_COLUMN = `from pg_attribute a
      where a.attrelid = format('%I.%I', $1::text, $2::text)::regclass and a.attname = $3
        and a.attnum > 0 and not a.attisdropped and has_column_privilege($4::text, a.attrelid, a.attname, 'SELECT')`

async function checkSelectColumn(db: LocalDatabase, schema: string, table: string, column: string, role: string): Promise<string | null> {
  const { rows } = await db.query(`select 1 ${SELECTABLE_COLUMN}`, [schema, table, column, role])
  return rows.length === 0 ? `ERROR P0001 (raise_exception) invalid column for select ${column}` : null
}

async function checkFilter(db: LocalDatabase, schema: string, table: string, filter: ParsedFilter, role: string): Promise<string | null> {
  const { rows } = await db.query<{ type: string }>(`select format_type(a.atttypid, null) as type ${SELECTABLE_COLUMN}`, [
    schema,
    table,
    filter.column,
    role,
  ])
  if (rows.length === 0) return `ERROR P0001 (raise_exception) invalid column for filter ${filter.column}`
  if (filter.op === 'is' || filter.op === 'like' || filter.op === 'ilike' || filter.op === 'match' || filter.op === 'imatch') {
    return null
  }
  // The type name comes from the catalog; the value is a parameter.
  const type = filter.op === 'in' ? `${rows[0].type}[]` : rows[0].type
  try {
    await db.query(`select $1::text::${type}`, [filter.value])
    if (filter.op === 'in') {
      const { rows: count } = await db.query<{ n: number }>(`select coalesce(cardinality($1::text::${type}), 0)::int as n`, [filter.value])
      if (count[0].n > 100) return 'ERROR P0001 (raise_exception) too many values for `in` filter. Maximum 100'
    }
    return null
  } catch (error) {
    const pg = error as { code?: string; message?: string }
    return `ERROR ${pg.code ?? 'XX000'} ${pg.message ?? String(error)}`
  }
}

/** `event: *, schema: public, table: todos, filters: [{"id", "eq", "1", false}], select: nil`. */
function describe(binding: ParsedBinding): string {
  const filters = binding.filters
    .map((f) => `{${JSON.stringify(f.column)}, ${JSON.stringify(f.op)}, ${JSON.stringify(f.value)}, ${f.negate}}`)
    .join(', ')
  const select = binding.select ? `[${binding.select.map((c) => JSON.stringify(c)).join(', ')}]` : 'nil'
  return `event: ${binding.event}, schema: ${binding.schema}, table: ${binding.table}, filters: [${filters}], select: ${select}`
}
