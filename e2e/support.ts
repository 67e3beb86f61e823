/**
 * Shared helpers for the multi-tab specs: one browser context = one origin's SharedWorker; each
 * `context.newPage()` is a tab. The local server's control API tells what reached it.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test'
import { E2E_SERVER_PORT } from '../playwright.config.ts'
import { LOCAL_ANON_KEY, LOCAL_SERVICE_ROLE_KEY } from '../packages/server/src/auth.ts'
import { createDevApi } from '../test-support/dev-api.ts'
import { sharedWorkerTargets } from '../test-support/devtools.ts'
import { outsideClient, subscribed } from '../test-support/outside-client.ts'

export const SERVER_URL = `http://127.0.0.1:${E2E_SERVER_PORT}`

export const dev = createDevApi(SERVER_URL, LOCAL_SERVICE_ROLE_KEY)

/** Opens the demo in manual mode (no demo subscriptions) and waits for `window.realtime`. */
export async function openTab(context: BrowserContext, params: Record<string, string | number> = {}): Promise<Page> {
  const page = await context.newPage()
  const query = new URLSearchParams({ url: SERVER_URL, manual: '1', ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) })
  await page.goto(`/?${query}`)
  await page.waitForFunction(() => typeof window.realtime === 'object')
  return page
}

/** A tab of a browser without SharedWorker (removed before any script runs): the client falls back. */
export async function openTabWithoutSharedWorker(context: BrowserContext, params: Record<string, string | number> = {}): Promise<Page> {
  const page = await context.newPage()
  await page.addInitScript(() => {
    delete (window as { SharedWorker?: unknown }).SharedWorker
  })
  const query = new URLSearchParams({ url: SERVER_URL, manual: '1', ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) })
  await page.goto(`/?${query}`)
  await page.waitForFunction(() => typeof window.realtime === 'object')
  return page
}

export async function openTabs(context: BrowserContext, n: number, params: Record<string, string | number> = {}): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < n; i++) pages.push(await openTab(context, params))
  return pages
}

/** A binding as data: the page calls `channel.on(type, filter, record)`. */
export interface Binding {
  type: string
  filter: Record<string, unknown>
}

/**
 * Subscribes in the page: every callback's payload is recorded in `window.__events[name]`, statuses in
 * `window.__statuses[name]`. Resolves once SUBSCRIBED.
 */
export async function subscribeIn(page: Page, name: string, topic: string, bindings: Binding[], config: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    ({ name, topic, bindings, config }) => {
      window.__events ??= {}
      window.__statuses ??= {}
      window.__channels ??= {}
      const events: RecordedEvent[] = (window.__events[name] = [])
      const statuses: string[] = (window.__statuses[name] = [])
      const channel = window.realtime.channel(topic, { config })
      // The overloads want a literal type per call; here the type is data, so one loose signature.
      const on = channel.on.bind(channel) as unknown as (type: string, filter: Record<string, unknown>, callback: (payload: RecordedEvent) => void) => unknown
      for (const b of bindings) on(b.type, b.filter, (payload) => events.push(payload))
      window.__channels[name] = channel
      return new Promise<void>((resolve, reject) => {
        channel.subscribe((status, error) => {
          statuses.push(status)
          if (status === 'SUBSCRIBED') resolve()
          if (status === 'CHANNEL_ERROR' && statuses.length === 1) reject(new Error(error?.message ?? status))
        })
      })
    },
    { name, topic, bindings, config },
  )
}

export function eventsIn(page: Page, name: string): Promise<RecordedEvent[]> {
  return page.evaluate((name) => window.__events?.[name] ?? [], name)
}

export async function expectEvents(page: Page, name: string, count: number): Promise<RecordedEvent[]> {
  await expect.poll(() => eventsIn(page, name).then((e) => e.length)).toBe(count)
  return eventsIn(page, name)
}

/**
 * The barrier for "nothing more arrived": a unique payload to send (or a row to insert) after the
 * thing that must not repeat. Once it has arrived, anything sent before it on the same path has too.
 */
