/**
 * Deploys (issue 16): an old deploy's hub and a new deploy's hub in one browser. The new hub announces
 * its protocol version; the old one hands over the stored outbox and tells its tabs (onUpdateAvailable).
 * Nothing queued on either side is lost or sent twice. The old hub is played by an in-page hub that
 * announces protocol 1 (the demo's test-only `?announceProtocol=`).
 */
import { expect, test, type Page } from '@playwright/test'
import { PROTOCOL_VERSION } from '../packages/worker/src/protocol/wire.ts'
import { channelIn, dev, expectQueuedOnceInOrder, openTab, outsideListener, resetServer, sendIn } from './support.ts'

const FAST = { backoffInitialMs: 100, backoffMaxMs: 500, breakerResetMs: 500 }

test.beforeEach(async () => {
  await resetServer()
})

test.afterEach(async () => {
  await dev('refuse', { ms: 0 })
})

const outbox = (tab: Page) => tab.evaluate(() => window.realtime.getHealthStatus().outbox)
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
