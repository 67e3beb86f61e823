/**
 * Shared helpers for the multi-tab specs: one browser context = one origin's SharedWorker; each
 * `context.newPage()` is a tab. The local server's control API tells what reached it.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test'
import { E2E_SERVER_PORT } from '../playwright.config.ts'
import { LOCAL_SERVICE_ROLE_KEY } from '../packages/server/src/auth.ts'

export const SERVER_URL = `http://127.0.0.1:${E2E_SERVER_PORT}`

export async function dev<T = any>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${SERVER_URL}/_dev/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${LOCAL_SERVICE_ROLE_KEY}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`/_dev/${path} → ${response.status} ${text}`)
  return (text ? JSON.parse(text) : null) as T
}

/** Opens the demo in manual mode (no demo subscriptions) and waits for `window.realtime`. */
export async function openTab(context: BrowserContext, params: Record<string, string | number> = {}): Promise<Page> {
  const page = await context.newPage()
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

/**
 * Subscribes in the page: every callback's payload is recorded in `window.__events[name]`, statuses in
 * `window.__statuses[name]`. Resolves once SUBSCRIBED.
 */
export async function subscribeIn(
  page: Page,
  name: string,
  topic: string,
  bindings: { type: string; filter: Record<string, unknown> }[],
  config: Record<string, unknown> = {},
): Promise<void> {
  await page.evaluate(
    ({ name, topic, bindings, config }) => {
      const w = window as any
      w.__events ??= {}
      w.__statuses ??= {}
      w.__channels ??= {}
      w.__events[name] = []
      w.__statuses[name] = []
      const channel = w.realtime.channel(topic, { config })
      for (const b of bindings) channel.on(b.type, b.filter, (payload: unknown) => w.__events[name].push(payload))
      w.__channels[name] = channel
      return new Promise<void>((resolve, reject) => {
        channel.subscribe((status: string, error?: Error) => {
          w.__statuses[name].push(status)
          if (status === 'SUBSCRIBED') resolve()
          if (status === 'CHANNEL_ERROR' && w.__statuses[name].length === 1) reject(new Error(error?.message ?? status))
        })
      })
    },
    { name, topic, bindings, config },
  )
}

export function eventsIn(page: Page, name: string): Promise<any[]> {
  return page.evaluate((name) => (window as any).__events?.[name] ?? [], name)
}

export async function expectEvents(page: Page, name: string, count: number): Promise<any[]> {
  await expect.poll(() => eventsIn(page, name).then((e) => e.length)).toBe(count)
  return eventsIn(page, name)
}

export async function resetServer(): Promise<void> {
  await dev('reset', {})
}
