/**
 * The *all-visible* scenario: N visible tabs subscribed to one topic under a fixed-rate stream
 * (latency, loss, CPU, quotas), a rate ramp, a new tab's first event, and recovery from a drop.
 */
import type { Browser, Page } from '@playwright/test'
import type { createServer } from '../packages/server/src/index.ts'
import { createDevApi } from '../test-support/dev-api.ts'
import { BURN_500_MS, cpuSplit, findWorkerPid, processCpu, totalCpu } from './cpu.ts'
import { attachWorker, collect, createSender, heapMb, latencySummary, openTab, serverPerEvent, percentile, sleep, subscribeTab, timeToFirstEvent, waitFor, workerHeapMb, type Mode } from './harness.ts'
import type { RunResult } from './types.ts'

async function inWorker(browser: Browser, expression: string): Promise<void> {
  const worker = await attachWorker(browser)
  if (!worker) throw new Error('bench: no SharedWorker to measure')
  try {
    await worker.send('Runtime.evaluate', { expression })
  } finally {
    await worker.detach()
  }
}

export interface AllVisibleSettings {
  fixedRate: number
  windowMs: number
  ramp: readonly number[]
  rampMs: number
  remoteLatencyMs: number
}

export async function measureAllVisible(
  browser: Browser,
  server: Awaited<ReturnType<typeof createServer>>,
  previewUrl: string,
  mode: Mode,
  tabs: number,
  settings: AllVisibleSettings,
): Promise<RunResult> {
  const { fixedRate: FIXED_RATE, windowMs: WINDOW_MS, ramp: RAMP, rampMs: RAMP_MS, remoteLatencyMs: REMOTE_LATENCY_MS } = settings
  const dev = createDevApi(server.url, server.serviceRoleKey)
  const urls = { serverUrl: server.url, previewUrl }
  const context = await browser.newContext()
  const sender = await createSender(server.url, server.anonKey)
  try {
    await dev('reset', {})
    const pages: Page[] = []
    for (let i = 0; i < tabs; i++) pages.push(await openTab(context, urls, mode))
    for (const page of pages) await subscribeTab(page, mode)
    await sleep(300)
    const setup = await dev('stats')

    // Fixed rate: latency, loss, frames per event, CPU, heartbeats.
    await collect(pages)
    const before = await dev('stats')
    const heartbeatsFrom = Date.now()
    const cdp = await browser.newBrowserCDPSession()
    const send = (method: string, params?: object) => cdp.send(method as never, params as never)
    const workerPid = mode === 'baseline' ? null : await findWorkerPid(send, () => inWorker(browser, BURN_500_MS))
    const cpuBefore = await processCpu(send)
    const sent = await sender.stream(FIXED_RATE, WINDOW_MS)
    await sleep(500)
    const cpuAfter = await processCpu(send)
    await cdp.detach()
    const split = cpuSplit(cpuBefore, cpuAfter, workerPid)
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

    // A newly opened tab on a topic the others already use: from creating its client to its first
    // event (median of 3), against the local server as it is and with network latency simulated.
    const stopStreaming = new AbortController()
    const streaming = sender.stream(200, 120_000, stopStreaming.signal)
    const firstEvent = async () => {
      const times: number[] = []
      for (let i = 0; i < 3; i++) {
        const newcomer = await openTab(context, urls, mode)
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
      const last = await Promise.all(pages.map((p) => p.evaluate(() => window.__lastT)))
      return last.every((t) => t > afterDrop)
    }, 30_000, 'recovery')
    const recoveredAt = Date.now()
    stopStreaming.abort()
    await streaming

    const result: RunResult = {
      scenario: 'all-visible',
      mode,
      tabs,
      sockets: setup.sockets - 1,
      joins: setup.joinsTotal,
      // The Node sender's own socket beats every 25 s; its share is small and the same in both modes.
      heartbeatsPerMinute: (afterRamp.heartbeats - before.heartbeats) / heartbeatMinutes,
      ...serverPerEvent(before, after, sent),
      latency: latencySummary(latencies, expected - latencies.length),
      maxSustainedRate,
      firstEventMs,
      firstEventRemoteMs,
      recoveryMs: recoveredAt - droppedAt,
      cpuSeconds: totalCpu(split),
      cpuSplit: split,
      tabHeapMb: await heapMb(pages),
      workerHeapMb: mode === 'baseline' ? null : await workerHeapMb(browser),
    }
    console.log(`${String(Math.round(performance.now() / 1000)).padStart(4)} s  visible ${mode.padEnd(14)} N=${String(tabs).padStart(2)}  sockets ${result.sockets}  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  loss ${result.latency.loss}  cpu ${result.cpuSeconds.toFixed(2)} s (tabs ${split.tabs.toFixed(2)}, worker ${split.worker.toFixed(2)}, browser ${split.browser.toFixed(2)})  first ${result.firstEventMs.toFixed(1)}/${result.firstEventRemoteMs.toFixed(1)} ms  max ${maxSustainedRate}/s`)
    return result
  } finally {
    await sender.close()
    await context.close()
  }
}

