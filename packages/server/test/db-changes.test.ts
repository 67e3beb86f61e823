import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/database.ts'
import { compileBinding } from '../src/db/filters.ts'
import { checkSubscription } from '../src/db/subscriptions.ts'
import type { LocalDatabase, RowChange } from '../src/db/types.ts'

let db: LocalDatabase

beforeAll(async () => {
  db = await openDatabase()
})

afterAll(async () => {
  await db?.close()
})

/** Collects the changes of one table; `next(n)` waits for the n-th one. */
function watch(table: string) {
  const changes: RowChange[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  const off = db.onChange((change) => {
    if (change.table !== table) return
    changes.push(change)
    for (const waiter of waiters.filter((w) => changes.length >= w.count)) waiter.resolve()
  })
  return {
    changes,
    off,
    async next(count: number, timeoutMs = 5000): Promise<RowChange[]> {
      if (changes.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`only ${changes.length}/${count} changes of ${table}`)), timeoutMs)
          waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) })
        })
      }
      return changes.slice(0, count)
    },
  }
}

/** Proves that nothing else arrives: a later marker change of the same table is the next one. */
async function settle(table: string, w: ReturnType<typeof watch>, marker: string) {
  const before = w.changes.length
  await db.query(`insert into ${table} (name) values ($1)`, [marker])
  const all = await w.next(before + 1)
  return all.slice(before)
}

describe('openDatabase: migrations', () => {
  it('creates the demo schema, seeds and the publication', async () => {
    const tables = await db.query<{ tablename: string }>(
      "select tablename from pg_publication_tables where pubname = 'supabase_realtime' order by tablename",
    )
    expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(['orders', 'products', 'todos']))
    const orders = await db.query<{ status: string }>('select status from orders order by id')
    expect(orders.rows.length).toBeGreaterThanOrEqual(3)
    const { rows } = await db.query<{ name: string }>('select name from realtime_local.schema_migrations order by name')
    expect(rows.map((r) => r.name)).toEqual(['0001_restaurant.sql', '0002_todos.sql', '0003_realtime_demo_policies.sql'])
  })
})

