/**
 * Two hubs over one stored outbox (two deploys, or a SharedWorker and an in-page fallback), against the
 * local server, with a Web Locks stand-in and a BroadcastChannel stand-in: only the owner flushes, so
 * every queued message reaches a plain supabase-js observer exactly once, also when the owner dies.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../../../server/src/index.ts'
import { outsideClient, subscribed } from '../../../../test-support/outside-client.ts'
import { createMemoryOutboxStore } from '../../src/index.ts'
import { createWebLocksOwner } from '../../src/outbox/owner-lock.ts'
import { createChannelOutboxSignal } from '../../src/outbox/outbox-signal.ts'
import { OUTBOX_CHANNEL_NAME } from '../../src/protocol/names.ts'
import { FakeBus, FakeLocks } from '../support/fake-locks.ts'
import { dev, eventually, setupHub, type HubHandle, type TestServer } from '../support/setup.ts'

let server: TestServer
const handles: HubHandle[] = []
const closers: (() => unknown)[] = []

beforeAll(async () => {
  server = (await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })) as never
})

afterAll(async () => {
  await server?.close()
})

afterEach(async () => {
  await dev(server, 'refuse', { ms: 0 })
  await Promise.all(handles.splice(0).map((h) => h.cleanup()))
  for (const close of closers.splice(0)) await close()
  await dev(server, 'reset', {})
})

const FAST = { backoff: { initialMs: 50, maxMs: 200 }, circuitBreaker: { resetMs: 200 } }

/** One origin: a shared store, one lock manager, one BroadcastChannel bus. */
function origin() {
  const store = createMemoryOutboxStore()
  const locks = new FakeLocks()
  const bus = new FakeBus()
  return {
    store,
    hub(epoch: string) {
      const handle = setupHub(server, { epoch, createStore: () => store, ownerLock: createWebLocksOwner(locks), outboxSignal: createChannelOutboxSignal(bus.channel(OUTBOX_CHANNEL_NAME)) }, FAST as never)
      handles.push(handle)
      return handle
    },
  }
}

async function observer(topic: string) {
  const client = outsideClient(server.url, server.anonKey)
  const received: { k: number; from: string }[] = []
  const channel = client.channel(topic).on('broadcast', { event: 'm' }, (message) => received.push(message.payload as { k: number; from: string }))
  await subscribed(channel)
  closers.push(() => client.removeAllChannels())
  return received
}

async function queue(handle: HubHandle, topic: string, from: string, ks: number[]) {
  const tab = handle.openTab()
  const channel = tab.channel(topic)
  channel.subscribe()
  for (const k of ks) expect(await channel.send({ type: 'broadcast', event: 'm', payload: { k, from } })).toBe('queued')
  return tab
}

function expectOnceInOrder(received: { k: number; from: string }[], total: number) {
  expect(received).toHaveLength(total)
  expect(new Set(received.map((m) => m.k)).size).toBe(total)
  for (const from of new Set(received.map((m) => m.from))) {
    const ks = received.filter((m) => m.from === from).map((m) => m.k)
    expect(ks).toEqual([...ks].sort((a, b) => a - b))
  }
}

describe('two hubs over one stored outbox', () => {
  it('50 messages queued through both while the server refuses arrive exactly once when it is back', async () => {
    const topic = `shared-outbox-${Date.now()}`
    const received = await observer(topic)
    await dev(server, 'refuse', { ms: 600_000 })
    const o = origin()
    const a = o.hub('hub-a')
    const tabA = await queue(a, topic, 'a', Array.from({ length: 25 }, (_, k) => k))
    // The second hub starts with 25 entries in the store: before owners, it loaded and flushed them too.
    const b = o.hub('hub-b')
    const tabB = await queue(b, topic, 'b', Array.from({ length: 25 }, (_, k) => 25 + k))
    expect(tabA.getHealthStatus().outbox.owner).toBe(true)
    await eventually(() => tabB.getHealthStatus().outbox.owner === false, { what: 'hub b appends only' })
    await eventually(() => tabA.getHealthStatus().outbox.size === 50, { what: 'the owner holds all 50' })
    await dev(server, 'refuse', { ms: 0 })
    await eventually(() => received.length >= 50, { timeoutMs: 15_000, what: '50 deliveries' })
    await eventually(() => tabA.getHealthStatus().outbox.size === 0 && tabB.getHealthStatus().outbox.size === 0, { what: 'both outboxes empty' })
    // Room for a late duplicate to show up.
    await new Promise((r) => setTimeout(r, 300))
    expectOnceInOrder(received, 50)
  })

  it('when the owner ends with entries queued, the other hub takes over and sends each exactly once', async () => {
    const topic = `owner-dies-${Date.now()}`
    const received = await observer(topic)
    await dev(server, 'refuse', { ms: 600_000 })
    const o = origin()
    const a = o.hub('hub-a')
    await queue(a, topic, 'a', [0, 1, 2, 3, 4])
    const b = o.hub('hub-b')
    const tabB = await queue(b, topic, 'b', [5, 6, 7, 8, 9])
    await eventually(() => tabB.getHealthStatus().outbox.owner === false, { what: 'hub b appends only' })
    await a.cleanup()
    await eventually(() => tabB.getHealthStatus().outbox.owner === true, { what: 'hub b owns after hub a ended' })
    await eventually(() => tabB.getHealthStatus().outbox.size === 10, { what: 'hub b adopted all 10' })
    await dev(server, 'refuse', { ms: 0 })
    await eventually(() => received.length >= 10 && tabB.getHealthStatus().outbox.size === 0, { timeoutMs: 15_000, what: '10 deliveries' })
    await new Promise((r) => setTimeout(r, 300))
    expectOnceInOrder(received, 10)
  })
})
