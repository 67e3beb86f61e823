/**
 * The hooks on the real client and hub (MessageChannels instead of a SharedWorker) against the local
 * server, two tabs in StrictMode: one socket, one join per topic, broadcast rendered once, presence
 * merged per browser, Postgres changes batched, unmount leaves.
 */
import { useState, type ReactNode } from 'react'
import { act, render, waitFor, within } from '@testing-library/react'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startLocalServer } from './support/local-server.ts'
import { dev, eventually, setupHub, type HubHandle, type TestServer } from '../../worker/test/support/setup.ts'
import type { SharedRealtime } from '../../client/src/index.ts'
import { SharedRealtimeProvider, useBroadcast, usePostgresChanges, usePresence, usePresenceState, useRealtimeStatus, useChannel } from '../src/index.ts'

let server: TestServer
let handle: HubHandle | undefined

beforeAll(async () => {
  server = await startLocalServer()
  await dev(server, 'sql', {
    query: `create table if not exists public.react_items (id bigint primary key, label text);
            alter publication supabase_realtime add table public.react_items;`,
  })
})

afterAll(async () => {
  await server?.close()
})

afterEach(async () => {
  await handle?.cleanup()
  handle = undefined
  await dev(server, 'reset', {})
})

function Chat({ me }: { me: string }) {
  const health = useRealtimeStatus()
  const { status } = useChannel('react-room')
  const [messages, setMessages] = useState<string[]>([])
  const [items, setItems] = useState<number[][]>([])
  const send = useBroadcast('react-room', 'msg', (m) => setMessages((list) => [...list, String(m.payload.text)]))
  usePresence('react-room', { user: me })
  const people = usePresenceState<{ user: string }>('react-room')
  const rows = usePostgresChanges<{ id: number }>({ event: 'INSERT', table: 'react_items', batch: { maxSize: 100, maxWaitMs: 50 } }, (batch) =>
    setItems((list) => [...list, batch.map((c) => c.new.id)]),
  )
  return (
    <div>
      <p data-testid="status">{`${health.status}/${status}/${rows.status}`}</p>
      <p data-testid="people">{Object.values(people).flat().map((p) => p.user).sort().join(',')}</p>
      <p data-testid="messages">{messages.join(',')}</p>
      <p data-testid="items">{JSON.stringify(items)}</p>
      <button onClick={() => void send({ text: `hi from ${me}` })}>send</button>
    </div>
  )
}

/** One tab's view: queries scoped to its own container (both tabs render into one jsdom document). */
function mount(client: SharedRealtime, children: ReactNode) {
  const view = render(<SharedRealtimeProvider client={client}>{children}</SharedRealtimeProvider>, { reactStrictMode: true })
  return { ...within(view.container), unmount: view.unmount }
}

describe('hooks on the real hub and local server', () => {
  it('two StrictMode tabs share one socket and one join per topic; broadcast, presence and Postgres changes arrive once', async () => {
    handle = setupHub(server)
    const [one, two] = [handle.openTab(), handle.openTab()]
    const a = mount(one, <Chat me="ann" />)
    const b = mount(two, <Chat me="bob" />)
    for (const view of [a, b]) {
      await waitFor(() => expect(view.getByTestId('status').textContent).toBe('connected/SUBSCRIBED/SUBSCRIBED'), { timeout: 10_000 })
    }
    const stats = await dev(server, 'stats')
    expect(stats.sockets).toBe(1)
    expect(Object.keys(stats.channels).sort()).toEqual(['realtime:postgres:public:react_items:INSERT', 'realtime:react-room'])
    // However many times StrictMode mounted the effects: no more joins than topics.
    expect(stats.joinsTotal).toBe(2)

    // Both tabs are one browser here (one hub): presence merges them into one entry with the latest payload.
    await waitFor(() => expect(a.getByTestId('people').textContent).toMatch(/^(ann|bob)$/), { timeout: 10_000 })
    expect(b.getByTestId('people').textContent).toBe(a.getByTestId('people').textContent)

    act(() => a.getByText('send').click())
    await waitFor(() => expect(b.getByTestId('messages').textContent).toBe('hi from ann'), { timeout: 10_000 })
    // Without broadcast self the sender's tab does not hear itself; the other tab got it exactly once.
    expect(a.getByTestId('messages').textContent).toBe('')

    // Postgres subscription confirmation has no client-visible signal beyond SUBSCRIBED; give it a beat.
    await new Promise((r) => setTimeout(r, 200))
    await dev(server, 'sql', { query: `insert into public.react_items (id, label) values (1, 'a'), (2, 'b'), (3, 'c')` })
    for (const view of [a, b]) {
      await waitFor(() => expect(JSON.parse(view.getByTestId('items').textContent!).flat()).toEqual([1, 2, 3]), { timeout: 10_000 })
    }

    a.unmount()
    b.unmount()
    await eventually(async () => Object.keys((await dev(server, 'stats')).channels).length === 0, { what: 'both topics left after unmount' })
    expect((await dev(server, 'stats')).joinsTotal).toBe(2)
  })
})
