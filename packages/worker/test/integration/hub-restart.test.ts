/**
 * A tab whose hub is replaced (the SharedWorker was killed and a new one started), against the local
 * server (issue #12): the tab re-registers, hears a resync for the outage window it saw, and every
 * rejection it gets on the way is a RealtimeError with a code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createHub, type Hub } from '../../src/index.ts'
import { createServer } from '../../../server/src/index.ts'
import { createJwtVerifier } from '../../../server/src/auth.ts'
import { createSharedRealtime, RealtimeError, type ResyncNotice, type SharedRealtime } from '../../../client/src/index.ts'
import { dev, eventually, subscribed, type TestServer } from '../support/setup.ts'

let server: TestServer
const hubs: Hub[] = []
const ports: MessagePort[] = []
const tabs: SharedRealtime[] = []

beforeAll(async () => {
  server = (await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })) as never
  await dev(server, 'sql', {
    query: `create table if not exists public.restart_rows (id bigint primary key, note text);
            alter publication supabase_realtime add table public.restart_rows;`,
  })
})

afterAll(async () => {
  await server?.close()
})

afterEach(async () => {
  await Promise.all(tabs.splice(0).map((t) => t.close()))
  for (const hub of hubs.splice(0)) hub.close()
  for (const port of ports.splice(0)) port.close()
  await dev(server, 'reset', {})
})

/**
 * "The SharedWorker": each endpoint() call reaches the current hub through a relay that `kill()` makes
 * silent (a killed worker never answers), then starts a new hub for the next endpoint() call.
 */
function worker() {
  let hub = createHub({ transport: WebSocket })
  hubs.push(hub)
  let relays: { silent: boolean }[] = []
  const endpoint = () => {
    const tabSide = new MessageChannel()
    const hubSide = new MessageChannel()
    ports.push(tabSide.port1, tabSide.port2, hubSide.port1, hubSide.port2)
    const relay = { silent: false }
    relays.push(relay)
    const forward = (from: MessagePort, to: MessagePort) => {
      from.addEventListener('message', (event) => {
        if (!relay.silent) to.postMessage(event.data, [...(event.ports ?? [])])
      })
      from.start()
    }
    forward(tabSide.port2, hubSide.port1)
    forward(hubSide.port1, tabSide.port2)
    hub.connect(hubSide.port2)
    return tabSide.port1
  }
  const kill = () => {
    for (const relay of relays) relay.silent = true
    relays = []
    hub.close()
    hub = createHub({ transport: WebSocket })
    hubs.push(hub)
  }
  return { endpoint, kill }
}

function openTab(endpoint: () => MessagePort, options = {}) {
  const tab = createSharedRealtime(server.url, server.anonKey, { endpoint, timeoutMs: 400, hubCheckIntervalMs: 100, ...options })
  tabs.push(tab)
  return tab
}

