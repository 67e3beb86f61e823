import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createJwtVerifier, LOCAL_ANON_KEY, LOCAL_SERVICE_ROLE_KEY } from '../src/auth.ts'
import { openDatabase } from '../src/db/database.ts'
import type { LocalDatabase, RowChange } from '../src/db/types.ts'
import { createRestHandler } from '../src/rest/postgrest.ts'

let db: LocalDatabase
let server: Server
let url: string
let supabase: SupabaseClient

beforeAll(async () => {
  db = await openDatabase()
  const rest = createRestHandler({ db, verifier: createJwtVerifier() })
  server = createServer((req, res) => {
    void rest(req, res).then((handled) => {
      if (!handled) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not rest')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  supabase = createClient(url, LOCAL_ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    // supabase-js builds its RealtimeClient eagerly, and Node 20 has no global WebSocket.
    realtime: { transport: WebSocket as never },
  })
})

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  await db?.close()
})

describe('REST through supabase-js', () => {
  it('select with eq, order desc and limit', async () => {
    const customer = 'rest-select'
    await db.query(
      `insert into orders (customer, total, status) select $1, n, case when n % 2 = 0 then 'new' else 'ready' end
         from generate_series(1, 9) n`,
      [customer],
    )
    const { data, error, status } = await supabase
      .from('orders')
      .select('*')
      .eq('customer', customer)
      .eq('status', 'new')
      .order('id', { ascending: false })
      .limit(3)
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(data?.map((o) => o.total)).toEqual([8, 6, 4])
    expect(data?.[0]).toMatchObject({ customer, status: 'new', items: [], driver_id: null })
    expect(typeof data?.[0].created_at).toBe('string')
  })

  it('insert().select().single() returns the row with defaults; insert([...]) inserts all', async () => {
    const { data, error, status } = await supabase
      .from('orders')
      .insert({ customer: 'rest-insert', items: [{ product_id: 1, qty: 2 }], total: 19 })
      .select()
      .single()
    expect(error).toBeNull()
    expect(status).toBe(201)
    expect(data).toMatchObject({ customer: 'rest-insert', items: [{ product_id: 1, qty: 2 }], total: 19, status: 'new' })
    expect(typeof data.id).toBe('number')

    const bulk = await supabase.from('orders').insert([
      { customer: 'rest-bulk', total: 1 },
      { customer: 'rest-bulk', total: 2 },
    ])
    expect(bulk).toMatchObject({ error: null, status: 201, data: null })
    const rows = await db.query<{ status: string }>("select status from orders where customer = 'rest-bulk'")
    expect(rows.rows).toEqual([{ status: 'new' }, { status: 'new' }])

    // As on PostgREST, `columns=` lists the union of keys and a key missing from one object is NULL
    // (not the default) unless `defaultToNull: false`; `status` is NOT NULL, so nothing is inserted.
    const mixed = await supabase.from('orders').insert([
      { customer: 'rest-mixed', total: 1 },
      { customer: 'rest-mixed', total: 2, status: 'ready' },
    ])
    expect(mixed.error).toMatchObject({ code: '23502' })
    expect((await db.query("select 1 from orders where customer = 'rest-mixed'")).rows).toEqual([])
  })

  it('insert with defaultToNull: false uses column defaults for missing keys', async () => {
    const { data, error } = await supabase
      .from('todos')
      .insert([{ title: 'rest-default-a' }, { title: 'rest-default-b', done: true }], { defaultToNull: false })
      .select('title, done')
    expect(error).toBeNull()
    expect(data).toEqual([
      { title: 'rest-default-a', done: false },
      { title: 'rest-default-b', done: true },
    ])
  })

  it('update().eq().select() and delete().eq()', async () => {
    const { data: created } = await supabase.from('todos').insert({ title: 'rest-update', priority: 1 }).select('id').single()
    const updated = await supabase.from('todos').update({ priority: 5, tags: ['x', 'y z'] }).eq('id', created?.id).select()
    expect(updated.error).toBeNull()
    expect(updated.data).toMatchObject([{ id: created?.id, priority: 5, tags: ['x', 'y z'] }])

    const plainUpdate = await supabase.from('todos').update({ done: true }).eq('id', created?.id)
    expect(plainUpdate).toMatchObject({ error: null, status: 204, data: null })

    const deleted = await supabase.from('todos').delete().eq('id', created?.id).select('id, done')
    expect(deleted.data).toEqual([{ id: created?.id, done: true }])
    const again = await supabase.from('todos').select('id').eq('id', created?.id)
    expect(again.data).toEqual([])
  })

  it('filters: neq, lt, lte, gt, gte, in, is null, not, like, ilike, or, contains', async () => {
    const tag = 'rest-filters'
    await supabase.from('todos').insert([
      { title: 'Alpha', priority: 1, tags: [tag, 'a'], meta: { n: 1 } },
      { title: 'beta', priority: 2, tags: [tag, 'b'], meta: null },
      { title: 'Gamma', priority: 3, tags: [tag], meta: { n: 3 } },
      { title: 'delta', priority: null, tags: [tag], meta: null },
    ])
    const titles = async (build: (q: any) => any) => {
      const { data, error } = await build(supabase.from('todos').select('title').contains('tags', [tag])).order('title')
      expect(error).toBeNull()
      return (data as { title: string }[]).map((r) => r.title)
    }
    expect(await titles((q) => q.neq('priority', 2))).toEqual(['Alpha', 'Gamma'])
    expect(await titles((q) => q.lt('priority', 2))).toEqual(['Alpha'])
    expect(await titles((q) => q.lte('priority', 2))).toEqual(['Alpha', 'beta'])
    expect(await titles((q) => q.gt('priority', 1))).toEqual(['Gamma', 'beta'])
    expect(await titles((q) => q.gte('priority', 3))).toEqual(['Gamma'])
    expect(await titles((q) => q.in('priority', [1, 3]))).toEqual(['Alpha', 'Gamma'])
    expect(await titles((q) => q.in('title', ['beta', 'a,b']))).toEqual(['beta'])
    expect(await titles((q) => q.is('priority', null))).toEqual(['delta'])
    expect(await titles((q) => q.not('priority', 'is', null).not('title', 'eq', 'beta'))).toEqual(['Alpha', 'Gamma'])
    expect(await titles((q) => q.like('title', '%mm%'))).toEqual(['Gamma'])
    expect(await titles((q) => q.ilike('title', 'a%'))).toEqual(['Alpha'])
    expect(await titles((q) => q.or('priority.eq.1,title.eq.delta'))).toEqual(['Alpha', 'delta'])
    expect(await titles((q) => q.contains('tags', ['b']))).toEqual(['beta'])
    expect(await titles((q) => q.eq('meta->>n', '3').limit(1)).catch(() => ['unsupported'])).toEqual(['unsupported'])
  })

  it('range, offset, count exact and head', async () => {
    await db.query("insert into todos (title, priority) select 'rest-range', n from generate_series(1, 7) n")
    const page = await supabase
      .from('todos')
      .select('priority', { count: 'exact' })
      .eq('title', 'rest-range')
      .order('priority')
      .range(2, 4)
    expect(page.data).toEqual([{ priority: 3 }, { priority: 4 }, { priority: 5 }])
    expect(page.count).toBe(7)
    const head = await supabase.from('todos').select('*', { count: 'exact', head: true }).eq('title', 'rest-range')
    expect(head).toMatchObject({ error: null, data: null, count: 7 })
  })

  it('single() and maybeSingle() on zero or many rows', async () => {
    const none = await supabase.from('todos').select('*').eq('title', 'rest-no-such-row').single()
    expect(none.status).toBe(406)
    expect(none.error).toMatchObject({ code: 'PGRST116', details: 'The result contains 0 rows' })
    const maybe = await supabase.from('todos').select('*').eq('title', 'rest-no-such-row').maybeSingle()
    expect(maybe).toMatchObject({ error: null, data: null })

    await supabase.from('todos').insert([{ title: 'rest-two' }, { title: 'rest-two' }])
    const two = await supabase.from('todos').update({ priority: 9 }).eq('title', 'rest-two').select().single()
    expect(two.error).toMatchObject({ code: 'PGRST116', details: 'The result contains 2 rows' })
    const untouched = await db.query("select priority from todos where title = 'rest-two'")
    expect(untouched.rows).toEqual([{ priority: null }, { priority: null }]) // rolled back
  })

  it('upsert merges on the primary key or ignores duplicates', async () => {
    const { data: row } = await supabase.from('products').insert({ name: 'rest-upsert', stock: 1 }).select().single()
    const merged = await supabase.from('products').upsert({ id: row?.id, name: 'rest-upsert', stock: 7 }).select('stock')
    expect(merged.data).toEqual([{ stock: 7 }])
    const ignored = await supabase
      .from('products')
      .upsert({ name: 'rest-upsert', stock: 99 }, { onConflict: 'name', ignoreDuplicates: true })
      .select('stock')
    expect(ignored.data).toEqual([])
    const { data } = await supabase.from('products').select('stock').eq('name', 'rest-upsert').single()
    expect(data).toEqual({ stock: 7 })
  })

  it('PostgREST-shaped errors with sensible statuses', async () => {
    const missing = await supabase.from('no_such_table').select('*')
    expect(missing.status).toBe(404)
    expect(missing.error).toEqual({
      code: 'PGRST205',
      details: null,
      hint: null,
      message: "Could not find the table 'public.no_such_table' in the schema cache",
    })
    const badColumn = await supabase.from('todos').select('nope')
    expect(badColumn.status).toBe(400)
    expect(badColumn.error).toMatchObject({ code: '42703', message: 'column todos.nope does not exist' })
    const badValue = await supabase.from('todos').select('*').eq('id', 'abc')
    expect(badValue.status).toBe(400)
    expect(badValue.error).toMatchObject({ code: '22P02' })
    const badBodyColumn = await supabase.from('todos').insert({ nope: 1 })
    expect(badBodyColumn.status).toBe(400)
    expect(badBodyColumn.error?.code).toBe('PGRST204')
    const duplicate = await supabase.from('products').insert({ name: 'Tiramisu' })
    expect(duplicate.status).toBe(409)
    expect(duplicate.error).toMatchObject({ code: '23505', details: 'Key (name)=(Tiramisu) already exists.' })
    const check = await supabase.from('orders').insert({ customer: 'rest-check', status: 'lost' })
    expect(check.status).toBe(400)
    expect(check.error?.code).toBe('23514')
    const unfiltered = await supabase.from('todos').update({ done: true })
    expect(unfiltered.status).toBe(400)
    expect(unfiltered.error).toMatchObject({ code: '21000', message: 'UPDATE requires a WHERE clause' })
    const unfilteredDelete = await supabase.from('todos').delete()
    expect(unfilteredDelete.error).toMatchObject({ code: '21000', message: 'DELETE requires a WHERE clause' })
  })

  it('treats identifiers and values as data (no SQL injection)', async () => {
    const evilTable = await supabase.from('todos"; drop table todos; --').select('*')
    expect(evilTable.status).toBe(404)
    const evilColumn = await supabase.from('todos').select('id, "title"; drop table todos; --')
    expect(evilColumn.status).toBe(400)
    const evilValue = await supabase.from('todos').select('id').eq('title', "x'; drop table todos; --")
    expect(evilValue).toMatchObject({ error: null, data: [] })
    const evilCast = await supabase.from('todos').select('id::text union select 1').limit(1)
    expect(evilCast.status).toBe(400)
    const stillThere = await db.query('select count(*)::int as n from todos')
    expect(stillThere.rows[0]).toMatchObject({ n: expect.any(Number) })
  })

  it('a REST insert reaches onChange', async () => {
    const got = new Promise<RowChange>((resolve) => {
      const off = db.onChange((change) => {
        if (change.table === 'orders' && change.record?.customer === 'rest-change') {
          off()
          resolve(change)
        }
      })
    })
    await supabase.from('orders').insert({ customer: 'rest-change', total: 3.5 })
    expect(await got).toMatchObject({ type: 'INSERT', record: { customer: 'rest-change', total: 3.5, status: 'new' } })
  })
})

