/** PostgREST-shaped errors: `{ code, details, hint, message }` with PostgREST's HTTP statuses. */

export interface RestErrorBody {
  code: string
  details: string | null
  hint: string | null
  message: string
}

export class RestError extends Error {
  readonly status: number
  readonly body: RestErrorBody

  constructor(status: number, code: string, message: string, details: string | null = null, hint: string | null = null) {
    super(message)
    this.status = status
    this.body = { code, details, hint, message }
  }
}

/** PostgREST's table for SQLSTATEs (https://postgrest.org/en/stable/references/errors.html). */
const STATUS_BY_SQLSTATE: Record<string, number> = {
  '23503': 409, // foreign_key_violation
  '23505': 409, // unique_violation
  '25006': 405, // read_only_sql_transaction
  '42501': 403, // insufficient_privilege (401 for anon on PostgREST)
  '42P01': 404, // undefined_table
  '42883': 404, // undefined_function
  '53400': 500,
  '54000': 500,
  P0001: 400,
}

function statusForSqlState(code: string): number {
  if (STATUS_BY_SQLSTATE[code]) return STATUS_BY_SQLSTATE[code]
  const klass = code.slice(0, 2)
  if (klass === '08' || klass === '53' || klass === '54' || klass === '55' || klass === '57' || klass === '58') return 503
  if (klass === '09' || klass === '0L' || klass === '0P' || klass === '28') return 403
  if (klass === '22' || klass === '23' || klass === '2F' || klass === '21' || klass === '42') return 400
  if (klass === 'XX' || klass === 'F0' || klass === 'HV' || klass === 'P0') return 500
  return 400
}

/** Turns a Postgres error from PGlite into a PostgREST error response. */
export function fromDatabaseError(error: unknown): RestError {
  if (error instanceof RestError) return error
  const pg = error as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown }
  if (typeof pg?.code !== 'string') {
    return new RestError(500, 'PGRST000', error instanceof Error ? error.message : String(error))
  }
  const message = String(pg.message ?? '')
  const singleRow = /^PGRST116:(\d+)$/.exec(message)
  if (singleRow) return singleObjectError(Number(singleRow[1]))
  return new RestError(
    statusForSqlState(pg.code),
    pg.code,
    message,
    typeof pg.detail === 'string' ? pg.detail : null,
    typeof pg.hint === 'string' ? pg.hint : null,
  )
}

/** `.single()` on anything but one row (postgrest-js's `maybeSingle` looks for "0 rows"). */
export function singleObjectError(rows: number): RestError {
  return new RestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${rows} rows`)
}

export const badRequest = (message: string, details: string | null = null, hint: string | null = null) =>
  new RestError(400, 'PGRST100', message, details, hint)
