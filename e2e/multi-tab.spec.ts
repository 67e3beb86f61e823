import { expect, test } from '@playwright/test'
import { dev, eventsIn, expectEvents, newMarker, openTab, openTabs, outsideListener, resetServer, subscribeIn, untilMarker } from './support.ts'

test.beforeAll(async () => {
  await dev('sql', {
    query: `create table if not exists public.e2e_orders (id bigint primary key, station text, qty int);
            alter publication supabase_realtime add table public.e2e_orders;`,
  })
})

test.beforeEach(async () => {
  await resetServer()
})

test('five tabs share one websocket and one join per topic', async ({ context }) => {
  const tabs = await openTabs(context, 5)
  for (const [i, tab] of tabs.entries()) {
    await subscribeIn(tab, 'lobby', 'lobby', [{ type: 'broadcast', filter: { event: '*' } }])
    if (i < 2) await subscribeIn(tab, 'grill', 'grill', [{ type: 'broadcast', filter: { event: '*' } }])
  }
  const stats = await dev('stats')
  expect(stats.sockets).toBe(1)
  expect(stats.channels).toEqual({ 'realtime:lobby': 1, 'realtime:grill': 1 })
  expect(stats.joinsTotal).toBe(2)
  await expect.poll(() => tabs[4].evaluate(() => window.realtime.getHealthStatus().tabCount)).toBe(5)
})

test('a row inserted with supabase-js reaches every subscribed tab exactly once, and no other tab', async ({ context }) => {
  const tabs = await openTabs(context, 5)
  const id = Date.now()
  const grill = { type: 'postgres_changes', filter: { event: 'INSERT', schema: 'public', table: 'e2e_orders', filter: 'station=eq.grill' } }
  for (const tab of tabs.slice(0, 3)) await subscribeIn(tab, 'orders', 'orders', [grill])
  await subscribeIn(tabs[3], 'orders', 'orders', [{ type: 'postgres_changes', filter: { event: 'INSERT', schema: 'public', table: 'e2e_orders', filter: 'station=eq.bar' } }])
  await subscribeIn(tabs[4], 'chat', 'chat', [{ type: 'broadcast', filter: { event: '*' } }])
  const insert = (row: { id: number; station: string; qty: number }) =>
    tabs[0].evaluate(async (row) => {
      const { error } = await window.supabase.from('e2e_orders').insert(row)
      return error?.message ?? 'ok'
    }, row)
  expect(await insert({ id, station: 'grill', qty: 2 })).toBe('ok')
  for (const tab of tabs.slice(0, 3)) {
    const [event] = await expectEvents(tab, 'orders', 1)
    expect(event).toMatchObject({ eventType: 'INSERT', table: 'e2e_orders', new: { id, station: 'grill', qty: 2 } })
  }
  // Barriers: a later row for each filter, and a chat message through the same socket. Once each has
  // arrived, a second copy of the first row (or one routed to the wrong tab) would have arrived before it.
  expect(await insert({ id: id + 1, station: 'grill', qty: 0 })).toBe('ok')
  expect(await insert({ id: id + 2, station: 'bar', qty: 0 })).toBe('ok')
  const chat = await outsideListener('chat')
  const marker = newMarker()
  await chat.send('marker', marker)
  for (const tab of tabs.slice(0, 3)) {
    const events = await expectEvents(tab, 'orders', 2)
    expect(events.map((e) => e.new.id)).toEqual([id, id + 1])
  }
  expect((await expectEvents(tabs[3], 'orders', 1)).map((e) => e.new.id)).toEqual([id + 2])
  expect(await untilMarker(() => eventsIn(tabs[4], 'chat'), marker)).toEqual([{ type: 'broadcast', event: 'marker', payload: marker }])
  await chat.close()
  expect((await dev('stats')).sockets).toBe(1)
})

