/**
 * `npm run bench [-- --quick]`: one shared socket (shared-realtime) against one supabase-js client per
 * tab (baseline), in three scenarios, against the local server started in-process with its limits off:
 * - all-visible: N visible tabs (all-visible.ts), also with `deliveryBatchMs` from N = 10;
 * - hidden: one visible tab and N−1 really hidden ones (hidden.ts);
 * - cold-start: the first tab of a fresh profile, from page load to its first event (cold-start.ts).
 * Writes bench/results/results.json (one row per run, each naming its scenario), results.md and SVG charts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { chromium } from '@playwright/test'
import { createServer } from '../packages/server/src/index.ts'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium-path.mjs'
import { renderCharts, renderMarkdown } from './report.ts'
import { measureAllVisible } from './all-visible.ts'
import { measureHidden } from './hidden.ts'
import { measureColdStart } from './cold-start.ts'
import { BATCH_MS, HEARTBEAT_MS, MODES, startPreview } from './harness.ts'
import type { Machine, RunResult } from './types.ts'

const QUICK = process.argv.includes('--quick')
const TAB_COUNTS = QUICK ? [1, 5] : [1, 5, 10, 25, 50]
const SETTINGS = {
  fixedRate: 200,
  windowMs: QUICK ? 3_000 : 6_000,
  ramp: QUICK ? [200, 800] : [50, 100, 200, 400, 800, 1600],
  rampMs: QUICK ? 1_500 : 2_000,
  /** One-way delay added to every server frame for the "remote" first-event measurement. */
  remoteLatencyMs: 40,
}
const COLD_START_SAMPLES = 3
const RESULTS = new URL('./results/', import.meta.url)

async function main(): Promise<void> {
  const started = Date.now()
  const server = await createServer({ port: 0, limits: false, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
  const preview = await startPreview()
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  const results: RunResult[] = []
  let chromiumVersion = browser.version()
  try {
    for (const tabs of TAB_COUNTS) {
      // Batching is a trade-off for many tabs under load: measured from N = 10 up (and not in --quick).
      for (const mode of QUICK || tabs < 10 ? MODES.filter((m) => m !== 'shared-batched') : MODES) {
        results.push(await measureAllVisible(browser, server, preview.url, mode, tabs, SETTINGS))
      }
      // With one tab there is nothing hidden: the hidden scenario starts at N = 5.
      if (tabs > 1) for (const mode of ['shared', 'baseline'] as const) results.push(await measureHidden(server, preview.url, mode, tabs, SETTINGS.fixedRate, SETTINGS.windowMs))
    }
    for (const mode of ['shared', 'baseline'] as const) results.push(await measureColdStart(browser, server, preview.url, mode, COLD_START_SAMPLES))
  } finally {
    chromiumVersion = browser.version()
    await browser.close()
    await preview.close()
    await server.close()
  }
  const machine: Machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    chromium: chromiumVersion,
    date: new Date().toISOString(),
    quick: QUICK,
    durationS: Math.round((Date.now() - started) / 1000),
    settings: { ...SETTINGS, heartbeatIntervalMs: HEARTBEAT_MS, batchMs: BATCH_MS, coldStartSamples: COLD_START_SAMPLES },
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
