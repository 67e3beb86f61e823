/**
 * Hidden tabs, really hidden (background tabs of one window, `document.visibilityState === 'hidden'`):
 * the hub collects their events into one post per `hiddenDeliveryMs`, in order and complete, while the
 * visible tab keeps getting each event as it comes; a tab that becomes visible gets what waits at once.
 */
import { expect, test } from '@playwright/test'
import { E2E_PREVIEW_PORT } from '../playwright.config.ts'
import { launchRawChromium, type RawChromium, type RawTab } from './raw-chromium.ts'
import { outsideListener, SERVER_URL } from './support.ts'

const TOPIC = 'hidden-feed'

/** Subscribes the page to TOPIC and records each event with the task it arrived in (one task = one post). */
const RECORD = `new Promise((resolve, reject) => {
  let task = 0, inTask = false
  window.__got = []
  window.realtime.channel(${JSON.stringify(TOPIC)})
    .on('broadcast', { event: '*' }, (message) => {
      if (!inTask) { inTask = true; task++; queueMicrotask(() => { inTask = false }) }
      window.__got.push({ n: message.payload.n, task })
    })
    .subscribe((status, error) => status === 'SUBSCRIBED' ? resolve(true) : status === 'CHANNEL_ERROR' && reject(error))
})`

async function open(browser: RawChromium, hiddenDeliveryMs: number, background: boolean): Promise<RawTab> {
  const query = new URLSearchParams({ url: SERVER_URL, manual: '1', hiddenDeliveryMs: String(hiddenDeliveryMs) })
  const tab = await browser.openTab(`http://127.0.0.1:${E2E_PREVIEW_PORT}/?${query}`, { background })
  await tab.waitFor('typeof window.realtime === "object"')
  await tab.evaluate(RECORD)
  return tab
}

const received = (tab: RawTab) => tab.evaluate<{ n: number; task: number }[]>('window.__got')

async function publish(from: number, to: number, spacingMs: number): Promise<void> {
  const publisher = await outsideListener(TOPIC)
  try {
    for (let n = from; n <= to; n++) {
      await publisher.send('tick', { n })
      await new Promise((r) => setTimeout(r, spacingMs)) // spacing, so that hidden tabs collect several events per post
    }
  } finally {
    await publisher.close()
  }
}

let browser: RawChromium
test.beforeEach(async () => {
  browser = await launchRawChromium()
})
test.afterEach(async () => {
  await browser.close()
})

test('hidden tabs get every event in order, in a few posts; the visible tab gets each at once', async () => {
  const visible = await open(browser, 300, false)
  const hidden = [await open(browser, 300, true), await open(browser, 300, true)]
  const states = await Promise.all([visible, ...hidden].map((t) => t.visibility()))
  console.log(`visibilityState of the three tabs: ${states.join(', ')}`)
  expect(states).toEqual(['visible', 'hidden', 'hidden'])

  const count = 100
  await publish(1, count, 10)
  for (const tab of [visible, ...hidden]) await tab.waitFor(`window.__got.length >= ${count}`)

  const inVisible = await received(visible)
  expect(inVisible.map((e) => e.n)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
  const visiblePosts = new Set(inVisible.map((e) => e.task)).size
  for (const tab of hidden) {
    const events = await received(tab)
    expect(events.map((e) => e.n)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    const posts = new Set(events.map((e) => e.task)).size
    console.log(`posts for ${count} events: visible tab ${visiblePosts}, hidden tab ${posts}`)
    // About a second of events at 10 ms apart, collected every 300 ms: a handful of posts.
    expect(posts).toBeLessThanOrEqual(10)
    expect(posts).toBeLessThan(visiblePosts / 3)
  }
})

test('a tab that becomes visible gets what was waiting for it at once', async () => {
  // A 20 s window: anything the tab gets before that was flushed by its becoming visible.
  const visible = await open(browser, 20_000, false)
  const hidden = await open(browser, 20_000, true)
  expect(await hidden.visibility()).toBe('hidden')

  await publish(1, 5, 5)
  await visible.waitFor('window.__got.length >= 5')
  expect(await received(hidden)).toEqual([])

  const switchedAt = Date.now()
  await hidden.activate()
  expect(await hidden.visibility()).toBe('visible')
  await hidden.waitFor('window.__got.length >= 5', 10_000)
  expect(Date.now() - switchedAt).toBeLessThan(10_000)
  expect((await received(hidden)).map((e) => e.n)).toEqual([1, 2, 3, 4, 5])

  // Now visible, it gets each new event as it comes; the other tab, now hidden, collects again.
  expect(await visible.visibility()).toBe('hidden')
  await publish(6, 6, 0)
  await hidden.waitFor('window.__got.length >= 6', 10_000)
  expect((await received(visible)).length).toBe(5)
})
