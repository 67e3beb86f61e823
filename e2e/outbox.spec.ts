/**
 * The offline outbox (issue 5): sends made while the server refuses connections are stored in
 * IndexedDB by the worker, survive the worker being killed and every tab closing, and are delivered
 * once each, in order, when the server is back.
 */
import { expect, test, type Page } from '@playwright/test'
import { createJwtVerifier } from '../packages/server/src/auth.ts'
import { channelIn, dev, hubEpoch, killSharedWorker, newMarker, openTab, openTabs, outsideListener, resetServer, sendIn, untilMarker } from './support.ts'

// Short backoff and breaker so that a restored server is noticed within a second.
const FAST = { backoffInitialMs: 100, backoffMaxMs: 500, breakerResetMs: 500 }

test.beforeEach(async () => {
  await resetServer()
})

test.afterEach(async () => {
  await dev('refuse', { ms: 0 })
})

const outboxSize = (tab: Page) => tab.evaluate(() => window.realtime.getHealthStatus().outbox.size)

/**
 * The barrier for "nothing more was sent": once the outbox is empty, a marker sent through the same hub
 * and socket arrives after anything the hub sent before it. Expects it to arrive last; returns what the
 * listener got before it.
 */
async function beforeMarker(tab: Page, name: string, received: RecordedEvent[], event: string): Promise<RecordedEvent[]> {
  await expect.poll(() => outboxSize(tab)).toBe(0)
  await expect.poll(() => tab.evaluate((name) => window.__statuses[name].at(-1), name)).toBe('SUBSCRIBED')
  const marker = newMarker()
  expect(await sendIn(tab, name, event, marker)).toBe('ok')
  const all = await untilMarker(() => received, marker)
  expect(all.at(-1)).toMatchObject({ event, payload: marker })
  return all.slice(0, -1)
}

test('50 sends from three tabs survive a killed worker and closed tabs, and arrive exactly once, in order', async ({ context }) => {
  const topic = `outbox-${Date.now()}`
  const listener = await outsideListener(topic, 'm')
  await dev('refuse', { ms: 600_000 })
  const tabs = await openTabs(context, 3, FAST)
  for (const tab of tabs) await channelIn(tab, 'out', topic)
  for (let k = 0; k < 50; k++) {
    const tab = k % 3
    expect(await sendIn(tabs[tab], 'out', 'm', { k, tab })).toBe('queued')
  }
  await expect.poll(() => tabs[0].evaluate(() => window.realtime.getHealthStatus().outbox)).toMatchObject({ size: 50, storage: 'indexeddb' })

  const epoch = await hubEpoch(tabs[0])
  await killSharedWorker(tabs[0])
  // Every tab notices and moves to a new worker on its own.
  for (const tab of tabs) await expect.poll(() => hubEpoch(tab)).not.toBe(epoch)
  for (const tab of tabs) await tab.close()

  const again = await openTab(context, FAST)
  await expect.poll(() => outboxSize(again)).toBe(50)
  expect(listener.received).toEqual([])
  await dev('refuse', { ms: 0 })

  await expect.poll(() => listener.received.length, { timeout: 20_000 }).toBe(50)
  await channelIn(again, 'out', topic)
  const got = (await beforeMarker(again, 'out', listener.received, 'm')).map((m) => m.payload as { k: number; tab: number })
  expect(got).toHaveLength(50)
  expect(new Set(got.map((m) => m.k)).size).toBe(50)
  for (const tab of [0, 1, 2]) {
    const order = got.filter((m) => m.tab === tab).map((m) => m.k)
    expect(order).toEqual([...order].sort((a, b) => a - b))
  }
  // Across tabs too: the order in which the hub received them.
  expect(got.map((m) => m.k)).toEqual(Array.from({ length: 50 }, (_, k) => k))
  expect(await outboxSize(again)).toBe(0)
  await listener.close()
})

test('the outbox is capped: the oldest entries are dropped and counted', async ({ context }) => {
  const topic = `cap-${Date.now()}`
  const listener = await outsideListener(topic, 'm')
  await dev('refuse', { ms: 600_000 })
  const tab = await openTab(context, FAST)
  await tab.evaluate(() => window.realtime.configure({ outbox: { maxSize: 5 } }))
  await channelIn(tab, 'out', topic)
  for (let k = 0; k < 8; k++) expect(await sendIn(tab, 'out', 'm', { k })).toBe('queued')
  await expect.poll(() => tab.evaluate(() => window.realtime.getHealthStatus().outbox)).toMatchObject({ size: 5, dropped: 3 })
  await dev('refuse', { ms: 0 })
  await expect.poll(() => listener.received.length, { timeout: 20_000 }).toBe(5)
  expect((await beforeMarker(tab, 'out', listener.received, 'm')).map((m) => m.payload.k)).toEqual([3, 4, 5, 6, 7])
  await listener.close()
})

test('entries past their ttlMs are dropped and counted instead of sent', async ({ context }) => {
  const topic = `ttl-${Date.now()}`
  const listener = await outsideListener(topic, '*')
  await dev('refuse', { ms: 600_000 })
  const tab = await openTab(context, FAST)
  await channelIn(tab, 'out', topic)
  expect(await sendIn(tab, 'out', 'position', { lat: 1 }, { ttlMs: 300 })).toBe('queued')
  expect(await sendIn(tab, 'out', 'chat', { text: 'still wanted' })).toBe('queued')
  await expect.poll(() => tab.evaluate(() => window.realtime.getHealthStatus().outbox.expired)).toBe(1)
  await dev('refuse', { ms: 0 })
  await expect.poll(() => listener.received.length, { timeout: 20_000 }).toBe(1)
  expect((await beforeMarker(tab, 'out', listener.received, 'marker')).map((m) => m.event)).toEqual(['chat'])
  await listener.close()
})

test('after a user switch nothing of the first user is sent with the second user\'s token', async ({ context }) => {
  const topic = `users-${Date.now()}`
  const listener = await outsideListener(topic, '*')
  const signer = createJwtVerifier()
  const [alice, bob] = await Promise.all([signer.sign({ role: 'authenticated', sub: 'alice' }), signer.sign({ role: 'authenticated', sub: 'bob' })])
  await dev('refuse', { ms: 600_000 })
  const tab = await openTab(context, FAST)
  await tab.evaluate((token) => window.realtime.setAuth(token), alice)
  await channelIn(tab, 'out', topic)
  for (let k = 0; k < 3; k++) expect(await sendIn(tab, 'out', 'alice-says', { k })).toBe('queued')
  await tab.evaluate((token) => window.realtime.setAuth(token), bob)
  await expect.poll(() => outboxSize(tab)).toBe(0)
  expect(await sendIn(tab, 'out', 'bob-says', { k: 0 })).toBe('queued')
  await dev('refuse', { ms: 0 })
  await expect.poll(() => listener.received.length, { timeout: 20_000 }).toBe(1)
  expect((await beforeMarker(tab, 'out', listener.received, 'marker')).map((m) => m.event)).toEqual(['bob-says'])
  await listener.close()
})