describe('openDatabase: change capture', () => {
  it('delivers INSERT, UPDATE and DELETE with the §8.1 shape (default replica identity)', async () => {
    await db.exec(`create table cap_basic (id int8 primary key, name text, n int4);
      alter publication supabase_realtime add table cap_basic;`)
    const w = watch('cap_basic')
    await db.query("insert into cap_basic values (1, 'a', 10)")
    await db.query("update cap_basic set name = 'b' where id = 1")
    await db.query('delete from cap_basic where id = 1')
    const [ins, upd, del] = await w.next(3)
    const columns = [
      { name: 'id', type: 'int8' },
      { name: 'name', type: 'text' },
      { name: 'n', type: 'int4' },
    ]
    expect(ins).toEqual({
      schema: 'public',
      table: 'cap_basic',
      type: 'INSERT',
      commit_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      columns,
      record: { id: 1, name: 'a', n: 10 },
      errors: null,
    })
    expect(ins).not.toHaveProperty('old_record')
    expect(upd).toMatchObject({ type: 'UPDATE', columns, record: { id: 1, name: 'b', n: 10 }, old_record: { id: 1 } })
    expect(del).toMatchObject({ type: 'DELETE', columns, old_record: { id: 1 }, errors: null })
    expect(del).not.toHaveProperty('record')
    expect(Math.abs(Date.parse(ins.commit_timestamp) - Date.now())).toBeLessThan(60_000)
    w.off()
  })

  it('sends the whole old row with REPLICA IDENTITY FULL and the key of a multi-column primary key', async () => {
    await db.exec(`create table cap_full (id int8 primary key, name text);
      alter table cap_full replica identity full;
      create table cap_multi (b text, a int4, v text, primary key (a, b));
      alter publication supabase_realtime add table cap_full, cap_multi;`)
    const full = watch('cap_full')
    const multi = watch('cap_multi')
    await db.exec(`insert into cap_full values (1, 'x'); update cap_full set name = 'y'; delete from cap_full;
      insert into cap_multi values ('k', 2, 'v1'); update cap_multi set v = 'v2';`)
    const [, upd, del] = await full.next(3)
    expect(upd.old_record).toEqual({ id: 1, name: 'x' })
    expect(del.old_record).toEqual({ id: 1, name: 'y' })
    const [, multiUpd] = await multi.next(2)
    expect(multiUpd.old_record).toEqual({ a: 2, b: 'k' })
    full.off()
    multi.off()
  })

  it('reports a table without primary key as the real server does', async () => {
    await db.exec(`create table cap_nopk (name text); alter publication supabase_realtime add table cap_nopk;`)
    const w = watch('cap_nopk')
    await db.query("insert into cap_nopk values ('a')")
    const [change] = await w.next(1)
    expect(change).toMatchObject({ table: 'cap_nopk', type: 'INSERT', errors: ['Error 400: Bad Request, no primary key'] })
    expect(change).not.toHaveProperty('record')
    w.off()
  })

  it('follows ALTER PUBLICATION add/drop and tables created while running', async () => {
    await db.exec('create table cap_pub (id serial primary key, name text)')
    const w = watch('cap_pub')
    await db.query("insert into cap_pub (name) values ('before')")
    await db.exec('alter publication supabase_realtime add table cap_pub')
    await db.query("insert into cap_pub (name) values ('during')")
    await db.exec('alter publication supabase_realtime drop table cap_pub')
    await db.query("insert into cap_pub (name) values ('after')")
    await db.exec('alter publication supabase_realtime add table cap_pub')
    const tail = await settle('cap_pub', w, 'again')
    expect(w.changes.map((c) => c.record?.name)).toEqual(['during', 'again'])
    expect(tail).toHaveLength(1)
    w.off()
  })

  it('captures only the actions the publication publishes', async () => {
    // A second publication would change nothing: only supabase_realtime counts.
    await db.exec(`create table cap_actions (id serial primary key, name text);
      create publication other_pub for table cap_actions;`)
    const w = watch('cap_actions')
    await db.query("insert into cap_actions (name) values ('not published')")
    await db.exec('alter publication supabase_realtime add table cap_actions')
    await db.query("insert into cap_actions (name) values ('published')")
    expect((await w.next(1))[0].record?.name).toBe('published')
    w.off()
  })

  it('never delivers rolled-back work, and delivers transactions in commit order', async () => {
    await db.exec(`create table cap_tx_a (id int primary key, name text);
      create table cap_tx_b (id int primary key, name text);
      alter publication supabase_realtime add table cap_tx_a, cap_tx_b;`)
    const order: string[] = []
    const off = db.onChange((c) => {
      if (c.table.startsWith('cap_tx_')) order.push(`${c.table.slice(-1)}:${c.type}:${String(c.record?.name ?? c.old_record?.id)}`)
    })
    const w = watch('cap_tx_a')
    await db.exec(`begin; insert into cap_tx_a values (1, 'rolled back'); rollback;`)
    await db.exec(`begin; insert into cap_tx_b values (1, 'b1'); insert into cap_tx_a values (1, 'a1');
      update cap_tx_b set name = 'b2' where id = 1; commit;`)
    await db.exec(`begin; insert into cap_tx_a values (2, 'a2');
      savepoint s; insert into cap_tx_a values (3, 'undone'); rollback to savepoint s;
      delete from cap_tx_b where id = 1; commit;`)
    await db.query("insert into cap_tx_a values (4, 'a4')")
    await db.query("insert into cap_tx_a values (5, 'end')")
    await w.next(4)
    expect(order).toEqual(['b:INSERT:b1', 'a:INSERT:a1', 'b:UPDATE:b2', 'a:INSERT:a2', 'b:DELETE:1', 'a:INSERT:a4', 'a:INSERT:end'])
    off()
    w.off()
  })

  it('holds back changes of a transaction opened with query(BEGIN) until COMMIT', async () => {
    await db.exec(`create table cap_open (id serial primary key, name text);
      alter publication supabase_realtime add table cap_open;`)
    const w = watch('cap_open')
    await db.query('begin')
    await db.query("insert into cap_open (name) values ('inside')")
    // Another committed change before our COMMIT makes the reader run while the transaction is open.
    await db.query("select pg_notify('realtime_local_changes', '')")
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(w.changes).toHaveLength(0)
    await db.query('commit')
    expect((await w.next(1))[0].record?.name).toBe('inside')
    w.off()
  })

  it('encodes values as typed JSON (§8.2)', async () => {
    await db.exec(`create table cap_types (
        id int8 primary key, i2 int2, i4 int4, f4 float4, f8 float8, num numeric, b bool, t text, vc varchar(5),
        ch char(3), u uuid, j json, jb jsonb, ia int4[], ta text[], ts timestamp, tstz timestamptz, d date,
        tm time, iv interval, by bytea, nul text);
      alter publication supabase_realtime add table cap_types;`)
    const w = watch('cap_types')
    await db.query(`insert into cap_types values (9007199254740991, 2, -4, 1.5, 2.25, 123.456, true, 'héllo "q"', 'abc',
        'x', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, {"b": null}]}', '{"z": 1, "a": false}',
        '{1,2,3}', '{"a b",c}', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05+02', '2024-02-29',
        '13:14:15', '1 day 2 hours', '\\xdeadbeef', null)`)
    const [change] = await w.next(1)
    expect(change.columns.map((c) => c.type)).toEqual([
      'int8', 'int2', 'int4', 'float4', 'float8', 'numeric', 'bool', 'text', 'varchar', 'bpchar', 'uuid', 'json',
      'jsonb', '_int4', '_text', 'timestamp', 'timestamptz', 'date', 'time', 'interval', 'bytea', 'text',
    ])
    expect(change.record).toEqual({
      id: 9007199254740991, i2: 2, i4: -4, f4: 1.5, f8: 2.25, num: 123.456, b: true, t: 'héllo "q"', vc: 'abc',
      ch: 'x  ', u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', j: { a: [1, { b: null }] }, jb: { z: 1, a: false },
      ia: [1, 2, 3], ta: ['a b', 'c'], ts: '2024-01-02T03:04:05.678', tstz: '2024-01-02T01:04:05+00:00',
      d: '2024-02-29', tm: '13:14:15', iv: '1 day 02:00:00', by: '\\xdeadbeef', nul: null,
    })
    expect(Object.keys(change.record ?? {})).toEqual(change.columns.map((c) => c.name))
    w.off()
  })

  it('delivers rows up to 1 MiB whole and bigger ones as Error 413 with small values only', async () => {
    await db.exec(`create table cap_big (id int primary key, small text, body text);
      alter publication supabase_realtime add table cap_big;`)
    const w = watch('cap_big')
    const nearlyMiB = 'x'.repeat(1000 * 1000)
    await db.query('insert into cap_big values (1, $1, $2)', ['tiny', nearlyMiB])
    await db.query('insert into cap_big values (2, $1, $2)', ['tiny', 'y'.repeat(1100 * 1024)])
    const [ok, tooBig] = await w.next(2)
    expect(ok.errors).toBeNull()
    expect(ok.record?.body).toBe(nearlyMiB)
    expect(tooBig.errors).toEqual(['Error 413: Payload Too Large'])
    expect(tooBig.record).toEqual({ id: 2, small: 'tiny' })
    expect(tooBig.columns).toHaveLength(3)
    w.off()
  })

  it('stops calling a listener after unsubscribe and survives a throwing listener', async () => {
    await db.exec(`create table cap_off (id serial primary key, name text);
      alter publication supabase_realtime add table cap_off;`)
    const seen: string[] = []
    const off = db.onChange((c) => {
      if (c.table === 'cap_off') seen.push(String(c.record?.name))
    })
    const offThrowing = db.onChange(() => {
      throw new Error('listener bug')
    })
    const error = console.error
    console.error = () => undefined
    const w = watch('cap_off')
    try {
      await db.query("insert into cap_off (name) values ('one')")
      await w.next(1)
      off()
      await settle('cap_off', w, 'two')
    } finally {
      console.error = error
      offThrowing()
      w.off()
    }
    expect(seen).toEqual(['one'])
  })
})

