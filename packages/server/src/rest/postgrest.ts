import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JwtVerifier } from '../auth.ts'
import type { LocalDatabase } from '../db/types.ts'
import { applyCors, bearer, headerValue } from '../http.ts'
import { fromDatabaseError, RestError, singleObjectError } from './errors.ts'
import {
  columnOf, loadTable, nonNegativeInt, orderClause, Params, quoteIdent, selectList, tableRef, whereClause,
  type TableInfo,
} from './query.ts'
import { readRestJson, requestOptions, sendRestJson, type RequestOptions } from './request.ts'

/**
 * A small PostgREST-compatible subset at `/rest/v1/<table>`, enough for `@supabase/supabase-js`'s
 * `from(t).select/insert/upsert/update/delete`, filters (eq, neq, lt, lte, gt, gte, like, ilike,
 * match, imatch, in, is, isdistinct, cs, cd, ov, `not.`, `or=(…)`), `order`, `limit`, `offset`,
 * `.single()`, `count: 'exact'`, `Prefer: return=representation`, and CORS for browser demos.
 *
 * Every request needs a valid JWT (`apikey` header or query, or `Authorization: Bearer`); the role
 * is not applied: **no row level security and no grants are enforced** (local development only).
 * No embedded resources, RPC, JSON paths in select, or `PUT`.
 */
export interface RestContext {
  db: LocalDatabase
  verifier: JwtVerifier
}

/**
 * @example
 * const rest = createRestHandler({ db, verifier: createJwtVerifier() })
 * http.createServer(async (req, res) => {
 *   if (!(await rest(req, res))) res.writeHead(404).end()
 * })
 */
export function createRestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/rest/v1' && !url.pathname.startsWith('/rest/v1/')) return false
    applyCors(res)
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Content-Length': '0' }).end()
      return true
    }
    try {
      await authorize(ctx.verifier, req, url)
      await route(ctx.db, req, res, url)
    } catch (error) {
      const rest = fromDatabaseError(error)
      if (rest.status >= 500) console.error('[realtime-local] REST error', error)
      sendRestJson(res, rest.status, JSON.stringify(rest.body))
    }
    return true
  }
}


async function authorize(verifier: JwtVerifier, req: IncomingMessage, url: URL): Promise<void> {
  const apikey = headerValue(req, 'apikey') ?? url.searchParams.get('apikey')
  const token = bearer(req)
  if (!apikey && !token) {
    throw new RestError(401, 'PGRST302', 'No API key found in request', null, 'No `apikey` request header or url param was found.')
  }
  for (const candidate of [apikey, token]) {
    if (!candidate) continue
    const result = await verifier.verify(candidate)
    if (!result.ok) {
      if (result.error.kind === 'expired') throw new RestError(401, 'PGRST303', 'JWT expired')
      throw new RestError(401, 'PGRST301', result.error.message)
    }
  }
}

async function route(db: LocalDatabase, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const segments = url.pathname.slice('/rest/v1'.length).split('/').filter(Boolean).map(decodeURIComponent)
  const method = req.method ?? 'GET'
  const read = method === 'GET' || method === 'HEAD'
  const schema = headerValue(req, read ? 'accept-profile' : 'content-profile') ?? 'public'
  await checkSchema(db, schema)
  if (segments.length === 0) {
    if (!read) throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`)
    return sendRestJson(res, 200, await openApi(db, schema), method === 'HEAD')
  }
  if (segments[0] === 'rpc') {
    throw new RestError(404, 'PGRST202', `Could not find the function ${schema}.${segments[1] ?? ''} in the schema cache`, null, 'RPC is not supported by the local server')
  }
  if (segments.length > 1) throw new RestError(404, 'PGRST125', `Invalid path specified in request URL`)
  const table = await loadTable(db, schema, segments[0])
  if (!table) {
    throw new RestError(404, 'PGRST205', `Could not find the table '${schema}.${segments[0]}' in the schema cache`)
  }
  const options = requestOptions(req)
  switch (method) {
    case 'GET':
    case 'HEAD':
      return readRows(db, res, table, url.searchParams, options, method === 'HEAD', headerValue(req, 'range'))
    case 'POST':
      return insertRows(db, res, table, url.searchParams, options, await readRestJson(req))
    case 'PATCH':
      return updateRows(db, res, table, url.searchParams, options, await readRestJson(req))
    case 'DELETE':
      return deleteRows(db, res, table, url.searchParams, options)
    default:
      throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`)
  }
}

