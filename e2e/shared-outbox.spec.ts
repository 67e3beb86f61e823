/**
 * Two hubs over one IndexedDB outbox (issue 16). A SharedWorker and, in a tab without SharedWorker, an
 * in-page hub: only the owner of the project's outbox lock flushes it, so 50 messages queued through
 * both while the server refuses connections arrive exactly once each at a plain supabase-js observer.
 * Deploys: an old deploy's hub and a new one's; the new hub announces its protocol version, the old one
 * hands over the stored outbox and tells its tabs (onUpdateAvailable). The old hub is played by an
 * in-page hub that announces protocol 1 (the demo's test-only `?announceProtocol=`).
 */
import { expect, test, type Page } from '@playwright/test'
import { PROTOCOL_VERSION } from '../packages/worker/src/protocol/wire.ts'
import { channelIn, dev, expectQueuedOnceInOrder, openTab, openTabWithoutSharedWorker, outsideListener, resetServer, sendIn } from './support.ts'

const FAST = { backoffInitialMs: 100, backoffMaxMs: 500, breakerResetMs: 500 }

test.beforeEach(async () => {
  await resetServer()
})

test.afterEach(async () => {
  await dev('refuse', { ms: 0 })
})

const outbox = (tab: Page) => tab.evaluate(() => window.realtime.getHealthStatus().outbox)

test('a SharedWorker hub and an in-page hub share the stored outbox: 50 queued messages arrive exactly once', async ({ context }) => {
  const topic = `two-hubs-${Date.now()}`
  const listener = await outsideListener(topic, 'm')
  await dev('refuse', { ms: 600_000 })

  const worker = await openTab(context, FAST)
  await channelIn(worker, 'out', topic)
  for (let k = 0; k < 25; k++) expect(await sendIn(worker, 'out', 'm', { k, from: 'worker' })).toBe('queued')
  await expect.poll(() => outbox(worker)).toMatchObject({ size: 25, storage: 'indexeddb', owner: true })

  // Starts with the worker's 25 entries in IndexedDB: without one owner it would send them too.
  const page = await openTabWithoutSharedWorker(context, FAST)
  expect(await page.evaluate(() => window.realtime.getHealthStatus().epoch)).not.toBe(await worker.evaluate(() => window.realtime.getHealthStatus().epoch))
  await channelIn(page, 'out', topic)
  for (let k = 25; k < 50; k++) expect(await sendIn(page, 'out', 'm', { k, from: 'page' })).toBe('queued')
  await expect.poll(() => outbox(page)).toMatchObject({ size: 25, storage: 'indexeddb', owner: false })
  // The owner learns of the in-page hub's entries and holds all 50.
  await expect.poll(() => outbox(worker).then((o) => o.size)).toBe(50)
  expect(listener.received).toEqual([])

  await dev('refuse', { ms: 0 })
  // Barriers: a marker through each hub's socket once its outbox is empty.
  await expectQueuedOnceInOrder([worker, page], listener.received, 50)
  await listener.close()
})

const updates = (tab: Page) => tab.evaluate(() => (window as unknown as { __updates: unknown[] }).__updates)

test('a newer hub appears: old tabs hear onUpdateAvailable, the old hub hands over its queue, nothing is lost or sent twice', async ({ context }) => {
  const topic = `deploy-${Date.now()}`
  const listener = await outsideListener(topic, 'm')
  await dev('refuse', { ms: 600_000 })

  const old = await openTab(context, { ...FAST, announceProtocol: PROTOCOL_VERSION - 1 })
  await old.evaluate(() => {
    const updates: unknown[] = ((window as unknown as { __updates: unknown[] }).__updates = [])
    window.realtime.onUpdateAvailable((info) => updates.push(info))
  })
  await channelIn(old, 'out', topic)
  for (let k = 0; k < 20; k++) expect(await sendIn(old, 'out', 'm', { k, from: 'old' })).toBe('queued')
  await expect.poll(() => outbox(old)).toMatchObject({ size: 20, owner: true })
  expect(await updates(old)).toEqual([])

  const fresh = await openTab(context, FAST)
  await expect.poll(() => updates(old)).toEqual([{ protocol: PROTOCOL_VERSION }])
  await expect.poll(() => outbox(old).then((o) => o.owner)).toBe(false)
  await expect.poll(() => outbox(fresh)).toMatchObject({ size: 20, owner: true })
  // A late listener hears it too (once known, at once).
  expect(await old.evaluate(() => new Promise((resolve) => window.realtime.onUpdateAvailable(resolve)))).toEqual({ protocol: PROTOCOL_VERSION })

  // The old tab keeps working: its sends are queued and reach the new owner.
  for (let k = 20; k < 30; k++) expect(await sendIn(old, 'out', 'm', { k, from: 'old' })).toBe('queued')
  await channelIn(fresh, 'out', topic)
  for (let k = 30; k < 40; k++) expect(await sendIn(fresh, 'out', 'm', { k, from: 'new' })).toBe('queued')
  await expect.poll(() => outbox(fresh).then((o) => o.size)).toBe(40)

  await dev('refuse', { ms: 0 })
  await expectQueuedOnceInOrder([fresh, old], listener.received, 40)
  // Two sockets during the rollout: the old tab's hub keeps its own until the tab reloads.
  expect((await dev('stats')).sockets).toBe(3)
  await listener.close()
})