describe('hub restart', () => {
  it('resyncs a Postgres-changes channel for the outage the tab saw when its hub is replaced (defect 2)', async () => {
    const sw = worker()
    const tab = openTab(sw.endpoint)
    const rows: number[] = []
    const resyncs: ResyncNotice[] = []
    const channel = tab
      .channel('rows')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'restart_rows' }, (p) => rows.push((p.new as { id: number }).id))
    channel.onResync((notice) => resyncs.push(notice))
    await subscribed(channel)
    await dev(server, 'sql', { query: `insert into public.restart_rows values (1, 'before')` })
    await eventually(() => rows.includes(1), { what: 'row 1' })

    const killedAt = Date.now()
    sw.kill()
    // Inserted while no hub serves the tab: missed, so a resync must cover it.
    await dev(server, 'sql', { query: `insert into public.restart_rows values (2, 'during')` })
    await eventually(() => resyncs.length > 0, { what: 'a resync after the hub restart' })
    expect(resyncs[0]).toMatchObject({ reason: 'hub-restarted' })
    expect(resyncs[0].since).toBeLessThanOrEqual(killedAt)
    expect(resyncs[0].until).toBeGreaterThan(killedAt)
    // Live again through the new hub.
    await dev(server, 'sql', { query: `insert into public.restart_rows values (3, 'after')` })
    await eventually(() => rows.includes(3), { what: 'row 3 through the new hub' })
    expect(resyncs).toHaveLength(1)
  })

  it('fills the gap of a private broadcast channel from the replay: each of three tabs gets every message once, in order (issue #15)', async () => {
    const sw = worker()
    const topic = `restart-replay-${crypto.randomUUID().slice(0, 8)}`
    const send = (from: number, to: number) =>
      dev(server, 'sql', { query: Array.from({ length: to - from + 1 }, (_, i) => `select realtime.send('{"n": ${from + i}}'::jsonb, 'tick', '${topic}', true);`).join('\n') })
    const listeners = await Promise.all(
      [0, 1, 2].map(async () => {
        const tab = openTab(sw.endpoint)
        await tab.setAuth(await createJwtVerifier().sign({ role: 'authenticated', sub: crypto.randomUUID() }))
        const got: number[] = []
        const notices: (ResyncNotice & { gotBefore: number })[] = []
        const channel = tab.channel(topic, { config: { private: true } }).on('broadcast', { event: 'tick' }, (m) => got.push(m.payload.n))
        channel.onResync((notice) => notices.push({ ...notice, gotBefore: got.length }))
        await subscribed(channel)
        return { got, notices }
      }),
    )
    await send(1, 5)
    await eventually(() => listeners.every((l) => l.got.length === 5), { what: 'the first five messages' })
    sw.kill()
    // Written while no hub serves the tabs: the new hub knows nothing, the tabs' hints say where they were.
    await send(6, 12)
    await eventually(() => listeners.every((l) => l.notices.length === 1), { what: 'a resync notice in every tab' })
    await send(13, 15)
    await eventually(() => listeners.every((l) => l.got.length === 15), { what: 'all fifteen messages' })
    for (const { got, notices } of listeners) {
      expect(got).toEqual(Array.from({ length: 15 }, (_, i) => i + 1))
      expect(notices).toEqual([expect.objectContaining({ reason: 'hub-restarted', complete: true })])
      // The notice came after the replayed messages: nothing of 6..12 arrived after it.
      expect(notices[0].gotBefore).toBeGreaterThanOrEqual(12)
    }
  })

  it('keeps trying when its first connection gets no answer, then registers what the app subscribed meanwhile', async () => {
    const sw = worker()
    let calls = 0
    const tab = openTab(() => {
      // The first worker never answers (killed while starting); the next one does.
      if (++calls === 1) {
        const silent = new MessageChannel()
        ports.push(silent.port1, silent.port2)
        return silent.port1
      }
      return sw.endpoint()
    })
    const statuses: string[] = []
    const channel = tab.channel('late').subscribe((status) => statuses.push(status))
    await eventually(() => statuses.includes('SUBSCRIBED'), { what: 'SUBSCRIBED through the second worker' })
    expect(calls).toBeGreaterThanOrEqual(2)
    await expect(channel.send({ type: 'broadcast', event: 'e', payload: {} })).resolves.toBe('ok')
  })

  it('rejects nothing untyped while the hub is replaced under a stream of sends (defect 4)', async () => {
    const sw = worker()
    const tab = openTab(sw.endpoint)
    const channel = tab.channel('typed')
    await subscribed(channel)
    const outcomes: unknown[] = []
    const sends: Promise<void>[] = []
    let killed = false
    for (let i = 0; i < 40; i++) {
      sends.push(
        channel.send({ type: 'broadcast', event: 'e', payload: { i } }).then(
          (status) => void outcomes.push(status),
          (error) => void outcomes.push(error),
        ),
      )
      if (i === 5 && !killed) {
        killed = true
        sw.kill()
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    await Promise.all(sends)
    const failures = outcomes.filter((o) => typeof o !== 'string')
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(RealtimeError)
      expect(typeof (failure as RealtimeError).code).toBe('string')
    }
    // After the restart, sends go through the new hub.
    await eventually(async () => (await channel.send({ type: 'broadcast', event: 'e', payload: { i: 99 } })) === 'ok', { what: 'a send through the new hub' })
  })
})
