/**
 * `npm run bench [-- --quick]`: one shared socket (shared-realtime) against one supabase-js client per
 * tab (baseline), for N tabs, on the same subscriptions and the same event stream, against the local
 * server started in-process with its limits off. Headless Chromium through Playwright.
 * Writes bench/results/results.json, results.md and SVG charts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { chromium, type Browser, type Page } from '@playwright/test'
import { createServer } from '../packages/server/src/index.ts'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium-path.mjs'
import { renderCharts, renderMarkdown } from './report.ts'
import {
  BATCH_MS,
  HEARTBEAT_MS,
  MODES,
  browserCpuSeconds,
  collect,
  createSender,
  heapMb,
  openTab,
  percentile,
  sleep,
  startPreview,
  subscribeTab,
  timeToFirstEvent,
  waitFor,
  workerHeapMb,
  type Mode,
} from './harness.ts'

const QUICK = process.argv.includes('--quick')
const TAB_COUNTS = QUICK ? [1, 5] : [1, 5, 10, 25, 50]
const FIXED_RATE = 200
const WINDOW_MS = QUICK ? 3_000 : 6_000
const RAMP = QUICK ? [200, 800] : [50, 100, 200, 400, 800, 1600]
const RAMP_MS = QUICK ? 1_500 : 2_000
/** One-way delay added to every server frame for the "remote" first-event measurement. */
const REMOTE_LATENCY_MS = 40
const RESULTS = new URL('./results/', import.meta.url)

export interface RunResult {
  mode: Mode
  tabs: number
  sockets: number
  joins: number
  heartbeatsPerMinute: number
  framesPerEvent: number
  /** Bytes the server sent per event, over every socket (heartbeats of the window included). */
  bytesPerEvent: number
  deliveriesPerEvent: number
  latency: { p50: number; p95: number; p99: number; loss: number }
  maxSustainedRate: number
  /** Median of 3 new tabs, against the local server as it is (no network latency). */
  firstEventMs: number
  /** The same with every server frame delayed by REMOTE_LATENCY_MS, as on a real network. */
  firstEventRemoteMs: number
  recoveryMs: number
  cpuSeconds: number
  tabHeapMb: number
  workerHeapMb: number | null
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
    for (let i = 0; i < tabs; i++) pages.push(await openTab(context, server.url, mode))
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
    const perEvent = (counter: 'framesOut' | 'bytesOut' | 'messagesDelivered') => (after[counter] - before[counter]) / Math.max(1, sent)

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

    // A newly opened tab on a topic the others already use: from creating its client to its first
    // event (median of 3), against the local server as it is and with network latency simulated.
    const stopStreaming = new AbortController()
    const streaming = sender.stream(200, 120_000, stopStreaming.signal)
    const firstEvent = async () => {
      const times: number[] = []
      for (let i = 0; i < 3; i++) {
        const newcomer = await openTab(context, server.url, mode)
        times.push(await timeToFirstEvent(newcomer, mode))
        await newcomer.close()
      }
      return times.sort((a, b) => a - b)[1]
    }
    const firstEventMs = await firstEvent()
    await dev('latency', { ms: REMOTE_LATENCY_MS })
    const firstEventRemoteMs = await firstEvent()
    await dev('latency', { ms: 0 })

    // Recovery: the server drops every socket; time until every tab receives an event sent after it.
    const droppedAt = Date.now()
    await dev('drop', {})
    const afterDrop = Date.now()
    await waitFor(async () => {
      const last = await Promise.all(pages.map((p) => p.evaluate(() => (window as any).__lastT as number)))
      return last.every((t) => t > afterDrop)
    }, 30_000, 'recovery')
    const recoveredAt = Date.now()
    stopStreaming.abort()
    await streaming

    const result: RunResult = {
      mode,
      tabs,
      sockets: setup.sockets - 1,
      joins: setup.joinsTotal,
      // The Node sender's own socket beats every 25 s; its share is small and the same in both modes.
      heartbeatsPerMinute: (afterRamp.heartbeats - before.heartbeats) / heartbeatMinutes,
      framesPerEvent: perEvent('framesOut'),
      bytesPerEvent: perEvent('bytesOut'),
      deliveriesPerEvent: perEvent('messagesDelivered'),
      latency: {
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
        p99: percentile(latencies, 0.99),
        loss: Math.max(0, expected - latencies.length),
      },
      maxSustainedRate,
      firstEventMs,
      firstEventRemoteMs,
      recoveryMs: recoveredAt - droppedAt,
      cpuSeconds: cpuAfter - cpuBefore,
      tabHeapMb: await heapMb(pages),
      workerHeapMb: mode === 'baseline' ? null : await workerHeapMb(browser),
    }
    console.log(`${String(Math.round(performance.now() / 1000)).padStart(4)} s  ${mode.padEnd(14)} N=${String(tabs).padStart(2)}  sockets ${result.sockets}  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  loss ${result.latency.loss}  cpu ${result.cpuSeconds.toFixed(2)} s  first ${result.firstEventMs.toFixed(1)}/${result.firstEventRemoteMs.toFixed(1)} ms  max ${maxSustainedRate}/s`)
    return result
  } finally {
    await sender.close()
    await context.close()
  }
}

async function main(): Promise<void> {
  const started = Date.now()
  const server = await createServer({ port: 0, limits: false, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
  const preview = await startPreview()
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  const results: RunResult[] = []
  try {
    for (const tabs of TAB_COUNTS) {
      // Batching is a trade-off for many tabs under load: measured from N = 10 up (and not in --quick).
      for (const mode of QUICK || tabs < 10 ? MODES.filter((m) => m !== 'shared-batched') : MODES) results.push(await measure(browser, server, mode, tabs))
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
    settings: { fixedRate: FIXED_RATE, windowMs: WINDOW_MS, ramp: RAMP, rampMs: RAMP_MS, heartbeatIntervalMs: HEARTBEAT_MS, batchMs: BATCH_MS, remoteLatencyMs: REMOTE_LATENCY_MS },
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