export function newMarker(): { marker: string } {
  return { marker: `marker-${Date.now()}-${Math.random().toString(36).slice(2)}` }
}

const carries = (event: RecordedEvent, marker: { marker: string }) => event.payload?.marker === marker.marker

/** Waits until `read()` holds the marker's event; returns everything read then. */
export async function untilMarker(read: () => Promise<RecordedEvent[]> | RecordedEvent[], marker: { marker: string }): Promise<RecordedEvent[]> {
  await expect.poll(async () => (await read()).some((e) => carries(e, marker))).toBe(true)
  return read()
}

export async function resetServer(): Promise<void> {
  await dev('reset', {})
}

/** Kills the context's SharedWorker through the DevTools Protocol (what a crash or the OS would do). */
export async function killSharedWorker(page: Page): Promise<void> {
  const cdp = await page.context().browser()!.newBrowserCDPSession()
  const workers = await sharedWorkerTargets(cdp)
  if (workers.length !== 1) throw new Error(`expected one shared worker, found ${workers.length}`)
  const { success } = (await cdp.send('Target.closeTarget', { targetId: workers[0].targetId })) as { success: boolean }
  if (!success) throw new Error('Target.closeTarget failed')
  await cdp.detach()
}

/** The hub epoch a tab is connected to (changes when the worker was replaced). */
export function hubEpoch(page: Page): Promise<string> {
  return page.evaluate(() => window.realtime.getHealthStatus().epoch)
}

/** A plain supabase-js subscriber in the test process (a separate user, not part of the shared socket). */
export async function outsideListener(topic: string, event = '*') {
  const client = outsideClient(SERVER_URL, LOCAL_ANON_KEY)
  const received: RecordedEvent[] = []
  const channel = client.channel(topic)
  channel.on('broadcast', { event }, (message) => received.push(message))
  await subscribed(channel)
  return {
    received,
    send: (event: string, payload: unknown) => channel.send({ type: 'broadcast', event, payload }),
    close: () => client.disconnect(),
  }
}

/** Subscribes a channel in the page without waiting for SUBSCRIBED (it may be offline). */
export async function channelIn(page: Page, name: string, topic: string, config: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    ({ name, topic, config }) => {
      window.__channels ??= {}
      window.__statuses ??= {}
      const statuses: string[] = (window.__statuses[name] = [])
      window.__channels[name] = window.realtime.channel(topic, { config }).subscribe((s) => statuses.push(s))
    },
    { name, topic, config },
  )
}

export function sendIn(page: Page, name: string, event: string, payload: unknown, options: { ttlMs?: number } = {}): Promise<string> {
  return page.evaluate(({ name, event, payload, options }) => window.__channels[name].send({ type: 'broadcast', event, payload }, options), {
    name,
    event,
    payload,
    options,
  })
}

/**
 * After the server is back: waits until each tab's hub has emptied its outbox, then sends a marker
 * through each (a barrier: anything that hub sent before arrives first), and checks that the `total`
 * messages `{k, from}` sent on channel 'out' arrived exactly once each, in order per `from`.
 */
export async function expectQueuedOnceInOrder(tabs: Page[], received: RecordedEvent[], total: number): Promise<void> {
  await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(total)
  for (const tab of tabs) {
    await expect.poll(() => tab.evaluate(() => window.realtime.getHealthStatus().outbox.size)).toBe(0)
    await expect.poll(() => tab.evaluate(() => window.__statuses.out.at(-1))).toBe('SUBSCRIBED')
    const marker = newMarker()
    expect(await sendIn(tab, 'out', 'm', marker)).toBe('ok')
    await untilMarker(() => received, marker)
  }
  const got = received.map((m) => m.payload as { k?: number; from?: string }).filter((p) => p.k !== undefined)
  expect(got).toHaveLength(total)
  expect(new Set(got.map((m) => m.k)).size).toBe(total)
  for (const from of new Set(got.map((m) => m.from))) {
    const order = got.filter((m) => m.from === from).map((m) => m.k!)
    expect(order).toEqual([...order].sort((a, b) => a - b))
  }
}
