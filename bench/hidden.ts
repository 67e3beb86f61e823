/**
 * The *hidden* scenario: one visible tab and N−1 hidden ones, as most users have them. Playwright
 * keeps its pages visible, so this runs on Chromium driven over the DevTools Protocol directly
 * (e2e/raw-chromium.ts): background tabs of one window, whose `document.visibilityState` is checked
 * to be 'hidden' before anything is measured.
 */
import { launchRawChromium, type RawTab } from '../e2e/raw-chromium.ts'
import type { createServer } from '../packages/server/src/index.ts'
import { createDevApi } from '../test-support/dev-api.ts'
import { BURN_500_MS, cpuSplit, findWorkerPid, processCpu, totalCpu } from './cpu.ts'
import { callInPage, createSender, latencySummary, pageArgs, serverPerEvent, sleep, subscribeInPage, tabUrl, type Mode } from './harness.ts'
import { NOT_MEASURED, type RunResult } from './types.ts'

type Server = Awaited<ReturnType<typeof createServer>>

export async function measureHidden(server: Server, previewUrl: string, mode: Mode, tabs: number, rate: number, windowMs: number): Promise<RunResult> {
  const dev = createDevApi(server.url, server.serviceRoleKey)
  const browser = await launchRawChromium()
  const sender = await createSender(server.url, server.anonKey)
  try {
    await dev('reset', {})
    const pages: RawTab[] = []
    for (let i = 0; i < tabs; i++) {
      const tab = await browser.openTab(tabUrl({ serverUrl: server.url, previewUrl }, mode), { background: i > 0 })
      await tab.waitFor('typeof window.realtime === "object"', 30_000)
      pages.push(tab)
    }
    const states = await Promise.all(pages.map((t) => t.visibility()))
    const visibility = { visible: states.filter((s) => s === 'visible').length, hidden: states.filter((s) => s === 'hidden').length }
    if (visibility.visible !== 1 || visibility.hidden !== tabs - 1) {
      throw new Error(`bench: expected 1 visible and ${tabs - 1} hidden tabs, got ${states.join(', ')}`)
    }
    for (const tab of pages) await tab.evaluate(callInPage(subscribeInPage, pageArgs(mode)))
    const workerPid = mode === 'baseline' ? null : await findWorkerPid(browser.send, () => browser.evaluateInWorker(BURN_500_MS))
    await sleep(500)
    for (const tab of pages) await tab.evaluate('window.__lat = []; window.__count = 0')
    const before = await dev('stats')
    const cpuBefore = await processCpu(browser.send)
    const sent = await sender.stream(rate, windowMs)
    // Hidden tabs get their last events up to hiddenDeliveryMs later.
    await sleep(1_000)
    const cpuAfter = await processCpu(browser.send)
    const after = await dev('stats')
    const latencies = (await pages[0].evaluate<number[]>('window.__lat')).sort((a, b) => a - b)
    const counts = await Promise.all(pages.map((t) => t.evaluate<number>('window.__count')))
    const split = cpuSplit(cpuBefore, cpuAfter, workerPid)
    const result: RunResult = {
      scenario: 'hidden',
      mode,
      tabs,
      sockets: before.sockets - 1,
      joins: before.joinsTotal,
      heartbeatsPerMinute: NOT_MEASURED,
      ...serverPerEvent(before, after, sent),
      latency: latencySummary(latencies, sent * tabs - counts.reduce((a, b) => a + b, 0)),
      maxSustainedRate: NOT_MEASURED,
      firstEventMs: NOT_MEASURED,
      firstEventRemoteMs: NOT_MEASURED,
      recoveryMs: NOT_MEASURED,
      cpuSeconds: totalCpu(split),
      cpuSplit: split,
      tabHeapMb: NOT_MEASURED,
      workerHeapMb: null,
      visibility,
    }
    console.log(
      `${String(Math.round(performance.now() / 1000)).padStart(4)} s  hidden ${mode.padEnd(9)} N=${String(tabs).padStart(2)}  ${visibility.visible} visible + ${visibility.hidden} hidden  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  loss ${result.latency.loss}  cpu ${result.cpuSeconds.toFixed(2)} s (tabs ${split.tabs.toFixed(2)}, worker ${split.worker.toFixed(2)}, browser ${split.browser.toFixed(2)})`,
    )
    return result
  } finally {
    await sender.close()
    await browser.close()
  }
}
