/**
 * The *cold-start* scenario: the first tab of a fresh browser profile (a new Playwright context has
 * no SharedWorker yet), from the start of its page load to its first event, while events flow. The
 * shared client pays for starting the worker, its socket and its join; baseline for its socket and join.
 */
import type { Browser } from '@playwright/test'
import type { createServer } from '../packages/server/src/index.ts'
import { createSender, pageArgs, tabUrl, type BenchChannel, type Mode } from './harness.ts'
import { NOT_MEASURED, type RunResult } from './types.ts'

type Server = Awaited<ReturnType<typeof createServer>>

/** Runs in the page: subscribes and resolves with `performance.now()` (ms since navigation start) at the first event. */
export function firstEventSinceLoad({ shared, heartbeatIntervalMs }: { shared: boolean; heartbeatIntervalMs: number }): Promise<number> {
  const { supabaseUrl, anonKey } = window.demoConfig
  const channel = (
    shared ? window.realtime.channel('bench') : window.createClient(supabaseUrl, anonKey, { realtime: { heartbeatIntervalMs } }).realtime.channel('bench')
  ) as unknown as BenchChannel
  return new Promise<number>((resolve, reject) => {
    setTimeout(() => reject(new Error('no event within 15 s')), 15_000)
    channel.on('broadcast', { event: 'tick' }, () => resolve(performance.now())).subscribe()
  })
}

export async function measureColdStart(browser: Browser, server: Server, previewUrl: string, mode: Mode, samples: number): Promise<RunResult> {
  const sender = await createSender(server.url, server.anonKey)
  const stop = new AbortController()
  const streaming = sender.stream(200, 600_000, stop.signal)
  const times: number[] = []
  try {
    for (let i = 0; i < samples; i++) {
      const context = await browser.newContext()
      try {
        const page = await context.newPage()
        await page.goto(tabUrl({ serverUrl: server.url, previewUrl }, mode), { waitUntil: 'commit' })
        await page.waitForFunction(() => typeof window.realtime === 'object')
        times.push(await page.evaluate(firstEventSinceLoad, pageArgs(mode)))
      } finally {
        await context.close()
      }
    }
  } finally {
    stop.abort()
    await streaming
    await sender.close()
  }
  times.sort((a, b) => a - b)
  const firstEventMs = times[Math.floor(times.length / 2)]
  console.log(`${String(Math.round(performance.now() / 1000)).padStart(4)} s  cold-start ${mode.padEnd(9)} first event ${firstEventMs.toFixed(1)} ms after navigation start (samples ${times.map((t) => t.toFixed(0)).join(', ')})`)
  return {
    scenario: 'cold-start',
    mode,
    tabs: 1,
    sockets: NOT_MEASURED,
    joins: NOT_MEASURED,
    heartbeatsPerMinute: NOT_MEASURED,
    framesPerEvent: NOT_MEASURED,
    bytesPerEvent: NOT_MEASURED,
    deliveriesPerEvent: NOT_MEASURED,
    latency: { p50: NOT_MEASURED, p95: NOT_MEASURED, p99: NOT_MEASURED, loss: 0 },
    maxSustainedRate: NOT_MEASURED,
    firstEventMs,
    firstEventRemoteMs: NOT_MEASURED,
    recoveryMs: NOT_MEASURED,
    cpuSeconds: NOT_MEASURED,
    cpuSplit: null,
    tabHeapMb: NOT_MEASURED,
    workerHeapMb: null,
  }
}
