import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type RealtimeServer } from '../src/index.ts'
import { collector, realtimeClient, subscribe, supabaseClient } from './support/clients.ts'
import type { TestServer } from './support/setup.ts'

/** The whole server with its embedded database (PGlite): one per file, it takes seconds to start. */
let server: RealtimeServer & Pick<TestServer, 'wsUrl'>

beforeAll(async () => {
  const started = await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
  server = Object.assign(started, { wsUrl: started.url.replace(/^http/, 'ws') })
})

afterAll(async () => {
  await server?.close()
})

async function sql(query: string, params?: unknown[]) {
  const response = await fetch(`${server.url}/_dev/sql`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.serviceRoleKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, params }),
  })
  return { status: response.status, body: (await response.json()) as any }
}

describe('with the embedded database', () => {
  it('delivers committed inserts, updates and deletes to postgres_changes bindings, filtered', async () => {
    const client = realtimeClient(server as TestServer)
    const all = collector()
    const onlyHigh = collector()
    const channel = client
      .channel('todos-e2e')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'todos' }, (p) => all.push(p))
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos', filter: 'priority=gte.5' }, (p) => onlyHigh.push(p))
    const systems = collector()
    channel.on('system', {}, (m) => systems.push(m))
    await subscribe(channel).when('SUBSCRIBED')
    expect(await systems.next(5000)).toMatchObject({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL' })

    const inserted = await sql("insert into todos (title, priority) values ('e2e', 9) returning id")
    expect(inserted.status).toBe(200)
    const id = inserted.body.rows[0].id
    expect(await all.next(5000)).toMatchObject({ eventType: 'INSERT', table: 'todos', new: { id, title: 'e2e', priority: 9 } })
    expect(await onlyHigh.next(5000)).toMatchObject({ eventType: 'INSERT', new: { id } })

    await sql('update todos set done = true where id = $1', [id])
    expect(await all.next(5000)).toMatchObject({ eventType: 'UPDATE', new: { id, done: true } })
    await sql('delete from todos where id = $1', [id])
    expect(await all.next(5000)).toMatchObject({ eventType: 'DELETE', old: { id } })
    expect(onlyHigh.items).toHaveLength(1)
  })

  it('reports a subscription to an unpublished table as a system error', async () => {
    const client = realtimeClient(server as TestServer)
    const systems = collector()
    const channel = client
      .channel('nope-e2e')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'no_such_table' }, () => {})
      .on('system', {}, (m) => systems.push(m))
    await subscribe(channel).when('SUBSCRIBED')
    expect(await systems.next(5000)).toMatchObject({
      extension: 'postgres_changes',
      status: 'error',
      message: expect.stringMatching(/^Unable to subscribe to changes with given parameters/),
    })
  })

  it('serves REST through supabase-js on the same port', async () => {
    const supabase = supabaseClient(server as TestServer, server.serviceRoleKey)
    const { data, error } = await supabase.from('todos').select('id, title').limit(1)
    expect(error).toBeNull()
    expect(data).toHaveLength(1)
  })

  it('/_dev/sql reports SQL errors as 400', async () => {
    expect(await sql('select * from no_such_table')).toEqual({ status: 400, body: { error: expect.stringContaining('no_such_table') } })
  })
})
