/**
 * Differential test: the same server events reach a shared-realtime subscriber and a plain supabase-js
 * subscriber; both must see the same callbacks with the same payloads in the same order.
 */
import { expect, test } from '@playwright/test'
import { dev, openTab, resetServer } from './support.ts'

test.beforeAll(async () => {
  await dev('sql', {
    query: `create table if not exists public.e2e_diff (id bigint primary key, label text, done boolean default false, tags text[], meta jsonb);
            alter table public.e2e_diff replica identity full;
            alter publication supabase_realtime add table public.e2e_diff;`,
  })
})

test.beforeEach(async () => {
  await resetServer()
})

const BINDINGS = [
  { name: 'all', type: 'postgres_changes', filter: { event: '*', schema: 'public', table: 'e2e_diff' } },
  { name: 'updates', type: 'postgres_changes', filter: { event: 'UPDATE', schema: 'public', table: 'e2e_diff', filter: 'done=eq.true' } },
  { name: 'say', type: 'broadcast', filter: { event: 'say' } },
  { name: 'any', type: 'broadcast', filter: { event: '*' } },
  { name: 'system', type: 'system', filter: {} },
]

test('shared and direct subscribers see identical callback sequences', async ({ context }) => {
  const shared = await openTab(context)
  const plain = await openTab(context)
  const subscribe = (page: typeof shared, mode: 'shared' | 'plain') =>
    page.evaluate(
      ({ bindings, mode }) => {
        const { supabaseUrl, anonKey } = window.demoConfig
        const client = mode === 'shared' ? window.realtime : window.createClient(supabaseUrl, anonKey).realtime
        const log: typeof window.__log = (window.__log = [])
        const channel = client.channel('diff')
        // The two clients' overloads differ and the binding's type is data: one loose signature for both.
        const on = channel.on.bind(channel) as unknown as (type: string, filter: object, callback: (payload: RecordedEvent) => void) => unknown
        for (const b of bindings) on(b.type, b.filter, (payload) => log.push([b.name, payload]))
        return new Promise<void>((resolve) => channel.subscribe((status: string) => status === 'SUBSCRIBED' && resolve()))
      },
      { bindings: BINDINGS, mode },
    )
  await subscribe(shared, 'shared')
  await subscribe(plain, 'plain')
  // Wait for both "Subscribed to PostgreSQL" system messages so that no change falls in the gap.
  const bothReady = async () =>
    Promise.all([shared, plain].map((p) => p.evaluate(() => window.__log.filter(([name]) => name === 'system').length)))
  await expect.poll(bothReady).toEqual([1, 1])

  const id = Date.now()
  await dev('sql', { query: `insert into public.e2e_diff (id, label, tags, meta) values ($1, 'a', '{x,y}', '{"k": 1}')`, params: [id] })
  await dev('sql', { query: `update public.e2e_diff set done = true, label = 'b' where id = $1`, params: [id] })
  await dev('sql', { query: `delete from public.e2e_diff where id = $1`, params: [id] })
  // A broadcast from a third party (REST, as a server-side sender would).
  const { supabaseUrl, anonKey } = await shared.evaluate(() => window.demoConfig)
  const response = await fetch(`${supabaseUrl}/realtime/v1/api/broadcast`, {
    method: 'POST',
    headers: { apikey: anonKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [{ topic: 'diff', event: 'say', payload: { text: 'hello' } }] }),
  })
  expect(response.status).toBe(202)

  const log = (page: typeof shared) => page.evaluate(() => window.__log)
  await expect.poll(async () => (await log(plain)).length).toBe(1 + 3 + 1 + 2)
  await expect.poll(async () => (await log(shared)).length).toBe(1 + 3 + 1 + 2)
  const [sharedLog, plainLog] = [await log(shared), await log(plain)]
  expect(sharedLog).toEqual(plainLog)
  expect(sharedLog.map(([name]) => name)).toEqual(['system', 'all', 'all', 'updates', 'all', 'say', 'any'])
})
