/**
 * What the benchmark and the profiler share: the demo build served statically, tabs subscribed in
 * either mode, a Node sender on its own socket, and DevTools Protocol readings (CPU, heap).
 */
import { rm } from 'node:fs/promises'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { sharedWorkerTargets } from '../test-support/devtools.ts'
import { outsideClient, subscribed } from '../test-support/outside-client.ts'
import { buildDemo, serveStatic, type StaticServer } from '../test-support/static-server.ts'

/**
 * shared: this library with its defaults. shared-batched: the same with `deliveryBatchMs: 16` (the hub
 * collects a frame's worth of events per post). baseline: one plain supabase-js client per tab.
 */
export type Mode = 'shared' | 'shared-batched' | 'baseline'
export const MODES: readonly Mode[] = ['shared', 'shared-batched', 'baseline']
export const BATCH_MS = 16
export const HEARTBEAT_MS = 5_000

const isShared = (mode: Mode) => mode !== 'baseline'

/**
 * What the page code needs of a channel, from either client (their overloads do not unify). Page code
 * must not declare named functions: tsx would wrap them in a `__name()` helper the page does not have.
 */
export interface BenchChannel {
  on(type: 'broadcast', filter: { event: string }, callback: (message: { payload: { t: number } }) => void): BenchChannel
  subscribe(callback?: (status: string) => void): unknown
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** p50, p95 and p99 of sorted latencies, with the events lost. */
export function latencySummary(sorted: number[], loss: number) {
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), loss: Math.max(0, loss) }
}

type ServerCounters = Record<'framesOut' | 'bytesOut' | 'messagesDelivered', number>

/** What the server sent per event between two `/_dev/stats` readings (frames, bytes, deliveries). */
export function serverPerEvent(before: ServerCounters, after: ServerCounters, sent: number) {
  const per = (counter: keyof ServerCounters) => (after[counter] - before[counter]) / Math.max(1, sent)
  return { framesPerEvent: per('framesOut'), bytesPerEvent: per('bytesOut'), deliveriesPerEvent: per('messagesDelivered') }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitFor<T>(check: () => Promise<T | null | false> | T | null | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await sleep(25)
  }
}

/**
 * Runs in the page: subscribes to `bench` in the given mode; the callback records
 * `Date.now() - payload.t` per event. Standalone (no closure) so a raw DevTools tab can run it too.
 */
export function subscribeInPage({ shared, heartbeatIntervalMs }: { shared: boolean; heartbeatIntervalMs: number }): Promise<void> {
  const w = window
  w.__lat = []
  w.__count = 0
  w.__firstAt = null
  w.__lastT = 0
  const { supabaseUrl, anonKey } = w.demoConfig
  const channel = (
    shared ? w.realtime.channel('bench') : w.createClient(supabaseUrl, anonKey, { realtime: { heartbeatIntervalMs } }).realtime.channel('bench')
  ) as unknown as BenchChannel
  channel.on('broadcast', { event: 'tick' }, (m) => {
    const now = Date.now()
    w.__firstAt ??= now
    w.__lastT = Math.max(w.__lastT, m.payload.t)
    w.__lat.push(now - m.payload.t)
    w.__count++
  })
  return new Promise<void>((resolve) => channel.subscribe((s) => s === 'SUBSCRIBED' && resolve()))
}

export const pageArgs = (mode: Mode) => ({ shared: isShared(mode), heartbeatIntervalMs: HEARTBEAT_MS })

/** The expression that runs a standalone page function with its argument (for raw DevTools tabs). */
export const callInPage = <A>(fn: (arg: A) => unknown, arg: A) => `(${fn.toString()})(${JSON.stringify(arg)})`

export async function subscribeTab(page: Page, mode: Mode): Promise<void> {
  await page.evaluate(subscribeInPage, pageArgs(mode))
}

/**
 * In a loaded tab, the time from creating a client (a shared one, or a supabase-js one) to the first
 * event on `bench`, which other tabs already use. Page loading is the same in both modes and left out.
 */
export async function timeToFirstEvent(page: Page, mode: Mode): Promise<number> {
  return page.evaluate(
    ({ shared, heartbeatIntervalMs }) => {
      const { supabaseUrl, anonKey, options } = window.demoConfig
      const started = performance.now()
      const channel = (
        shared
          ? window.createSharedRealtime(supabaseUrl, anonKey, options).channel('bench')
          : window.createClient(supabaseUrl, anonKey, { realtime: { heartbeatIntervalMs } }).realtime.channel('bench')
      ) as unknown as BenchChannel
      return new Promise<number>((resolve, reject) => {
        setTimeout(() => reject(new Error('no event within 10 s')), 10_000)
        channel.on('broadcast', { event: 'tick' }, () => resolve(performance.now() - started)).subscribe()
      })
    },
    { shared: isShared(mode), heartbeatIntervalMs: HEARTBEAT_MS },
  )
}

