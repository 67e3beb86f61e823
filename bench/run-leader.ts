/**
 * `npm run bench:leader [-- --quick]`: leader mode (no SharedWorker) beside SharedWorker mode, for N
 * tabs (leader-mode.ts). Writes bench/results/leader.json and leader.md (quick: leader-quick.*).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { chromium } from '@playwright/test'
import { createServer } from '../packages/server/src/index.ts'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium-path.mjs'
import { startPreview } from './harness.ts'
import { measureLeaderMode, type LeaderModeResult } from './leader-mode.ts'

const QUICK = process.argv.includes('--quick')
const TAB_COUNTS = QUICK ? [3] : [2, 5, 10, 25]
const SETTINGS = { rate: 200, windowMs: QUICK ? 2_000 : 6_000 }
const RESULTS = new URL('./results/', import.meta.url)

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—')

function renderMarkdown(results: LeaderModeResult[], chromiumVersion: string): string {
  const rows = results.map(
    (r) =>
      `| ${r.tabs} | ${r.host} | ${r.sockets} → ${r.socketsAfter} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.latency.p50)} / ${fmt(r.latency.p95)} / ${fmt(r.latency.p99)} | ${r.latency.loss} | ${fmt(r.newHubMs)} | ${fmt(r.failoverMs)} |`,
  )
  return [
    `# Leader mode beside SharedWorker mode`,
    '',
    `Chromium ${chromiumVersion}, ${new Date().toISOString()}${QUICK ? ' (quick)' : ''}; ${SETTINGS.rate} events/s for ${SETTINGS.windowMs} ms to N visible tabs; failover under 100 events/s.`,
    '',
    '| N | hub | sockets (before → after failover) | browser CPU s | latency p50 / p95 / p99 ms | lost | new hub ms | every tab served ms |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n')
}

async function main(): Promise<void> {
  const server = await createServer({ port: 0, limits: false, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
  const preview = await startPreview()
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  const results: LeaderModeResult[] = []
  const chromiumVersion = browser.version()
  try {
    for (const tabs of TAB_COUNTS) for (const host of ['shared-worker', 'leader'] as const) results.push(await measureLeaderMode(browser, server, preview.url, host, tabs, SETTINGS))
  } finally {
    await browser.close()
    await preview.close()
    await server.close()
  }
  mkdirSync(RESULTS, { recursive: true })
  const name = QUICK ? 'leader-quick' : 'leader'
  writeFileSync(new URL(`${name}.json`, RESULTS), JSON.stringify({ chromium: chromiumVersion, quick: QUICK, settings: SETTINGS, results }, null, 2))
  writeFileSync(new URL(`${name}.md`, RESULTS), renderMarkdown(results, chromiumVersion))
  console.log(`\nbench:leader: ${results.length} runs → bench/results/${name}.md`)
}

await main()
process.exit(0)
