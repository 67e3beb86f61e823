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

/** Kills the context's SharedWorker through the DevTools Protocol (what a crash or the OS would do). */
export async function killSharedWorker(page: Page): Promise<void> {
  const cdp = await page.context().browser()!.newBrowserCDPSession()
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; title: string }[] }
  const workers = targetInfos.filter((t) => t.type === 'shared_worker')
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
  const { RealtimeClient } = await import('@supabase/supabase-js')
  const { default: WebSocket } = await import('ws')
  const { LOCAL_ANON_KEY } = await import('../packages/server/src/auth.ts')
  const client = new RealtimeClient(`${SERVER_URL.replace('http', 'ws')}/realtime/v1`, { params: { apikey: LOCAL_ANON_KEY }, transport: WebSocket as never })
  const received: any[] = []
  const channel = client.channel(topic)
  channel.on('broadcast', { event }, (message: any) => received.push(message))
  await new Promise<void>((resolve, reject) =>
    channel.subscribe((status, error) => (status === 'SUBSCRIBED' ? resolve() : status !== 'CLOSED' && reject(error ?? new Error(status)))),
  )
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
      const w = window as any
      w.__channels ??= {}
      w.__statuses ??= {}
      w.__statuses[name] = []
      w.__channels[name] = w.realtime.channel(topic, { config }).subscribe((s: string) => w.__statuses[name].push(s))
    },
    { name, topic, config },
  )
}

export function sendIn(page: Page, name: string, event: string, payload: unknown, options: Record<string, unknown> = {}): Promise<string> {
  return page.evaluate(({ name, event, payload, options }) => (window as any).__channels[name].send({ type: 'broadcast', event, payload }, options), {
    name,
    event,
    payload,
    options,
  })
}
