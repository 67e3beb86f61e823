/**
 * The hub and several tab clients in one Node realm (MessageChannels instead of a SharedWorker),
 * against the local server: one socket, one join per topic, exact fan-out, presence, rejoin, leave.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { RealtimeClient } from '@supabase/supabase-js'
import { createServer } from '../../../server/src/index.ts'
import { RealtimeError } from '../../../client/src/index.ts'
import { dev, eventually, setupHub, subscribed, type HubHandle, type TestServer } from '../support/setup.ts'

let server: TestServer & { stats(): any }
let handle: HubHandle
const direct: RealtimeClient[] = []

beforeAll(async () => {
  server = (await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })) as never
  await dev(server, 'sql', {
    query: `create table if not exists public.hub_items (id bigint primary key, kind text, qty int);
            alter publication supabase_realtime add table public.hub_items;`,
  })
})

afterAll(async () => {
  await server?.close()
})

afterEach(async () => {
  for (const c of direct.splice(0)) await c.disconnect()
  await handle?.cleanup()
  await dev(server, 'reset', {})
})

function directClient(): RealtimeClient {
  const client = new RealtimeClient(`${server.url.replace('http', 'ws')}/realtime/v1`, {
    params: { apikey: server.anonKey },
    transport: WebSocket as never,
  })
  direct.push(client)
  return client
}

async function stats() {
  return dev(server, 'stats')
}

describe('one socket for every tab', () => {
  it('opens one websocket and one join per topic for five tabs', async () => {
    handle = setupHub(server)
    const tabs = Array.from({ length: 5 }, () => handle.openTab())
    await Promise.all(tabs.map((t) => subscribed(t.channel('lobby').on('broadcast', { event: 'ping' }, () => {}))))
    await Promise.all(tabs.slice(0, 2).map((t) => subscribed(t.channel('kitchen').on('broadcast', { event: '*' }, () => {}))))
    const s = await stats()
    expect(s.sockets).toBe(1)
    expect(s.channels).toEqual({ 'realtime:lobby': 1, 'realtime:kitchen': 1 })
    expect(s.joinsTotal).toBe(2)
    // Health reaches tabs as pushes (spaced 50 ms apart): the mirror catches up.
    await eventually(() => {
      const health = tabs[0].getHealthStatus()
      return health.tabCount === 5 && health.subscriptionCount === 7 && health.channelCount === 2
    }, { what: '5 tabs, 7 subscriptions, 2 channels in the health mirror' })
  })

  it('delivers a broadcast from tab 1 to the other tabs, and to tab 1 only with self', async () => {
    handle = setupHub(server)
    const [one, two, three] = [handle.openTab(), handle.openTab(), handle.openTab()]
    const got: Record<string, unknown[]> = { one: [], two: [], three: [], outsider: [] }
    const a = one.channel('room', { config: { broadcast: { self: true } } }).on('broadcast', { event: 'msg' }, (p) => got.one.push(p))
    const b = two.channel('room').on('broadcast', { event: 'msg' }, (p) => got.two.push(p))
    const c = three.channel('room').on('broadcast', { event: 'other' }, (p) => got.three.push(p))
    const outsider = directClient().channel('room').on('broadcast', { event: 'msg' }, (p) => got.outsider.push(p))
    await Promise.all([subscribed(a), subscribed(b), subscribed(c), subscribed(outsider)])

    await expect(a.send({ type: 'broadcast', event: 'msg', payload: { n: 1 } })).resolves.toBe('ok')
    await eventually(() => got.outsider.length === 1 && got.two.length === 1 && got.one.length === 1, { what: 'deliveries' })
    expect(got.two).toEqual([{ type: 'broadcast', event: 'msg', payload: { n: 1 } }])
    expect(got.one).toEqual(got.two)
    expect(got.three).toEqual([])

    // Without self, the sender's own tab does not hear it; the others still do, exactly once.
    await b.send({ type: 'broadcast', event: 'msg', payload: { n: 2 } })
    await eventually(() => got.one.length === 2 && got.outsider.length === 2)
    await new Promise((r) => setTimeout(r, 100))
    expect(got.two).toHaveLength(1)
    expect(got.one[1]).toEqual({ type: 'broadcast', event: 'msg', payload: { n: 2 } })
  })

  it('delivers a postgres change to every subscribed tab exactly once and to no other tab', async () => {
    handle = setupHub(server)
    const [one, two, three] = [handle.openTab(), handle.openTab(), handle.openTab()]
    const got: Record<string, any[]> = { one: [], two: [], three: [] }
    const inserts = { event: 'INSERT', schema: 'public', table: 'hub_items' } as const
    await subscribed(one.channel('items').on('postgres_changes', inserts, (p) => got.one.push(p)))
    await subscribed(two.channel('items').on('postgres_changes', { ...inserts, filter: 'kind=eq.tea' }, (p) => got.two.push(p)))
    await subscribed(three.channel('other').on('broadcast', { event: '*' }, (p) => got.three.push(p)))
    const before = await stats()
    expect(before.channels['realtime:items']).toBe(1)
    await dev(server, 'sql', { query: `insert into public.hub_items (id, kind, qty) values (1, 'coffee', 2), (2, 'tea', 3)` })
    await eventually(() => got.one.length === 2 && got.two.length === 1, { what: 'changes' })
    await new Promise((r) => setTimeout(r, 150))
    expect(got.one.map((p) => p.new.id)).toEqual([1, 2])
    expect(got.two).toHaveLength(1)
    expect(got.two[0]).toMatchObject({ eventType: 'INSERT', schema: 'public', table: 'hub_items', new: { id: 2, kind: 'tea', qty: 3 }, old: {} })
    expect(got.three).toEqual([])
  })

  it('shows one presence key for many tabs and untracks when the last tracking tab leaves', async () => {
    handle = setupHub(server)
    const tabs = [handle.openTab(), handle.openTab(), handle.openTab()]
    const channels = tabs.map((t) => t.channel('presence-room').on('presence', { event: 'sync' }, () => {}))
    await Promise.all(channels.map(subscribed))
    const watcher = directClient().channel('presence-room')
    watcher.on('presence', { event: 'sync' }, () => {})
    await subscribed(watcher)
    await channels[0].track({ name: 'ada', tab: 0 })
    await channels[1].track({ name: 'ada', tab: 1 })
    await eventually(() => {
      const state = watcher.presenceState() as Record<string, any[]>
      const keys = Object.keys(state)
      return keys.length === 1 && state[keys[0]].length === 1 && state[keys[0]][0].tab === 1
    }, { what: 'one presence with the latest track' })
    // Every tab sees the same state synchronously.
    await eventually(() => Object.keys(channels[2].presenceState()).length === 1)
    // A tab that joins the already-joined topic later gets the state and a sync, as a direct subscriber would.
    const late = handle.openTab()
    let syncs = 0
    const lateChannel = late.channel('presence-room').on('presence', { event: 'sync' }, () => syncs++)
    await subscribed(lateChannel)
    await eventually(() => syncs >= 1 && Object.keys(lateChannel.presenceState()).length === 1, { what: 'sync for a late subscriber' })
    await late.close()
    await channels[1].untrack()
    await eventually(() => (Object.values(watcher.presenceState())[0] as any[])?.[0]?.tab === 0, { what: 'fallback to the other tracker' })
    await tabs[0].close()
    await eventually(() => Object.keys(watcher.presenceState()).length === 0, { what: 'untrack when the last tracker leaves' })
  })

  it('rejoins with the union when a tab adds a binding the join does not carry', async () => {
    handle = setupHub(server)
    const [one, two] = [handle.openTab(), handle.openTab()]
    const got: Record<string, any[]> = { one: [], two: [] }
    await subscribed(one.channel('union').on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'hub_items' }, (p) => got.one.push(p)))
    await subscribed(two.channel('union').on('postgres_changes', { event: 'DELETE', schema: 'public', table: 'hub_items' }, (p) => got.two.push(p)))
    await dev(server, 'sql', { query: `insert into public.hub_items (id, kind, qty) values (10, 'x', 1); delete from public.hub_items where id = 10` })
    await eventually(() => got.one.length === 1 && got.two.length === 1)
    expect(got.two[0]).toMatchObject({ eventType: 'DELETE', old: { id: 10 } })
    const s = await stats()
    expect(s.channels['realtime:union']).toBe(1)
  })

  it('leaves a topic when its last subscriber goes, and only that topic', async () => {
    handle = setupHub(server, {}, { leaveGraceMs: 50 })
    const [one, two] = [handle.openTab(), handle.openTab()]
    await subscribed(one.channel('shared').on('broadcast', { event: '*' }, () => {}))
    await subscribed(two.channel('shared').on('broadcast', { event: '*' }, () => {}))
    await subscribed(two.channel('only-two').on('broadcast', { event: '*' }, () => {}))
    expect((await stats()).channels).toEqual({ 'realtime:shared': 1, 'realtime:only-two': 1 })
    await two.close()
    await eventually(async () => {
      const s = await stats()
      return s.channels['realtime:only-two'] === undefined && s.channels['realtime:shared'] === 1
    }, { what: 'phx_leave of only-two' })
  })

  it('gives typed errors for bad input at the call site', async () => {
    handle = setupHub(server)
    const tab = handle.openTab()
    const channel = tab.channel('bad')
    expect(() => channel.on('postgres' as never, {} as never, () => {})).toThrow(RealtimeError)
    expect(() => channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table: 't', filter: 'id=like' } as never, () => {})).toThrow(/malformed filter/)
    expect(() => tab.channel('')).toThrow(/non-empty name/)
    await subscribed(channel.on('broadcast', { event: 'x' }, () => {}))
    await expect(channel.send({ type: 'broadcast', event: 'x', payload: { f: () => 1 } })).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(channel.send({ type: 'broadcast', event: '', payload: {} })).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(tab.configure({ heartbeatIntervalMs: -5 })).rejects.toMatchObject({ code: 'invalid-argument' })
    await tab.close()
    expect(() => tab.channel('after')).toThrow(/after close/)
    await expect(tab.setAuth('x')).rejects.toMatchObject({ code: 'closed' })
  })

  it('recovers from a channel the server closed for too many messages, backing off at least maxMs', async () => {
    handle = setupHub(server, {}, { backoff: { initialMs: 50, maxMs: 300 }, limits: { eventsPerSecond: 1000 } })
    const [one, two] = [handle.openTab(), handle.openTab()]
    const got: unknown[] = []
    const statuses: string[] = []
    const a = one.channel('flood', { config: { broadcast: { self: true } } }).on('broadcast', { event: '*' }, () => {})
    const b = two.channel('flood').on('broadcast', { event: '*' }, (p) => got.push(p))
    await subscribed(a)
    b.subscribe((status) => statuses.push(status))
    await eventually(() => statuses.includes('SUBSCRIBED'))
    await dev(server, 'limits', { maxEventsPerSecond: 5, windowMs: 1000 })
    try {
      const outsider = directClient().channel('flood')
      await subscribed(outsider)
      for (let i = 0; i < 20; i++) await outsider.send({ type: 'broadcast', event: 'burst', payload: { i } })
      const closedAt = Date.now()
      await eventually(() => statuses.includes('CHANNEL_ERROR'), { what: 'the server closing the channel' })
      const lastError = await eventually(() => one.getHealthStatus().lastError, { what: 'lastError in the mirror' })
      expect(lastError).toMatchObject({ code: 'rate-limited', message: 'Too many messages per second', retryable: true })
      await dev(server, 'limits', { maxEventsPerSecond: 100_000 })
      await eventually(() => statuses.at(-1) === 'SUBSCRIBED', { what: 'rejoin after backoff' })
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(300)
      await a.send({ type: 'broadcast', event: 'after', payload: { ok: true } })
      await eventually(() => got.some((p: any) => p.event === 'after'), { what: 'events flow again' })
    } finally {
      await dev(server, 'limits', { maxEventsPerSecond: 100, windowMs: 60_000 })
    }
  })

  it('pause() closes the socket and keeps subscriptions, sends and presence for resume()', async () => {
    handle = setupHub(server)
    const [one, two] = [handle.openTab(), handle.openTab()]
    const a = one.channel('pause-room').on('presence', { event: 'sync' }, () => {})
    await subscribed(a)
    const outside: any[] = []
    const watcher = directClient().channel('pause-room')
    watcher.on('broadcast', { event: '*' }, (m) => outside.push(m))
    watcher.on('presence', { event: 'sync' }, () => {})
    await subscribed(watcher)
    await two.pause()
    await eventually(async () => (await stats()).sockets === 1, { what: 'the shared socket closed (only the watcher left)' })
    await eventually(() => one.getHealthStatus().status === 'paused')
    expect(await a.send({ type: 'broadcast', event: 'while-paused', payload: { n: 1 } })).toBe('queued')
    expect(await a.track({ name: 'ada' })).toBe('queued')
    await new Promise((r) => setTimeout(r, 200))
    expect(outside).toEqual([])
    expect((await stats()).sockets).toBe(1)
    await one.resume()
    await eventually(() => outside.length === 1, { what: 'the queued message after resume' })
    expect(outside[0]).toMatchObject({ event: 'while-paused', payload: { n: 1 } })
    await eventually(() => Object.values(watcher.presenceState() as Record<string, any[]>).some((metas) => metas[0]?.name === 'ada'), {
      what: 'presence applied after resume',
    })
  })

  it('disconnect() and reconnect() from any tab', async () => {
    handle = setupHub(server)
    const [one, two] = [handle.openTab(), handle.openTab()]
    const statuses: string[] = []
    one.channel('manual').on('broadcast', { event: '*' }, () => {}).subscribe((s) => statuses.push(s))
    await eventually(() => statuses.includes('SUBSCRIBED'))
    await two.disconnect()
    await eventually(async () => (await stats()).sockets === 0, { what: 'socket closed' })
    await eventually(() => one.getHealthStatus().status === 'idle')
    await two.reconnect()
    await eventually(() => statuses.filter((s) => s === 'SUBSCRIBED').length === 2, { what: 'rejoined' })
    expect((await stats()).sockets).toBe(1)
  })
})

