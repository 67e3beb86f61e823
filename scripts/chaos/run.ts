/**
 * `npm run chaos -- [--seconds 180] [--seed N|random] [--seeds a,b,…] [--tabs 6] [--server-port 0]
 * [--preview-port 0] [--out file.json]`: the seeded fault soak of issue #12 against the local server.
 * Prints every fault, the figures and each check; exits 1 if any check failed.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { chromium } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../chromium-path.mjs'
import { buildDemo } from '../../test-support/static-server.ts'
import { parseSeed } from './random.ts'
import { runSoak, type SoakReport } from './soak.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    tabs: { type: 'string', default: '6' },
    'server-port': { type: 'string', default: '0' },
    'preview-port': { type: 'string', default: '0' },
    out: { type: 'string' },
  },
})

const positive = (name: string, value: string | undefined, min: number) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not "${value}"`)
  return n
}

const seconds = positive('seconds', values.seconds, 1)
const tabs = positive('tabs', values.tabs, 2)
const serverPort = positive('server-port', values['server-port'], 0)
const previewPort = positive('preview-port', values['preview-port'], 0)
const seeds = (values.seeds ?? values.seed ?? 'random').split(',').map((s) => parseSeed(s.trim()))

function print(report: SoakReport): void {
  const lines = [
    '',
    `== chaos soak, seed ${report.seed}: ${report.ok ? 'PASS' : 'FAIL'} ==`,
    `faults (${Object.values(report.faults).reduce((a, b) => a + b, 0)}): ${Object.entries(report.faults).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    ...Object.entries(report.figures).map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`),
    ...report.checks.map((c) => `  [${c.ok ? 'ok' : 'FAIL'}] ${c.name}: ${c.detail}`),
    `replay with: npm run chaos -- --seed ${report.seed} --seconds ${report.seconds}`,
  ]
  console.log(lines.join('\n'))
}

const demoRoot = await buildDemo()
const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
const reports: SoakReport[] = []
try {
  for (const seed of seeds) {
    console.log(`chaos: seed ${seed} (replay with --seed ${seed}), ${seconds} s, ${tabs} tabs`)
    const started = Date.now()
    const report = await runSoak({ seed, seconds, tabs, browser, demoRoot, serverPort, previewPort, log: (line) => console.log(line) })
    report.figures.wallSeconds = Math.round((Date.now() - started) / 1000)
    reports.push(report)
    print(report)
  }
} finally {
  await browser.close()
}
if (values.out) writeFileSync(values.out, JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n')
const failed = reports.filter((r) => !r.ok)
console.log(failed.length ? `\nchaos: ${failed.length} of ${reports.length} run(s) FAILED (seeds ${failed.map((r) => r.seed).join(', ')})` : `\nchaos: ${reports.length} run(s) passed`)
process.exit(failed.length ? 1 : 0)
