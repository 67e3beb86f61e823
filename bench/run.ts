/**
 * `npm run bench [-- --quick]`: one shared socket (shared-realtime) against one supabase-js client per
 * tab (baseline), for N tabs, on the same subscriptions and the same event stream, against the local
 * server started in-process with its limits off. Headless Chromium through Playwright.
 * Writes bench/results/results.json, results.md and SVG charts.
 */
import { spawn } from 'node:child_process'
import { createServer as createHttpServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import WebSocket from 'ws'
import { RealtimeClient } from '@supabase/supabase-js'
import { createServer } from '../packages/server/src/index.ts'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium-path.mjs'
import { renderCharts, renderMarkdown } from './report.ts'

const QUICK = process.argv.includes('--quick')
const TAB_COUNTS = QUICK ? [1, 5] : [1, 5, 10, 25, 50]
const FIXED_RATE = 200
const WINDOW_MS = QUICK ? 3_000 : 6_000
const RAMP = QUICK ? [200, 800] : [200, 400, 800, 1600]
const RAMP_MS = QUICK ? 1_500 : 2_500
const HEARTBEAT_MS = 5_000
const PREVIEW_PORT = 4190
const RESULTS = new URL('./results/', import.meta.url)

type Mode = 'shared' | 'baseline'

export interface RunResult {
  mode: Mode
  tabs: number
  sockets: number
  joins: number
  heartbeatsPerMinute: number
  framesPerEvent: number
  deliveriesPerEvent: number
  latency: { p50: number; p95: number; p99: number; loss: number }
  maxSustainedRate: number
  firstEventMs: number
  recoveryMs: number
  cpuSeconds: number
  tabHeapMb: number
  workerHeapMb: number | null
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitFor<T>(check: () => Promise<T | null | false> | T | null | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await sleep(25)
  }
}

/** Subscribes a tab in the given mode; the callback records `Date.now() - payload.t` per event. */
async function subscribeTab(page: Page, mode: Mode): Promise<void> {
  await page.evaluate(
    ({ mode, heartbeatIntervalMs }) => {
      const w = window as any
      w.__lat = []
      w.__firstAt = null
      w.__lastT = 0
      const client =
        mode === 'shared'
          ? w.realtime
          : w.createClient(w.demoConfig.supabaseUrl, w.demoConfig.anonKey, { realtime: { heartbeatIntervalMs } }).realtime
      const channel = client.channel('bench').on('broadcast', { event: 'tick' }, (m: { payload: { t: number } }) => {
        const now = Date.now()
        w.__firstAt ??= now
        w.__lastT = Math.max(w.__lastT, m.payload.t)
        w.__lat.push(now - m.payload.t)
      })
      return new Promise<void>((resolve) => channel.subscribe((s: string) => s === 'SUBSCRIBED' && resolve()))
    },
    { mode, heartbeatIntervalMs: HEARTBEAT_MS },
  )
}

async function openTab(context: BrowserContext, serverUrl: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`http://127.0.0.1:${PREVIEW_PORT}/?manual=1&url=${encodeURIComponent(serverUrl)}&heartbeatIntervalMs=${HEARTBEAT_MS}`)
  await page.waitForFunction(() => typeof (window as any).realtime === 'object')
  return page
}

/** A Node sender on its own socket: broadcasts `{t, seq}` at `rate` per second for `ms`. */
async function createSender(serverUrl: string, anonKey: string) {
  const client = new RealtimeClient(`${serverUrl.replace('http', 'ws')}/realtime/v1`, { params: { apikey: anonKey }, transport: WebSocket as never })
  const channel = client.channel('bench')
  await new Promise<void>((resolve) => channel.subscribe((s) => s === 'SUBSCRIBED' && resolve()))
  let seq = 0
  return {
    async stream(rate: number, ms: number): Promise<number> {
      const start = Date.now()
      let sent = 0
      while (Date.now() - start < ms) {
        const due = Math.floor(((Date.now() - start) / 1000) * rate)
        while (sent < due) {
          void channel.send({ type: 'broadcast', event: 'tick', payload: { t: Date.now(), seq: seq++ } })
          sent++
        }
        await sleep(2)
      }
      return sent
    },
    close: () => client.disconnect(),
  }
}

async function collect(pages: Page[]): Promise<number[][]> {
  return Promise.all(pages.map((p) => p.evaluate(() => (window as any).__lat.splice(0) as number[])))
}

async function browserCpuSeconds(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession()
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { cpuTime: number }[] }
  await cdp.detach()
  return info.processInfo.reduce((sum, p) => sum + p.cpuTime, 0)
}

async function heapMb(pages: Page[]): Promise<number> {
  let total = 0
  for (const page of pages) {
    const cdp = await page.context().newCDPSession(page)
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }
    total += usedSize
    await cdp.detach()
  }
  return total / pages.length / 1024 / 1024
}

async function workerHeapMb(browser: Browser): Promise<number | null> {
  const cdp = await browser.newBrowserCDPSession()
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string }[] }
  const worker = targetInfos.find((t) => t.type === 'shared_worker')
  if (!worker) return (await cdp.detach(), null)
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false })) as { sessionId: string }
  const answer = new Promise<number>((resolve) => {
    cdp.on('Target.receivedMessageFromTarget', (event: { message: string }) => {
      const message = JSON.parse(event.message)
      if (message.id === 1) resolve(message.result?.usedSize ?? NaN)
    })
  })
  await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }) })
  const used = await Promise.race([answer, sleep(3000).then(() => NaN)])
  await cdp.detach()
  return used / 1024 / 1024
}

