/**
 * Leader mode beside SharedWorker mode (issue 16): N visible tabs on one topic, once with the
 * SharedWorker hub and once with SharedWorker removed (the tabs elect a leader whose page runs the
 * hub). Per run: sockets, browser CPU and delivery latency under a fixed-rate stream, then failover:
 * the hub's host goes (the SharedWorker is killed, or the leader tab is closed) under a 100/s stream,
 * and we time until a new hub serves (a new leader is elected) and until every remaining tab receives
 * an event sent after the loss.
 */
import type { Browser, Page } from '@playwright/test'
import type { createServer } from '../packages/server/src/index.ts'
import { createDevApi } from '../test-support/dev-api.ts'
import { sharedWorkerTargets } from '../test-support/devtools.ts'
import { processCpu } from './cpu.ts'
import { collect, createSender, latencySummary, openTab, sleep, subscribeTab, waitFor } from './harness.ts'

export type HubHost = 'shared-worker' | 'leader'

export interface LeaderModeResult {
  host: HubHost
  tabs: number
  sockets: number
  /** Browser CPU seconds (every process) in the fixed-rate window. */
  cpuSeconds: number
  latency: { p50: number; p95: number; p99: number; loss: number }
  /** From the loss of the hub's host to a tab being served by a new hub (leader: elected and connected). */
  newHubMs: number
  /** From the loss to every remaining tab receiving an event sent after it. */
  failoverMs: number
  socketsAfter: number
}

export interface LeaderModeSettings {
  rate: number
  windowMs: number
}

const epochOf = (page: Page) => page.evaluate(() => window.realtime.getHealthStatus().epoch)

export async function measureLeaderMode(browser: Browser, server: Awaited<ReturnType<typeof createServer>>, previewUrl: string, host: HubHost, tabs: number, settings: LeaderModeSettings): Promise<LeaderModeResult> {
  const dev = createDevApi(server.url, server.serviceRoleKey)
  const context = await browser.newContext()
  if (host === 'leader') await context.addInitScript(() => delete (window as { SharedWorker?: unknown }).SharedWorker)
  const sender = await createSender(server.url, server.anonKey)
  try {
    await dev('reset', {})
    const pages: Page[] = []
    for (let i = 0; i < tabs; i++) pages.push(await openTab(context, { serverUrl: server.url, previewUrl }, 'shared'))
    for (const page of pages) await subscribeTab(page, 'shared')
    await sleep(300)
    const sockets = (await dev('stats')).sockets - 1

    await collect(pages)
    const cdp = await browser.newBrowserCDPSession()
    const send = (method: string, params?: object) => cdp.send(method as never, params as never)
    const cpuBefore = await processCpu(send)
    const sent = await sender.stream(settings.rate, settings.windowMs)
    await sleep(500)
    const cpuAfter = await processCpu(send)
    let cpuSeconds = 0
    for (const [pid, p] of cpuAfter) cpuSeconds += p.cpu - (cpuBefore.get(pid)?.cpu ?? 0)
    const latencies = (await collect(pages)).flat().sort((a, b) => a - b)

    // Failover under a steady stream.
    const stop = new AbortController()
    const streaming = sender.stream(100, 120_000, stop.signal)
    await sleep(500)
    const oldEpoch = await epochOf(pages[0])
    let survivors = pages
    const lostAt = Date.now()
    if (host === 'shared-worker') {
      const [worker] = await sharedWorkerTargets(cdp)
      await cdp.send('Target.closeTarget' as never, { targetId: worker.targetId } as never)
    } else {
      const modes = await Promise.all(pages.map((p) => p.evaluate(() => window.realtime.getHealthStatus().mode)))
      const leader = modes.indexOf('leader')
      survivors = pages.filter((_, i) => i !== leader)
      if (survivors.length === 0) survivors = []
      await pages[leader].close()
    }
    await cdp.detach()
    let newHubMs = Number.NaN
    let failoverMs = Number.NaN
    if (survivors.length > 0) {
      await waitFor(async () => (await epochOf(survivors[0])) !== oldEpoch, 30_000, 'a new hub')
      newHubMs = Date.now() - lostAt
      await waitFor(async () => (await Promise.all(survivors.map((p) => p.evaluate(() => window.__lastT)))).every((t) => t > lostAt), 30_000, 'every tab served again')
      failoverMs = Date.now() - lostAt
    }
    stop.abort()
    await streaming
    await sleep(300)
    const result: LeaderModeResult = {
      host,
      tabs,
      sockets,
      cpuSeconds,
      latency: latencySummary(latencies, sent * tabs - latencies.length),
      newHubMs,
      failoverMs,
      socketsAfter: (await dev('stats')).sockets - 1,
    }
    console.log(`leader-mode ${host.padEnd(13)} N=${String(tabs).padStart(2)}  sockets ${sockets}→${result.socketsAfter}  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  loss ${result.latency.loss}  cpu ${cpuSeconds.toFixed(2)} s  new hub ${newHubMs} ms  every tab served ${failoverMs} ms`)
    return result
  } finally {
    await sender.close()
    await context.close()
  }
}