test('a broadcast from tab 1 reaches tabs 2–5, and tab 1 only with self', async ({ context }) => {
  const tabs = await openTabs(context, 5)
  await subscribeIn(tabs[0], 'chat', 'chat', [{ type: 'broadcast', filter: { event: 'say' } }])
  for (const tab of tabs.slice(1)) await subscribeIn(tab, 'chat', 'chat', [{ type: 'broadcast', filter: { event: 'say' } }])
  const send = (page = tabs[0], payload: Record<string, unknown> = { text: 'hi' }) =>
    page.evaluate((payload) => window.__channels.chat.send({ type: 'broadcast', event: 'say', payload }), payload)
  expect(await send()).toBe('ok')
  for (const tab of tabs.slice(1)) expect(await expectEvents(tab, 'chat', 1)).toEqual([{ type: 'broadcast', event: 'say', payload: { text: 'hi' } }])
  // Barrier: tab 2 speaks after tab 1 on the same channel and socket; once tab 1 hears that, its own
  // message would have reached it before, had the hub not kept it from its sender.
  const marker = newMarker()
  expect(await send(tabs[1], marker)).toBe('ok')
  expect(await untilMarker(() => eventsIn(tabs[0], 'chat'), marker)).toEqual([{ type: 'broadcast', event: 'say', payload: marker }])

  // A tab that asked for self hears its own message too.
  const selfTab = await openTab(context)
  await subscribeIn(selfTab, 'chat', 'chat', [{ type: 'broadcast', filter: { event: 'say' } }], { broadcast: { self: true } })
  expect(await send(selfTab, { text: 'me too' })).toBe('ok')
  expect(await expectEvents(selfTab, 'chat', 1)).toEqual([{ type: 'broadcast', event: 'say', payload: { text: 'me too' } }])
  expect((await expectEvents(tabs[0], 'chat', 2)).map((m) => m.payload)).toEqual([marker, { text: 'me too' }])
})

test('presence shows one key for five tabs of one user', async ({ context }) => {
  const tabs = await openTabs(context, 5)
  for (const tab of tabs) await subscribeIn(tab, 'room', 'room', [{ type: 'presence', filter: { event: 'sync' } }])
  for (const [i, tab] of tabs.entries()) {
    await tab.evaluate((i) => window.__channels.room.track({ user: 'ada', tab: i }), i)
  }
  // An outside observer with plain supabase-js sees one presence key with one entry.
  const observer = await context.browser()!.newContext().then((c) => c.newPage())
  await observer.goto(tabs[0].url())
  const keys = await observer.evaluate(async () => {
    const client = window.createClient(window.demoConfig.supabaseUrl, window.demoConfig.anonKey)
    const channel = client.channel('room')
    channel.on('presence', { event: 'sync' }, () => {})
    await new Promise<void>((resolve) => channel.subscribe((s: string) => s === 'SUBSCRIBED' && resolve()))
    for (let i = 0; i < 100; i++) {
      const state = channel.presenceState<{ tab: number }>()
      const keys = Object.keys(state)
      if (keys.length === 1 && state[keys[0]].length === 1 && state[keys[0]][0].tab === 4) return state
      await new Promise((r) => setTimeout(r, 50)) // a poll: presence settles after several syncs
    }
    return channel.presenceState()
  })
  expect(Object.keys(keys)).toHaveLength(1)
  for (const tab of tabs) {
    await expect.poll(() => tab.evaluate(() => Object.keys(window.__channels.room.presenceState()).length)).toBe(1)
  }
  await observer.context().close()
})

test('closing four tabs releases only the topics that only they used, within a second', async ({ context }) => {
  const tabs = await openTabs(context, 5)
  await subscribeIn(tabs[0], 'shared', 'shared', [{ type: 'broadcast', filter: { event: '*' } }])
  for (const [i, tab] of tabs.slice(1).entries()) {
    await subscribeIn(tab, 'shared', 'shared', [{ type: 'broadcast', filter: { event: '*' } }])
    await subscribeIn(tab, `own-${i}`, `own-${i}`, [{ type: 'broadcast', filter: { event: '*' } }])
  }
  expect(Object.keys((await dev('stats')).channels).sort()).toEqual(['realtime:own-0', 'realtime:own-1', 'realtime:own-2', 'realtime:own-3', 'realtime:shared'])
  for (const tab of tabs.slice(1)) await tab.close()
  const closedAt = Date.now()
  await expect.poll(async () => (await dev('stats')).channels, { timeout: 5_000, intervals: [25] }).toEqual({ 'realtime:shared': 1 })
  // The bound: the server sees the phx_leave within a second of the tabs closing.
  expect(Date.now() - closedAt).toBeLessThan(1_000)
  expect((await dev('stats')).sockets).toBe(1)
})