async function readRows(
  db: LocalDatabase, res: ServerResponse, table: TableInfo, query: URLSearchParams, options: RequestOptions,
  head: boolean, range: string | undefined,
): Promise<void> {
  const params = new Params()
  const where = whereClause(table, query, params)
  const rangeMatch = range ? /^(\d+)-(\d*)$/.exec(range.replace(/^items=/, '')) : null
  const offset = nonNegativeInt('offset', query.get('offset')) ?? (rangeMatch ? Number(rangeMatch[1]) : 0)
  let limit = nonNegativeInt('limit', query.get('limit'))
  if (limit === null && rangeMatch?.[2]) limit = Number(rangeMatch[2]) - Number(rangeMatch[1]) + 1
  const inner = [
    `select ${selectList(table, query.get('select'))} from ${tableRef(table)}`,
    where,
    orderClause(table, query.get('order')),
    limit === null ? '' : `limit ${limit}`,
    offset ? `offset ${offset}` : '',
  ].filter(Boolean).join(' ')
  const total = options.count ? `, (select count(*) from ${tableRef(table)} ${where})::int8 as total` : ''
  const { rows } = await db.query<{ body: string; n: number; total?: number }>(
    `select ${aggregate(options)} as body, count(*)::int as n${total} from (${inner}) _r`,
    params.values,
  )
  const { body, n } = rows[0]
  const count = options.count ? Number(rows[0].total) : null
  res.setHeader('Content-Range', `${n ? `${offset}-${offset + n - 1}` : '*'}/${count ?? '*'}`)
  if (options.single && n !== 1) throw singleObjectError(n)
  sendRestJson(res, 200, options.single ? firstElement(body) : body, head, options.single)
}

async function insertRows(
  db: LocalDatabase, res: ServerResponse, table: TableInfo, query: URLSearchParams, options: RequestOptions, body: unknown,
): Promise<void> {
  const rows = (Array.isArray(body) ? body : [body]) as unknown[]
  if (rows.some((row) => typeof row !== 'object' || row === null || Array.isArray(row))) {
    throw new RestError(400, 'PGRST102', 'All object keys must match', 'Every element of the body must be a JSON object')
  }
  const objects = rows as Record<string, unknown>[]
  const listed = query.get('columns')
  const names = listed
    ? listed.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1'))
    : [...new Set(objects.flatMap((row) => Object.keys(row)))]
  for (const name of names) {
    if (!table.columns.some((c) => c.name === name)) {
      throw new RestError(400, 'PGRST204', `Could not find the '${name}' column of '${table.name}' in the schema cache`)
    }
  }
  const params = new Params()
  let sql: string
  if (objects.length === 0) {
    return sendMutation(db, res, table, query, options, 201, `select * from ${tableRef(table)} where false`, params)
  } else if (names.length === 0) {
    sql = `insert into ${tableRef(table)} select from generate_series(1, ${objects.length})`
  } else {
    const values = objects.map((row) => {
      const ref = `(json_populate_record(null::${tableRef(table)}, ${params.add(JSON.stringify(row))}::json))`
      return `(${names.map((name) => (name in row ? `${ref}.${quoteIdent(name)}` : options.missingDefault ? 'default' : 'null')).join(', ')})`
    })
    sql = `insert into ${tableRef(table)} (${names.map(quoteIdent).join(', ')}) values ${values.join(', ')}`
    if (options.resolution) sql += onConflict(table, query, options.resolution, names)
  }
  return sendMutation(db, res, table, query, options, 201, `${sql} returning *`, params)
}

