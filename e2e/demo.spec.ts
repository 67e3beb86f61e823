/**
 * The demo dashboard (issue 6), driven like a visitor would: three tabs of one browser on one
 * socket; every panel clicked, its effect asserted in the other tabs through the DOM.
 */
import { copyFileSync, mkdirSync } from 'node:fs'
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { dev, SERVER_URL } from './support.ts'

const PARAMS = new URLSearchParams({ url: SERVER_URL, heartbeatIntervalMs: '2000', backoffInitialMs: '300', backoffMaxMs: '2000' })
const PANEL_CHANNELS = 6 // orders, stock, chat, driver, ops, staff:orders (kitchen)

test.use({ viewport: { width: 1440, height: 1000 } })
test.setTimeout(120_000)

async function openDashboard(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`/?${PARAMS}`)
  return page
}

async function expectLive(page: Page): Promise<void> {
  await expect(page.locator('#connection')).toHaveAttribute('data-status', 'connected')
  await expect(page.locator('[data-channel-status="SUBSCRIBED"]')).toHaveCount(PANEL_CHANNELS)
}

const nameOf = (page: Page) => page.locator('[data-list=roster] .you').getAttribute('data-name') as Promise<string>

test('the dashboard: orders, stock, chat, driver, outage and debug panel across three tabs on one socket', async ({ context }) => {
  await dev('reset', {})
  // Known stock, whatever ran before on this server: one sale takes Tiramisu to its threshold (5).
  await dev('sql', { query: "update public.products set stock = case name when 'Tiramisu' then 6 else 40 end where name in ('Tiramisu', 'Margherita pizza')" })

  const first = await openDashboard(context)
  const second = await openDashboard(context)
  // The third tab comes from the dashboard's own "Open another tab" button.
  const [third] = await Promise.all([context.waitForEvent('page'), first.getByRole('button', { name: 'Open another tab' }).click()])
  const tabs = [first, second, third]
  for (const tab of tabs) await expectLive(tab)
  for (const tab of tabs) await expect(tab.locator('#connection')).toContainText('3 tabs on 1 socket')
  await expect(first.locator('#connection [data-field=server]')).toHaveText('server: 1 socket')
  const stats = await dev('stats')
  expect(stats.sockets).toBe(1)
  expect(Object.keys(stats.channels).sort()).toEqual(['realtime:chat', 'realtime:driver', 'realtime:ops', 'realtime:orders', 'realtime:staff:orders', 'realtime:stock'])

  await test.step('a new order appears in every tab, and its status change too', async () => {
    await first.getByRole('button', { name: 'New order' }).click()
    await expect(first.locator('#orders [role=status]')).toContainText(/Order #\d+/)
    const id = (await first.locator('#orders [role=status]').textContent())!.match(/#(\d+)/)![1]
    for (const tab of tabs) await expect(tab.locator(`[data-order-id="${id}"]`)).toHaveAttribute('data-status', 'new')
    // The kitchen feed (private, broadcast from the database, staff only) has it too.
    for (const tab of tabs) await expect(tab.locator(`[data-kitchen-order="${id}"]`).first()).toHaveAttribute('data-replayed', 'false')
    await second.locator(`[data-order-id="${id}"]`).getByRole('button', { name: /mark preparing/ }).click()
    for (const tab of tabs) await expect(tab.locator(`[data-order-id="${id}"]`)).toHaveAttribute('data-status', 'preparing')
  })

  await test.step('selling the last-but-one tiramisu raises a low-stock alert in every tab', async () => {
    for (const tab of tabs) await expect(tab.locator('.alert')).toHaveCount(0)
    await second.getByRole('button', { name: 'Sell one Tiramisu' }).click()
    for (const tab of tabs) {
      await expect(tab.locator('[data-product="Tiramisu"] [data-field=stock]')).toHaveText('5')
      await expect(tab.locator('.alert[data-product="Tiramisu"]')).toContainText('5 left (reorder at 5)')
    }
    // Well above its threshold: the stock list updates, no alert is raised.
    await third.getByRole('button', { name: 'Sell one Margherita pizza' }).click()
    for (const tab of tabs) await expect(tab.locator('[data-product="Margherita pizza"] [data-field=stock]')).toHaveText('39')
    for (const tab of tabs) await expect(tab.locator('.alert')).toHaveCount(1)
  })

  await test.step('chat: every tab knows every name, sees typing, and gets the message', async () => {
    const names = await Promise.all(tabs.map(nameOf))
    expect(new Set(names).size).toBe(3)
    for (const tab of tabs) {
      for (const name of names) await expect(tab.locator(`[data-list=roster] [data-name="${name}"]`)).toHaveCount(1)
      // Presence is one entry per shared socket: three tabs of one browser are one presence.
      await expect(tab.locator('[data-field=presence]')).toHaveAttribute('data-count', '1')
    }
    await third.locator('#chat-text').pressSequentially('Two tiramisu', { delay: 20 })
    for (const tab of [first, second]) await expect(tab.locator('[data-field=typing]')).toHaveText(`${names[2]} is typing…`)
    await third.locator('#chat-text').press('Enter')
    for (const tab of tabs) await expect(tab.locator('[data-list=messages] .msg').last()).toContainText(`${names[2]}Two tiramisu`)
    for (const tab of [first, second]) await expect(tab.locator('[data-field=typing]')).toHaveText('')
  })

  await test.step('the driver in one tab moves on the map of the others', async () => {
    const driver = await nameOf(first)
    await first.getByRole('button', { name: 'Start driving' }).click()
    await expect(first.getByRole('button', { name: 'Stop driving' })).toHaveAttribute('aria-pressed', 'true')
    const marker = second.locator(`.marker[data-driver="${driver}"]`)
    await expect(marker).toHaveCount(1)
    const where = () => marker.evaluate((m) => `${(m as SVGElement).dataset.x},${(m as SVGElement).dataset.y}`)
    const start = await where()
    await expect.poll(where, { timeout: 5_000 }).not.toBe(start)
    await expect(third.locator(`.marker[data-driver="${driver}"]`)).toHaveCount(1)
    await expect(second.locator(`[data-list=drivers] [data-driver="${driver}"]`)).toContainText('on the road')

    // The README picture: the wide layout, and the 375 px one beside it in the test output. Only
    // UPDATE_README_PICTURE=1 copies it into docs/, so a test run leaves the working tree clean.
    await second.waitForTimeout(1_200) // let the marker glide to its fix
    await second.screenshot({ path: test.info().outputPath('dashboard.png') })
    if (process.env.UPDATE_README_PICTURE === '1') {
      mkdirSync('docs', { recursive: true })
      copyFileSync(test.info().outputPath('dashboard.png'), 'docs/demo.png')
    }
    await second.setViewportSize({ width: 375, height: 812 })
    await second.screenshot({ path: test.info().outputPath('dashboard-375.png'), fullPage: true })
    await second.setViewportSize({ width: 1440, height: 1000 })

    await first.getByRole('button', { name: 'Stop driving' }).click()
    await expect(marker).toHaveCount(0)
  })

  await test.step('outage simulator: dropping every socket shows reconnecting, then connected again', async () => {
    await second.evaluate(() => {
      const w = window as unknown as { __indicator: string[] }
      w.__indicator = []
      const el = document.getElementById('connection')!
      new MutationObserver(() => w.__indicator.push(el.dataset.status!)).observe(el, { attributeFilter: ['data-status'] })
    })
    await third.getByRole('button', { name: 'Drop all sockets' }).click()
    await expect(third.locator('[data-list=timeline] li').first()).toBeVisible()
    for (const tab of tabs) await expect(tab.locator('[data-list=timeline] [data-kind=reconnecting]')).not.toHaveCount(0)
    for (const tab of tabs) await expectLive(tab)
    const seen = await second.evaluate(() => (window as unknown as { __indicator: string[] }).__indicator)
    expect(seen).toContain('reconnecting')
    expect(seen.at(-1)).toBe('connected')
    await expect(third.locator('[data-list=timeline]')).toContainText('server dropped 1 socket')
    await expect.poll(async () => (await dev('stats')).sockets).toBe(1)
    // Still one socket and still delivering: a chat line after the outage reaches the others.
    await first.locator('#chat-text').fill('back online')
    await first.locator('#chat-text').press('Enter')
    for (const tab of [second, third]) await expect(tab.locator('[data-list=messages] .msg').last()).toContainText('back online')
  })

  await test.step('kitchen feed: orders written while the socket is down are replayed, once, and the window is complete', async () => {
    const kitchen = (tab: Page) => tab.locator('#kitchen')
    await kitchen(third).getByRole('button', { name: 'Write 3 orders during an outage' }).click()
    for (const tab of tabs) {
      await expect(kitchen(tab).locator('[data-field=resync]')).toContainText(/3 replayed, complete/, { timeout: 20_000 })
      await expect(kitchen(tab).locator('[data-replayed=true]')).toHaveCount(3)
      await expect(kitchen(tab).locator('[data-replayed=true] strong')).toHaveText(['During outage 3', 'During outage 2', 'During outage 1'])
    }
    for (const tab of tabs) await expectLive(tab)
    // The RLS policy means it: a user without the staff claim may not join.
    await kitchen(first).getByRole('button', { name: 'Try as a guest' }).click()
    await expect(kitchen(first).locator('[data-field=guest]')).toContainText('guest refused: Unauthorized: You do not have permissions to read from this Channel topic: staff:orders')
  })

  await test.step('debug panel: pause, resume, reconnect and cleanup', async () => {
    const panel = second.locator('#debug')
    const state = (tab: Page) => tab.locator('#debug .srdp-state')
    await expect(state(second)).toHaveText('connected')
    await expect(panel.locator('[data-stat=tabs]')).toHaveText('3')
    await expect(panel.locator('[data-list=channels] li')).toHaveCount(PANEL_CHANNELS)
    await expect(panel.locator('[data-stat=subscriptions]')).toHaveText(String(3 * PANEL_CHANNELS))
    await expect(panel.locator('path')).toHaveAttribute('d', /^M/) // the latency sparkline has samples

    await panel.getByRole('button', { name: 'Pause' }).click()
    for (const tab of tabs) await expect(state(tab)).toHaveText('paused') // one hub: every tab is paused
    await expect(first.locator('#connection')).toHaveAttribute('data-status', 'paused')
    await expect(panel.getByRole('button', { name: 'Pause' })).toBeDisabled()
    await panel.getByRole('button', { name: 'Resume' }).click()
    for (const tab of tabs) await expectLive(tab)

    const before = (await dev('stats')).socketsTotal
    await panel.getByRole('button', { name: 'Reconnect' }).click()
    await expect.poll(async () => (await dev('stats')).socketsTotal).toBeGreaterThan(before)
    for (const tab of tabs) await expectLive(tab)

    await panel.getByRole('button', { name: 'Cleanup' }).click()
    await expect(panel.locator('[data-list=channels]')).toHaveText('none')
    await expect(second.locator('[data-channel-status="CLOSED"]')).toHaveCount(PANEL_CHANNELS)
    await expect(panel.locator('[data-stat=subscriptions]')).toHaveText(String(2 * PANEL_CHANNELS))
    for (const tab of [first, third]) await expectLive(tab) // the other tabs keep theirs
    // Rejoin brings one panel back, on the same socket.
    await second.locator('#orders').getByRole('button', { name: 'Rejoin' }).click()
    await expect(second.locator('#orders [data-channel-status]')).toHaveAttribute('data-channel-status', 'SUBSCRIBED')
    expect((await dev('stats')).sockets).toBe(1)
  })

  await second.screenshot({ path: test.info().outputPath('dashboard-end.png'), fullPage: true })
})