test('a reloaded tab subscribes again and keeps receiving', async ({ context }) => {
  const [one, two] = await openTabs(context, 2)
  await subscribeIn(one, 'chat', 'chat', [{ type: 'broadcast', filter: { event: '*' } }])
  await subscribeIn(two, 'chat', 'chat', [{ type: 'broadcast', filter: { event: '*' } }])
  await two.reload()
  await two.waitForFunction(() => typeof window.realtime === 'object')
  await subscribeIn(two, 'chat', 'chat', [{ type: 'broadcast', filter: { event: '*' } }])
  await one.evaluate(() => window.__channels.chat.send({ type: 'broadcast', event: 'after-reload', payload: { n: 1 } }))
  expect(await expectEvents(two, 'chat', 1)).toEqual([{ type: 'broadcast', event: 'after-reload', payload: { n: 1 } }])
  const stats = await dev('stats')
  expect(stats.sockets).toBe(1)
  expect(stats.channels).toEqual({ 'realtime:chat': 1 })
})

test('a crashed tab releases its subscriptions and presence within a second', async ({ context }) => {
  const [stays, crashes] = await openTabs(context, 2)
  await subscribeIn(stays, 'room', 'crash-room', [{ type: 'presence', filter: { event: 'sync' } }])
  await subscribeIn(crashes, 'room', 'crash-room', [{ type: 'presence', filter: { event: 'sync' } }])
  await subscribeIn(crashes, 'mine', 'crash-only', [{ type: 'broadcast', filter: { event: '*' } }])
  await crashes.evaluate(() => window.__channels.room.track({ who: 'crashing tab' }))
  await expect.poll(() => stays.evaluate(() => Object.keys(window.__channels.room.presenceState()).length)).toBe(1)
  const cdp = await context.newCDPSession(crashes)
  void cdp.send('Page.crash').catch(() => {}) // never answered: the renderer is gone
  const crashedAt = Date.now()
  await expect.poll(async () => (await dev('stats')).channels, { timeout: 5_000, intervals: [25] }).toEqual({ 'realtime:crash-room': 1 })
  expect(Date.now() - crashedAt).toBeLessThan(1_000)
  await expect.poll(() => stays.evaluate(() => Object.keys(window.__channels.room.presenceState()).length)).toBe(0)
})

// Without SharedWorker but with Web Locks the tabs elect a leader and share one socket (leader.spec.ts);
// without Web Locks either, each tab runs its own hub.
test('without SharedWorker and Web Locks the same API runs on an in-page hub (one socket per tab)', async ({ context }) => {
  await context.addInitScript(() => {
    delete (window as { SharedWorker?: unknown }).SharedWorker
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined })
  })
  const [one, two] = await openTabs(context, 2)
  await subscribeIn(one, 'chat', 'fallback', [{ type: 'broadcast', filter: { event: '*' } }])
  await subscribeIn(two, 'chat', 'fallback', [{ type: 'broadcast', filter: { event: '*' } }])
  expect(await one.evaluate(() => window.__channels.chat.send({ type: 'broadcast', event: 'hi', payload: { n: 1 } }))).toBe('ok')
  expect(await expectEvents(two, 'chat', 1)).toEqual([{ type: 'broadcast', event: 'hi', payload: { n: 1 } }])
  const stats = await dev('stats')
  expect(stats.sockets).toBe(2)
  expect(await one.evaluate(() => window.realtime.getHealthStatus().mode)).toBe('in-page')
  const findings = await one.evaluate(() => window.realtime.healthCheck())
  expect(findings).toContainEqual(expect.objectContaining({ id: 'no-shared-worker', message: expect.stringContaining('Web Locks') }))
})
