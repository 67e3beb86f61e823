/**
 * The React example (examples/react-chat, StrictMode on) in three tabs of one browser against the
 * local server: one socket, one join per topic, one presence entry per browser, a message rendered
 * once in the other tabs, a throttled typing indicator, and the status badge through a dropped socket.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { E2E_EXAMPLE_PORT } from '../playwright.config.ts'
import { SERVER_URL, dev, resetServer } from './support.ts'

const EXAMPLE_URL = `http://127.0.0.1:${E2E_EXAMPLE_PORT}`

test.beforeEach(async () => {
  await resetServer()
})

async function openChat(context: BrowserContext, name: string, room: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${EXAMPLE_URL}/?${new URLSearchParams({ url: SERVER_URL, name, room })}`)
  await expect(page.getByTestId('status')).toHaveAttribute('data-status', 'connected')
  return page
}

/** Every status the badge rendered, in order (a MutationObserver on its data-status). */
async function recordBadge(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const badge = document.querySelector('[data-testid="status"]')!
    const seen: string[] = [badge.getAttribute('data-status')!]
    window.__badge = seen
    new MutationObserver(() => seen.push(badge.getAttribute('data-status')!)).observe(badge, { attributes: true, attributeFilter: ['data-status'] })
  })
  return () => page.evaluate(() => window.__badge)
}

const messagesIn = (page: Page) => page.getByTestId('messages').locator('li')

test('three StrictMode tabs: one socket, one join per topic, one presence per browser, messages once, badge through a drop', async ({ context, browser }) => {
  const room = `room-${Date.now()}`
  const tabs = [await openChat(context, 'ann', room), await openChat(context, 'ann', room), await openChat(context, 'ann', room)]

  // StrictMode really mounted everything twice (a development build of React).
  for (const tab of tabs) expect(await tab.evaluate(() => window.__rootEffects)).toBe(2)

  // One presence entry for this browser in every tab, however many tabs and StrictMode mounts.
  for (const tab of tabs) await expect(tab.getByTestId('presence').locator('li')).toHaveText(['ann'])

  const stats = await dev('stats')
  expect(stats.sockets).toBe(1)
  expect(stats.channels).toEqual({ [`realtime:chat:${room}`]: 1 })
  // No more joins than topics, whatever StrictMode's double mount did.
  expect(stats.joinsTotal).toBe(Object.keys(stats.channels).length)

  // A message sent in tab 1 is rendered once in tabs 2 and 3 (and once in tab 1, locally).
  await tabs[0].getByRole('textbox', { name: 'message' }).fill('hello from tab 1')
  await tabs[0].getByRole('button', { name: 'Send' }).click()
  for (const tab of tabs.slice(1)) await expect(messagesIn(tab)).toHaveText(['ann hello from tab 1'])
  await expect(messagesIn(tabs[0])).toHaveText(['ann hello from tab 1'])
  // A marker from tab 2: once it is in tab 3, a duplicate of the first message would be too.
  await tabs[1].getByRole('textbox', { name: 'message' }).fill('marker')
  await tabs[1].getByRole('button', { name: 'Send' }).click()
  await expect(messagesIn(tabs[2])).toHaveText(['ann hello from tab 1', 'ann marker'])
  await expect(messagesIn(tabs[0])).toHaveText(['ann hello from tab 1', 'ann marker'])

  // Typing in tab 1 (throttled to one event a second) shows in the other tabs.
  await tabs[0].getByRole('textbox', { name: 'message' }).pressSequentially('typing…', { delay: 20 })
  await expect(tabs[1].getByTestId('typing')).toHaveText('ann is typing…')

  // A second browser is a second presence entry.
  const other = await browser.newContext()
  const zed = await openChat(other, 'zed', room)
  // Entries follow presence keys, not names: compare as a set.
  await expect.poll(async () => (await tabs[0].getByTestId('presence').locator('li').allInnerTexts()).sort()).toEqual(['ann', 'zed'])
  await expect(zed.getByTestId('presence').locator('li')).toHaveCount(2)
  await other.close()

  // The badge goes to reconnecting and back when the server drops the socket.
  const badge = await recordBadge(tabs[2])
  await dev('drop', {})
  // Reconnecting first: right after the drop the badge may still read connected, before the hub noticed.
  await expect.poll(badge).toContain('reconnecting')
  await expect(tabs[2].getByTestId('status')).toHaveAttribute('data-status', 'connected')
  const seen = await badge()
  expect(seen[0]).toBe('connected')
  expect(seen.at(-1)).toBe('connected')
  // Still one socket (rebuilt) and the room rejoined once.
  await expect.poll(async () => (await dev('stats')).sockets).toBe(1)
})
