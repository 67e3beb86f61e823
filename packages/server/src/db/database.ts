import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { BOOTSTRAP_SQL } from './capture-sql.ts'
import { createChangeFeed } from './change-feed.ts'
import type { LocalDatabase, QueryResult } from './types.ts'

export interface OpenDatabaseOptions {
  /** Directory that persists the database between runs; in memory when absent. */
  dataDir?: string
  /** `*.sql` files applied once each, in name order; defaults to `packages/server/migrations`. */
  migrationsDir?: string
}

/** The bundled demo schema (orders, products, drivers, todos) and the publication. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))
/**
 * What every Supabase database has before an app's migrations run: roles and grants, `auth.uid()`
 * and friends, the `realtime` schema (`messages`, `topic()`, `send()`, `broadcast_changes()`).
 */
export const SYSTEM_MIGRATIONS_DIR = fileURLToPath(new URL('../../system-migrations/', import.meta.url))
/** The server's own authorization, visibility and Broadcast-from-Database helpers, replaced on every start. */
const LOCAL_AUTHORIZATION_SQL = fileURLToPath(new URL('../../sql/local-authorization.sql', import.meta.url))

/**
 * Opens the embedded Postgres (PGlite, in process), installs change capture for the
 * `supabase_realtime` publication and applies the pending migrations. Start-up takes a few seconds.
 *
 * Changes of published tables reach `onChange` after COMMIT, in commit order, as §8.1 payloads;
 * `ALTER PUBLICATION supabase_realtime ADD|DROP TABLE …` applies to the next change.
 *
 * @example
 * const db = await openDatabase()
 * const off = db.onChange((change) => console.log(change.type, change.table, change.record))
 * await db.query('insert into todos (title) values ($1)', ['buy milk'])
 * off(); await db.close()
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<LocalDatabase> {
  const pg = options.dataDir ? await PGlite.create(options.dataDir) : await PGlite.create()
  try {
    await pg.exec(BOOTSTRAP_SQL)
    await applyMigrations(pg, SYSTEM_MIGRATIONS_DIR, 'realtime_local.system_migrations')
    await pg.exec(await readFile(LOCAL_AUTHORIZATION_SQL, 'utf8'))
    await applyMigrations(pg, options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR, 'realtime_local.schema_migrations')
  } catch (error) {
    await pg.close().catch(() => undefined)
    throw error
  }
  const feed = await createChangeFeed(pg)
  let closed: Promise<void> | null = null

  return {
    async query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const result = await pg.query<Row>(sql, params)
      return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows }
    },
    async exec(sql: string): Promise<void> {
      await pg.exec(sql)
    },
    onChange: (listener) => feed.onChange(listener),
    onBroadcast: (listener) => feed.onBroadcast(listener),
    close() {
      closed ??= (async () => {
        await feed.close()
        await pg.close()
      })()
      return closed
    },
  }
}

/**
 * Applies every `*.sql` file of `dir` not yet recorded in `table`, in name order, each in its own
 * transaction. `table` is one of two fixed names, never user input.
 */
async function applyMigrations(pg: PGlite, dir: string, table: 'realtime_local.schema_migrations' | 'realtime_local.system_migrations'): Promise<void> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort()
  const done = await pg.query<{ name: string }>(`select name from ${table}`)
  const applied = new Set(done.rows.map((row) => row.name))
  for (const name of names) {
    if (applied.has(name)) continue
    const sql = await readFile(join(dir, name), 'utf8')
    try {
      await pg.transaction(async (tx) => {
        await tx.exec(sql)
        await tx.query(`insert into ${table} (name) values ($1)`, [name])
      })
    } catch (error) {
      throw new Error(`Migration ${name} failed: ${(error as Error).message}`, { cause: error })
    }
  }
}