describe('checkSubscription', () => {
  const check = async (binding: { event: string; schema: string; table?: string; filter?: string }, role = 'anon') => {
    const compiled = compileBinding(binding)
    if (!compiled.ok) throw new Error(compiled.message)
    return checkSubscription(db, compiled.binding, role)
  }

  it('accepts published tables, schema wildcards and valid filters', async () => {
    expect(await check({ event: '*', schema: 'public', table: 'todos', filter: 'id=in.(1,2)' })).toMatchObject({
      ok: true,
      tables: [{ schema: 'public', table: 'todos' }],
    })
    const all = await check({ event: 'INSERT', schema: 'public' })
    expect(all.ok && all.tables.map((t) => t.table)).toEqual(expect.arrayContaining(['orders', 'products', 'todos']))
  })

  it('refuses unpublished tables, unknown columns and uncastable values with the real sentences', async () => {
    expect(await check({ event: '*', schema: 'public', table: 'drivers' })).toEqual({
      ok: false,
      message:
        'Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: *, schema: public, table: drivers, filters: [], select: nil]',
    })
    const column = await check({ event: 'insert', schema: 'public', table: 'todos', filter: 'nope=eq.1' })
    expect(column).toEqual({
      ok: false,
      message:
        'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: [event: INSERT, schema: public, table: todos, filters: [{"nope", "eq", "1", false}], select: nil]. Exception: ERROR P0001 (raise_exception) invalid column for filter nope',
    })
    const value = await check({ event: '*', schema: 'public', table: 'todos', filter: 'id=eq.abc' })
    expect(value.ok === false && value.message).toMatch(/Exception: ERROR 22P02 invalid input syntax for type bigint: "abc"$/)
  })

  it("refuses an unknown role, and filters on columns the subscriber's role may not SELECT", async () => {
    const role = await check({ event: '*', schema: 'public', table: 'todos' }, 'no_such_role')
    expect(role.ok === false && role.message).toMatch(/Exception: ERROR 42704 \(undefined_object\) role "no_such_role" does not exist$/)
    await db.exec(`create table cap_private_cols (id int8 primary key, shown text, hidden text);
      revoke select on cap_private_cols from anon;
      grant select (id, shown) on cap_private_cols to anon;
      alter publication supabase_realtime add table cap_private_cols;`)
    expect((await check({ event: '*', schema: 'public', table: 'cap_private_cols', filter: 'shown=eq.x' })).ok).toBe(true)
    const hidden = await check({ event: '*', schema: 'public', table: 'cap_private_cols', filter: 'hidden=eq.x' })
    expect(hidden.ok === false && hidden.message).toMatch(/Exception: ERROR P0001 \(raise_exception\) invalid column for filter hidden$/)
    expect((await check({ event: '*', schema: 'public', table: 'cap_private_cols', filter: 'hidden=eq.x' }, 'service_role')).ok).toBe(true)
  })
})