async function measure(browser: Browser, server: Awaited<ReturnType<typeof createServer>>, mode: Mode, tabs: number): Promise<RunResult> {
  const dev = async (path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/_dev/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${server.serviceRoleKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return response.json()
  }
  const context = await browser.newContext()
  const sender = await createSender(server.url, server.anonKey)
  try {
    await dev('reset', {})
    const pages: Page[] = []
    for (let i = 0; i < tabs; i++) pages.push(await openTab(context, server.url))
    for (const page of pages) await subscribeTab(page, mode)
    await sleep(300)
    const setup = await dev('stats')

    // Fixed rate: latency, loss, frames per event, CPU, heartbeats.
    await collect(pages)
    const before = await dev('stats')
    const heartbeatsFrom = Date.now()
    const cpuBefore = await browserCpuSeconds(browser)
    const sent = await sender.stream(FIXED_RATE, WINDOW_MS)
    await sleep(500)
    const cpuAfter = await browserCpuSeconds(browser)
    const after = await dev('stats')
    const latencies = (await collect(pages)).flat().sort((a, b) => a - b)
    const expected = sent * tabs

    // Highest rate with no loss and p99 under 50 ms.
    let maxSustainedRate = 0
    for (const rate of RAMP) {
      await collect(pages)
      const n = await sender.stream(rate, RAMP_MS)
      await sleep(400)
      const got = (await collect(pages)).flat().sort((a, b) => a - b)
      if (got.length < n * tabs || percentile(got, 0.99) >= 50) break
      maxSustainedRate = rate
    }

    const afterRamp = await dev('stats')
    const heartbeatMinutes = (Date.now() - heartbeatsFrom) / 60_000

    // A newly opened tab on a topic the others already use: time to its first event.
    const streaming = sender.stream(50, 15_000)
    const openedAt = Date.now()
    const newcomer = await openTab(context, server.url)
    await subscribeTab(newcomer, mode)
    const firstAt = await waitFor(() => newcomer.evaluate(() => (window as any).__firstAt as number | null), 10_000, 'first event in a new tab')
    const firstEventMs = firstAt - openedAt
    await newcomer.close()

    // Recovery: the server drops every socket; time until every tab receives an event sent after it.
    const droppedAt = Date.now()
    await dev('drop', {})
    const afterDrop = Date.now()
    await waitFor(async () => {
      const last = await Promise.all(pages.map((p) => p.evaluate(() => (window as any).__lastT as number)))
      return last.every((t) => t > afterDrop)
    }, 30_000, 'recovery')
    const recoveredAt = Date.now()
    await streaming

    const result: RunResult = {
      mode,
      tabs,
      sockets: setup.sockets - 1,
      joins: setup.joinsTotal,
      // The Node sender's own socket beats every 25 s; its share is small and the same in both modes.
      heartbeatsPerMinute: (afterRamp.heartbeats - before.heartbeats) / heartbeatMinutes,
      framesPerEvent: (after.framesOut - before.framesOut) / Math.max(1, sent),
      deliveriesPerEvent: (after.messagesDelivered - before.messagesDelivered) / Math.max(1, sent),
      latency: {
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
        p99: percentile(latencies, 0.99),
        loss: Math.max(0, expected - latencies.length),
      },
      maxSustainedRate,
      firstEventMs,
      recoveryMs: recoveredAt - droppedAt,
      cpuSeconds: cpuAfter - cpuBefore,
      tabHeapMb: await heapMb(pages),
      workerHeapMb: mode === 'shared' ? await workerHeapMb(browser) : null,
    }
    console.log(`${mode.padEnd(8)} N=${String(tabs).padStart(2)}  sockets ${result.sockets}  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  loss ${result.latency.loss}  cpu ${result.cpuSeconds.toFixed(2)} s  first ${result.firstEventMs} ms  max ${maxSustainedRate}/s`)
    return result
  } finally {
    await sender.close()
    await context.close()
  }
}

/** Builds the demo and serves dist/demo from this process (a static file server is all it needs). */
async function startPreview(): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    const build = spawn('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' })
    build.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited ${code}`))))
  })
  const root = fileURLToPath(new URL('../dist/demo/', import.meta.url))
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.png': 'image/png' }
  const server = createHttpServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const file = join(root, path === '/' ? 'index.html' : normalize(path).replace(/^([/\\])+/, ''))
    try {
      const body = await readFile(file.startsWith(root) ? file : join(root, 'index.html'))
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' })
      res.end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(PREVIEW_PORT, '127.0.0.1', resolve))
  return server
}

async function main(): Promise<void> {
  const started = Date.now()
  const server = await createServer({ port: 0, limits: false, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
  const preview = await startPreview()
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  const results: RunResult[] = []
  try {
    for (const tabs of TAB_COUNTS) {
      for (const mode of ['shared', 'baseline'] as const) results.push(await measure(browser, server, mode, tabs))
    }
  } finally {
    await browser.close()
    await new Promise((resolve) => preview.close(resolve))
    await server.close()
  }
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    chromium: browser.version(),
    date: new Date().toISOString(),
    quick: QUICK,
    durationS: Math.round((Date.now() - started) / 1000),
    settings: { fixedRate: FIXED_RATE, windowMs: WINDOW_MS, ramp: RAMP, rampMs: RAMP_MS, heartbeatIntervalMs: HEARTBEAT_MS },
  }
  mkdirSync(RESULTS, { recursive: true })
  const name = QUICK ? 'quick' : 'results'
  writeFileSync(new URL(`${name}.json`, RESULTS), JSON.stringify({ machine, results }, null, 2))
  writeFileSync(new URL(`${name}.md`, RESULTS), renderMarkdown(machine, results))
  if (!QUICK) for (const [file, svg] of Object.entries(renderCharts(results))) writeFileSync(new URL(file, RESULTS), svg)
  console.log(`\nbench: ${results.length} runs in ${machine.durationS} s → bench/results/${name}.md`)
}

await main()
process.exit(0)