describe('REST over plain HTTP', () => {
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${url}${path}`, { method, headers })

  it('requires a valid key (401 in PostgREST shape)', async () => {
    const none = await get('/rest/v1/todos')
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ code: 'PGRST302', message: 'No API key found in request' })
    const bad = await get('/rest/v1/todos', { apikey: 'not-a-jwt' })
    expect(bad.status).toBe(401)
    expect(await bad.json()).toMatchObject({ code: 'PGRST301', message: 'The token provided is not a valid JWT' })
    const expired = await createJwtVerifier().sign({ role: 'anon' }, -10)
    const old = await get('/rest/v1/todos', { apikey: LOCAL_ANON_KEY, Authorization: `Bearer ${expired}` })
    expect(old.status).toBe(401)
    expect(await old.json()).toMatchObject({ code: 'PGRST303', message: 'JWT expired' })
    const service = await get('/rest/v1/todos?select=id&limit=1', { Authorization: `Bearer ${LOCAL_SERVICE_ROLE_KEY}` })
    expect(service.status).toBe(200)
    const query = await get(`/rest/v1/todos?select=id&limit=1&apikey=${LOCAL_ANON_KEY}`)
    expect(query.status).toBe(200)
  })

  it('answers CORS preflight and sets CORS headers on responses', async () => {
    const preflight = await get('/rest/v1/orders', {
      Origin: 'http://localhost:5173',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'apikey, authorization, content-type, prefer, x-client-info',
    }, 'OPTIONS')
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(preflight.headers.get('access-control-allow-headers')).toContain('prefer')
    const response = await get('/rest/v1/orders?select=id&limit=1', { apikey: LOCAL_ANON_KEY, Origin: 'http://localhost:5173' })
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-expose-headers')).toContain('Content-Range')
    expect(response.headers.get('content-range')).toBe('0-0/*')
  })

  it('leaves other paths to the caller and refuses bad JSON', async () => {
    const other = await get('/realtime/v1/api/broadcast')
    expect(await other.text()).toBe('not rest')
    const badJson = await fetch(`${url}/rest/v1/todos`, {
      method: 'POST',
      headers: { apikey: LOCAL_ANON_KEY, 'Content-Type': 'application/json' },
      body: '{nope',
    })
    expect(badJson.status).toBe(400)
    expect(await badJson.json()).toMatchObject({ code: 'PGRST102', message: 'Empty or invalid json' })
    const root = await get('/rest/v1/', { apikey: LOCAL_ANON_KEY })
    expect(((await root.json()) as { paths: object }).paths).toHaveProperty('/orders')
  })
})