describe('openDatabase: Broadcast from Database', () => {
  it('emits committed realtime.messages rows with an event and a payload, in order, with a UTC insertedAt', async () => {
    const got: { event: string; insertedAt: string }[] = []
    const off = db.onBroadcast((m) => got.push(m))
    try {
      await db.exec(`insert into realtime.messages (topic, extension) values ('probe', 'broadcast');
        select realtime.send('{"a": 1}'::jsonb, 'first', 'feed:db', true);
        select realtime.send('{"a": 2}'::jsonb, 'second', 'feed:db', false);`)
      const deadline = Date.now() + 5000
      while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      expect(got).toEqual([
        { id: expect.any(String), topic: 'feed:db', event: 'first', payload: { a: 1, id: expect.any(String) }, private: true, insertedAt: expect.stringMatching(/Z$/) },
        { id: expect.any(String), topic: 'feed:db', event: 'second', payload: { a: 2, id: expect.any(String) }, private: false, insertedAt: expect.stringMatching(/Z$/) },
      ])
      expect(Math.abs(Date.parse(got[0].insertedAt) - Date.now())).toBeLessThan(60_000)
    } finally {
      off()
    }
  })
})

describe('openDatabase: Supabase SQL API', () => {
  it('auth.uid(), auth.role(), auth.email() and auth.jwt() read the request claims; realtime.topic() the topic', async () => {
    const claims = { sub: '0b0e2f4e-8a39-4a3c-9d8e-1f2a3b4c5d6e', role: 'authenticated', email: 'a@example.com', user_role: 'staff' }
    const { rows } = await db.query<Record<string, unknown>>(
      `select set_config('request.jwt.claims', $1, false) is not null as set, set_config('realtime.topic', 'room:1', false) is not null as t,
              auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() ->> 'user_role' as user_role, realtime.topic() as topic`,
      [JSON.stringify(claims)],
    )
    await db.query("select set_config('request.jwt.claims', '', false), set_config('realtime.topic', '', false)")
    expect(rows[0]).toMatchObject({ uid: claims.sub, role: 'authenticated', email: 'a@example.com', user_role: 'staff', topic: 'room:1' })
    const empty = await db.query<Record<string, unknown>>('select auth.uid() as uid, auth.jwt() as jwt, realtime.topic() as topic')
    expect(empty.rows[0]).toEqual({ uid: null, jwt: null, topic: null })
  })

  it('gives service_role BYPASSRLS and the API roles the public schema', async () => {
    const { rows } = await db.query<Record<string, unknown>>(
      `select (select rolbypassrls from pg_roles where rolname = 'service_role') as bypass,
              (select rolbypassrls from pg_roles where rolname = 'authenticated') as user_bypass,
              has_table_privilege('anon', 'public.todos', 'SELECT') as anon_reads_todos,
              has_table_privilege('authenticated', 'realtime.messages', 'INSERT') as user_inserts_messages`,
    )
    expect(rows[0]).toEqual({ bypass: true, user_bypass: false, anon_reads_todos: true, user_inserts_messages: true })
  })
})