/** Where a run points its tabs: the local server and the preview serving the demo build. */
export interface BenchUrls {
  serverUrl: string
  previewUrl: string
}

/** The demo page in manual mode (no demo subscriptions), with the mode's options. */
export function tabUrl({ serverUrl, previewUrl }: BenchUrls, mode: Mode): string {
  const batch = mode === 'shared-batched' ? `&deliveryBatchMs=${BATCH_MS}` : ''
  return `${previewUrl}/?manual=1&url=${encodeURIComponent(serverUrl)}&heartbeatIntervalMs=${HEARTBEAT_MS}${batch}`
}

export async function openTab(context: BrowserContext, urls: BenchUrls, mode: Mode): Promise<Page> {
  const page = await context.newPage()
  await page.goto(tabUrl(urls, mode))
  await page.waitForFunction(() => typeof window.realtime === 'object')
  return page
}

/** A Node sender on its own socket: broadcasts `{t, seq}` at `rate` per second for `ms`. */
export async function createSender(serverUrl: string, anonKey: string) {
  const client = outsideClient(serverUrl, anonKey)
  const channel = client.channel('bench')
  await subscribed(channel)
  let seq = 0
  return {
    /** Streams for `ms`, or until `signal` aborts. */
    async stream(rate: number, ms: number, signal?: AbortSignal): Promise<number> {
      const start = Date.now()
      let sent = 0
      while (Date.now() - start < ms && !signal?.aborted) {
        const due = Math.floor(((Date.now() - start) / 1000) * rate)
        while (sent < due) {
          const payload = { t: Date.now(), seq: seq++ }
          // While its own socket is down (the recovery phase drops it too), the sender posts over HTTP.
          if (client.isConnected() && channel.state === 'joined') void channel.send({ type: 'broadcast', event: 'tick', payload })
          else void channel.httpSend('tick', payload).catch(() => {})
          sent++
        }
        await sleep(2)
      }
      return sent
    },
    close: () => client.disconnect(),
  }
}

export async function collect(pages: Page[]): Promise<number[][]> {
  return Promise.all(pages.map((p) => p.evaluate(() => window.__lat.splice(0))))
}

/** CPU seconds used so far by each type of browser process (browser, renderer, GPU, network, …). */
export async function cpuByProcessType(browser: Browser): Promise<Map<string, number>> {
  const cdp = await browser.newBrowserCDPSession()
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; cpuTime: number }[] }
  await cdp.detach()
  const byType = new Map<string, number>()
  for (const p of info.processInfo) byType.set(p.type, (byType.get(p.type) ?? 0) + p.cpuTime)
  return byType
}

export async function heapMb(pages: Page[]): Promise<number> {
  let total = 0
  for (const page of pages) {
    const cdp = await page.context().newCDPSession(page)
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }
    total += usedSize
    await cdp.detach()
  }
  return total / pages.length / 1024 / 1024
}

/** A DevTools Protocol session on the context's SharedWorker (Playwright cannot address it itself). */
export async function attachWorker(browser: Browser): Promise<{ send<T>(method: string, params?: object): Promise<T>; detach(): Promise<void> } | null> {
  const cdp = await browser.newBrowserCDPSession()
  const [worker] = await sharedWorkerTargets(cdp)
  if (!worker) return (await cdp.detach(), null)
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false })) as { sessionId: string }
  const pending = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>()
  let nextId = 1
  cdp.on('Target.receivedMessageFromTarget', (event: { message: string }) => {
    const message = JSON.parse(event.message)
    pending.get(message.id)?.(message)
    pending.delete(message.id)
  })
  return {
    async send<T>(method: string, params: object = {}): Promise<T> {
      const id = nextId++
      const answer = new Promise<{ result?: unknown; error?: { message: string } }>((resolve) => pending.set(id, resolve))
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
      const timeout = sleep(10_000).then(() => ({ result: undefined, error: { message: `${method}: no answer from the worker` } }))
      const message = await Promise.race([answer, timeout])
      if (message.error) throw new Error(message.error.message)
      return message.result as T
    },
    detach: () => cdp.detach(),
  }
}

export async function workerHeapMb(browser: Browser): Promise<number | null> {
  const worker = await attachWorker(browser)
  if (!worker) return null
  try {
    const { usedSize } = await worker.send<{ usedSize: number }>('Runtime.getHeapUsage')
    return usedSize / 1024 / 1024
  } catch {
    return NaN
  } finally {
    await worker.detach()
  }
}

/** Builds the demo into a directory of its own and serves it on a free port; close() removes the build. */
export async function startPreview(): Promise<StaticServer> {
  const root = await buildDemo()
  const server = await serveStatic(root)
  return { url: server.url, close: () => server.close().then(() => rm(root, { recursive: true, force: true })) }
}