function onConflict(table: TableInfo, query: URLSearchParams, resolution: 'merge' | 'ignore', names: string[]): string {
  const target = query.get('on_conflict')?.split(',').map((name) => columnOf(table, name.trim()).name) ?? table.primaryKey
  if (target.length === 0) {
    throw new RestError(400, '42P10', 'there is no unique or exclusion constraint matching the ON CONFLICT specification')
  }
  const conflict = ` on conflict (${target.map(quoteIdent).join(', ')})`
  if (resolution === 'ignore') return `${conflict} do nothing`
  const sets = names.map((name) => `${quoteIdent(name)} = excluded.${quoteIdent(name)}`)
  return sets.length ? `${conflict} do update set ${sets.join(', ')}` : `${conflict} do nothing`
}

async function updateRows(
  db: LocalDatabase, res: ServerResponse, table: TableInfo, query: URLSearchParams, options: RequestOptions, body: unknown,
): Promise<void> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RestError(400, 'PGRST102', 'Empty or invalid json')
  }
  const params = new Params()
  const ref = `(json_populate_record(null::${tableRef(table)}, ${params.add(JSON.stringify(body))}::json))`
  const sets = Object.keys(body).map((name) => `${quoteIdent(columnOf(table, name).name)} = ${ref}.${quoteIdent(name)}`)
  const where = requireWhere('UPDATE', whereClause(table, query, params))
  const sql = sets.length
    ? `update ${tableRef(table)} set ${sets.join(', ')} ${where} returning *`
    : `select * from ${tableRef(table)} where false`
  return sendMutation(db, res, table, query, options, 200, sql, params)
}

async function deleteRows(
  db: LocalDatabase, res: ServerResponse, table: TableInfo, query: URLSearchParams, options: RequestOptions,
): Promise<void> {
  const params = new Params()
  const where = requireWhere('DELETE', whereClause(table, query, params))
  return sendMutation(db, res, table, query, options, 200, `delete from ${tableRef(table)} ${where} returning *`, params)
}

/** Supabase runs PostgREST with pg-safeupdate: a mutation without filters is refused. */
function requireWhere(verb: 'UPDATE' | 'DELETE', where: string): string {
  if (!where) throw new RestError(400, '21000', `${verb} requires a WHERE clause`)
  return where
}

async function sendMutation(
  db: LocalDatabase, res: ServerResponse, table: TableInfo, query: URLSearchParams, options: RequestOptions,
  status: number, mutation: string, params: Params,
): Promise<void> {
  // One statement: `.single()` raising inside it rolls the mutation back, as PostgREST does.
  const guard = options.single ? ', realtime_local.pgrst_single(count(*)) as guard' : ''
  const body = options.representation ? `${aggregate(options)} as body, ` : ''
  const { rows } = await db.query<{ body?: string; n: number }>(
    `with _m as (${mutation}) select ${body}count(*)::int as n${guard} from (select ${selectList(table, query.get('select'))} from _m) _r`,
    params.values,
  )
  const { n } = rows[0]
  res.setHeader('Content-Range', `*/${options.count ? n : '*'}`)
  if (!options.representation) {
    res.writeHead(status === 201 ? 201 : 204, { 'Content-Length': '0' }).end()
    return
  }
  sendRestJson(res, status, options.single ? firstElement(rows[0].body ?? '[]') : (rows[0].body ?? '[]'), false, options.single)
}

function aggregate(options: RequestOptions): string {
  const agg = `coalesce(json_agg(_r), '[]'::json)`
  return `${options.stripNulls ? `json_strip_nulls(${agg})` : agg}::text`
}

function firstElement(arrayJson: string): string {
  return JSON.stringify((JSON.parse(arrayJson) as unknown[])[0] ?? null)
}

async function checkSchema(db: LocalDatabase, schema: string): Promise<void> {
  if (schema === 'public') return
  const { rows } = await db.query<{ name: string }>(
    `select nspname::text as name from pg_namespace
      where nspname not like 'pg\\_%' and nspname not in ('information_schema', 'realtime_local') order by 1`,
  )
  const exposed = rows.map((r) => r.name)
  if (!exposed.includes(schema)) {
    throw new RestError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${exposed.join(', ')}`)
  }
}

async function openApi(db: LocalDatabase, schema: string): Promise<string> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1`,
    [schema],
  )
  const paths = Object.fromEntries(rows.map((r) => [`/${r.name}`, {}]))
  return JSON.stringify({ swagger: '2.0', info: { title: 'shared-realtime local REST (PostgREST subset)', version: '0.1.0' }, paths })
}
