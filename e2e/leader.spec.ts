/**
 * Leader election without SharedWorker (issue 16): SharedWorker is removed by an init script, so the
 * tabs elect a leader with Web Locks; its hub serves every tab over BroadcastChannel.
 */
import { expect, test, type Page } from '@playwright/test'
import { dev, eventsIn, newMarker, openTabWithoutSharedWorker, outsideListener, resetServer, subscribeIn, untilMarker } from './support.ts'

test.beforeEach(async () => {
  await resetServer()
})

const modeOf = (tab: Page) => tab.evaluate(() => ({ mode: window.realtime.getHealthStatus().mode, leaderEpoch: window.realtime.getHealthStatus().leaderEpoch }))

test('five tabs without SharedWorker share one socket through an elected leader', async ({ context }) => {
  const tabs: Page[] = []
  for (let i = 0; i < 5; i++) tabs.push(await openTabWithoutSharedWorker(context))
  for (const tab of tabs) await subscribeIn(tab, 'lobby', 'lobby', [{ type: 'broadcast', filter: { event: '*' } }])
  const stats = await dev('stats')
  expect(stats.sockets).toBe(1)
  expect(stats.channels).toEqual({ 'realtime:lobby': 1 })
  await expect.poll(() => tabs[4].evaluate(() => window.realtime.getHealthStatus().tabCount)).toBe(5)
  const modes = await Promise.all(tabs.map(modeOf))
  expect(modes.map((m) => m.mode).sort()).toEqual(['follower', 'follower', 'follower', 'follower', 'leader'])
  expect(new Set(modes.map((m) => m.leaderEpoch)).size).toBe(1)
  expect(modes[0].leaderEpoch).toEqual(expect.any(Number))

  const outside = await outsideListener('lobby')
  const marker = newMarker()
  await outside.send('hello', marker)
  for (const tab of tabs) expect(await untilMarker(() => eventsIn(tab, 'lobby'), marker)).toHaveLength(1)
  await outside.close()
})
