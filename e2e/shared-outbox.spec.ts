/**
 * Two hubs over one IndexedDB outbox (issue 16): a SharedWorker and, in a tab without SharedWorker, an
 * in-page hub. Only the owner of the project's outbox lock flushes it, so 50 messages queued through
 * both while the server refuses connections arrive exactly once each at a plain supabase-js observer.
 */
import { expect, test, type Page } from '@playwright/test'
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
