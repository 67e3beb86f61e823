/**
 * The tab client's own API against a real hub (MessageChannel) and the local server: shareRealtime,
 * the manager style, metrics and diagnostics, alerts, and cleanup.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createClient } from '@supabase/supabase-js'
import { createHub, type Hub } from '../../worker/src/index.ts'
import { createServer } from '../../server/src/index.ts'
import { RealtimeError, realtimeUrlOf, shareRealtime, createSharedRealtime, type SharedRealtime } from '../src/index.ts'
import { dev, eventually, setupHub, subscribed, type HubHandle, type TestServer } from '../../worker/test/support/setup.ts'

let server: TestServer
let handle: HubHandle | undefined
const extra: { hub: Hub; clients: SharedRealtime[] }[] = []

beforeAll(async () => {
  server = (await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })) as never
  await dev(server, 'sql', {
    query: `create table if not exists public.client_api (id bigint primary key, note text);
            alter publication supabase_realtime add table public.client_api;`,
  })
})

afterAll(async () => {
  await server?.close()
})

afterEach(async () => {
  await handle?.cleanup()
  handle = undefined
  for (const { hub, clients } of extra.splice(0)) {
    await Promise.all(clients.map((c) => c.close()))
    hub.close()
  }
})

describe('createSharedRealtime', () => {
  it('turns project URLs into Realtime endpoints', () => {
    expect(realtimeUrlOf('https://xyz.supabase.co')).toBe('wss://xyz.supabase.co/realtime/v1')
    expect(realtimeUrlOf('http://127.0.0.1:54321')).toBe('ws://127.0.0.1:54321/realtime/v1')
    expect(realtimeUrlOf('wss://x.example/realtime/v1')).toBe('wss://x.example/realtime/v1')
  })

  it('refuses bad arguments where they are given', () => {
    expect(() => createSharedRealtime('not a url', 'key')).toThrow(/not a valid URL/)
    expect(() => createSharedRealtime('ftp://x', 'key')).toThrow(/unsupported URL scheme/)
    expect(() => createSharedRealtime('http://x', '')).toThrow(/API key is required/)
    // A JWT key that expired long ago can never connect.
    const expired = `e30.${btoa(JSON.stringify({ role: 'anon', exp: 1 }))}.sig`
    const error = (() => {
      try {
        createSharedRealtime('http://x', expired)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(RealtimeError)
    expect(error).toMatchObject({ code: 'unauthorized' })
  })
})

describe('shareRealtime', () => {
  it('shares the realtime part of a supabase-js client and follows its auth state', async () => {
    const hub = createHub({ transport: WebSocket })
    const supabase = createClient(server.url, server.anonKey, { auth: { persistSession: false }, realtime: { transport: WebSocket as never } })
    const realtime = shareRealtime(supabase, {
      endpoint: () => {
        const { port1, port2 } = new MessageChannel()
        hub.connect(port2)
        return port1
      },
    })
    extra.push({ hub, clients: [realtime] })
    const rows: unknown[] = []
    await subscribed(realtime.channel('shared-client').on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'client_api' }, (p) => rows.push(p.new)))
    const { error } = await (supabase.from('client_api') as any).insert({ id: 1, note: 'through supabase-js REST' })
    expect(error).toBeNull()
    await eventually(() => rows.length === 1, { what: 'the inserted row' })
    expect(rows[0]).toEqual({ id: 1, note: 'through supabase-js REST' })
    expect(realtime.getHealthStatus().status).toBe('connected')
  })
})

describe('access tokens', () => {
  it('joins with the token from the accessToken callback, never before it', async () => {
    handle = setupHub(server)
    let release!: (token: string | null) => void
    const token = new Promise<string | null>((resolve) => (release = resolve))
    const tab = handle.openTab({ accessToken: () => token })
    const statuses: string[] = []
    tab.channel('token-first').on('broadcast', { event: '*' }, () => {}).subscribe((s) => statuses.push(s))
    await new Promise((r) => setTimeout(r, 300))
    expect((await dev(server, 'stats')).channels['realtime:token-first']).toBeUndefined()
    expect(statuses).toEqual([])
    release(server.anonKey)
    await eventually(() => statuses.includes('SUBSCRIBED'), { what: 'join once the token is known' })
  })

  it('falls back to the API key when the callback throws, instead of waiting forever', async () => {
    handle = setupHub(server)
    const tab = handle.openTab({
      accessToken: async () => {
        throw new Error('auth service down')
      },
    })
    const statuses: string[] = []
    tab.channel('token-fails').on('broadcast', { event: '*' }, () => {}).subscribe((s) => statuses.push(s))
    await eventually(() => statuses.includes('SUBSCRIBED'), { what: 'join with the API key' })
  })
})

describe('manager style', () => {
  it('shares one channel per key, runs callbacks by priority, and unsubscribes by key', async () => {
    handle = setupHub(server)
    const tab = handle.openTab()
    const calls: string[] = []
    const offLow = tab.subscribe('notes', { event: 'INSERT', table: 'client_api', callback: () => calls.push('low'), priority: 0 })
    tab.subscribe('notes', { event: 'INSERT', table: 'client_api', callback: () => calls.push('high'), priority: 10 })
    expect(() => tab.subscribe('notes', { event: 'DELETE', table: 'client_api', callback: () => {} })).toThrow(/already listens/)
    await eventually(async () => (await dev(server, 'stats')).channels['realtime:notes'] === 1, { what: 'join' })
    await eventually(() => tab.getChannels()[0]?.state === 'joined')
    // Wait for the Postgres subscription to be confirmed before writing.
    await new Promise((r) => setTimeout(r, 200))
    await dev(server, 'sql', { query: `insert into public.client_api (id, note) values (10, 'a')` })
    await eventually(() => calls.length === 2, { what: 'both callbacks' })
    expect(calls).toEqual(['high', 'low'])
    offLow()
    offLow() // idempotent
    await dev(server, 'sql', { query: `insert into public.client_api (id, note) values (11, 'b')` })
    await eventually(() => calls.length === 3)
    expect(calls[2]).toBe('high')
    await tab.unsubscribe('notes')
    await eventually(async () => (await dev(server, 'stats')).channels['realtime:notes'] === undefined, { what: 'leave' })
  })
})

describe('delivery options on the real hub', () => {
  it('batches every row; close() delivers the waiting batch; a throwing transform shows as the health lastError', async () => {
    handle = setupHub(server)
    const tab = handle.openTab()
    const seen: number[] = []
    const batches: number[][] = []
    tab.subscribe('delivery', { event: 'INSERT', table: 'client_api', callback: (change) => seen.push(change.new.id as number) })
    tab.subscribe('delivery', { event: 'INSERT', table: 'client_api', batch: { maxSize: 1000, maxWaitMs: 600_000 }, callback: (changes) => batches.push(changes.map((c) => c.new.id as number)) })
    tab.subscribe('delivery', { event: 'INSERT', table: 'client_api', transform: () => { throw new Error('bad row') }, callback: () => {} })
    await eventually(() => tab.getChannels()[0]?.state === 'joined', { what: 'join' })
    // The mirror shows it until the hub's next health push, so record every snapshot.
    const errors: string[] = []
    tab.onHealthChange((health) => health.lastError && errors.push(health.lastError.code))
    await new Promise((r) => setTimeout(r, 200))
    await dev(server, 'sql', { query: `insert into public.client_api (id, note) values (31, 'a'), (32, 'b'), (33, 'c')` })
    await eventually(() => seen.length === 3, { what: 'three rows in the tab' })
    expect(errors.filter((code) => code === 'transform-failed')).toHaveLength(3)
    expect(batches).toEqual([])
    await tab.close()
    expect(batches).toEqual([[31, 32, 33]])
  })
})

describe('send()', () => {
  it('refuses a payload over limits.maxPayloadBytes at the call, with a typed error, and sends nothing', async () => {
    handle = setupHub(server)
    const tab = handle.openTab({ limits: { maxPayloadBytes: 100 } })
    const other = handle.openTab()
    const got: unknown[] = []
    await subscribed(other.channel('size').on('broadcast', { event: '*' }, (m) => got.push(m.payload)))
    const ch = tab.channel('size')
    await subscribed(ch)
    await expect(ch.send({ type: 'broadcast', event: 'big', payload: { text: 'x'.repeat(200) } })).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringContaining('over the 100-byte limit'),
    })
    // A small one after it is the barrier: once it has arrived, the big one would have too.
    expect(await ch.send({ type: 'broadcast', event: 'small', payload: { text: 'ok' } })).toBe('ok')
    await eventually(() => got.length === 1, { what: 'the small message in the other tab' })
    expect(got).toEqual([{ text: 'ok' }])
  })
})

describe('metrics, diagnostics and alerts', () => {
  it('reports counters, delivery latency measured in the tab, and findings', async () => {
    handle = setupHub(server)
    const [a, b] = [handle.openTab(), handle.openTab()]
    const ch = a.channel('metrics', { config: { broadcast: { self: true } } }).on('broadcast', { event: '*' }, () => {})
    await subscribed(ch)
    await subscribed(b.channel('metrics').on('broadcast', { event: '*' }, () => {}))
    for (let i = 0; i < 5; i++) await ch.send({ type: 'broadcast', event: 'tick', payload: { i } })
    const metrics = await eventually(async () => {
      const m = await a.getPerformanceMetrics()
      return m.latency.delivery && m.latency.delivery.count >= 5 ? m : null
    })
    expect(metrics.totals.messagesOut).toBe(5)
    expect(metrics.totals.deliveries).toBe(10)
    expect(metrics.totals.bytesOut).toBeGreaterThan(0)
    expect(metrics.channels.find((c) => c.topic === 'metrics')).toMatchObject({ subscribers: 2, messagesOut: 5 })
    expect(await a.healthCheck()).toEqual([])
  })

  it('raises alerts in every tab and ships metrics batches on an interval', async () => {
    handle = setupHub(server)
    const [a, b] = [handle.openTab(), handle.openTab()]
    await subscribed(a.channel('alerts').on('broadcast', { event: '*' }, () => {}))
    const alerts: unknown[] = []
    b.onAlert((alert) => alerts.push(alert))
    await expect(a.setAlertRules([{ id: 'x', metric: 'nope' as never, above: 1 }])).rejects.toMatchObject({ code: 'invalid-argument' })
    // Latency is always above -1 ms: the rule fires at once, then respects its cooldown.
    await a.setAlertRules([{ id: 'always', metric: 'latency', above: -1, cooldownMs: 60_000 }])
    await eventually(() => alerts.length === 1, { what: 'alert' })
    expect(alerts[0]).toMatchObject({ rule: 'always', metric: 'latency' })
    const batches: unknown[] = []
    const stop = a.onMetrics((m) => batches.push(m), { intervalMs: 100 })
    await eventually(() => batches.length >= 2, { what: 'two metric batches' })
    stop()
    const count = batches.length
    await new Promise((r) => setTimeout(r, 250))
    expect(batches.length).toBe(count)
    await a.setAlertRules([])
  })

  it('cleanup() releases every subscription of the tab only', async () => {
    handle = setupHub(server, {}, { leaveGraceMs: 0 })
    const [a, b] = [handle.openTab(), handle.openTab()]
    await subscribed(a.channel('c1').on('broadcast', { event: '*' }, () => {}))
    await subscribed(a.channel('c2').on('broadcast', { event: '*' }, () => {}))
    await subscribed(b.channel('c2').on('broadcast', { event: '*' }, () => {}))
    await a.cleanup()
    expect(a.getChannels()).toEqual([])
    await eventually(async () => {
      const s = await dev(server, 'stats')
      return s.channels['realtime:c1'] === undefined && s.channels['realtime:c2'] === 1
    })
  })
})
