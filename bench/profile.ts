/**
 * `npm run bench:profile -- [--mode shared|baseline] [--tabs 25] [--rate 200] [--seconds 5]`:
 * N tabs in one mode under a steady broadcast stream, with the V8 sampling profiler on the
 * SharedWorker and on one tab. Prints browser CPU per process type, delivery latency, and the
 * functions with the most self time, so a regression in the hub's fan-out shows where it is.
 */
import { parseArgs } from 'node:util'
import { chromium, type Page } from '@playwright/test'
import { createServer } from '../packages/server/src/index.ts'
import { CHROMIUM_ARGS, chromiumPath } from '../scripts/chromium-path.mjs'
import { attachWorker, collect, cpuByProcessType, createSender, openTab, percentile, sleep, startPreview, subscribeTab, type Mode } from './harness.ts'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
}

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'shared' },
    tabs: { type: 'string', default: '25' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    top: { type: 'string', default: '20' },
  },
})
const mode = values.mode as Mode
const tabs = Number(values.tabs)
const rate = Number(values.rate)
const ms = Number(values.seconds) * 1000

/** Self time per function, in ms, from the profile's sample counts. */
function selfTimes(profile: Profile): { name: string; ms: number; share: number }[] {
  const interval = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length)
  const hits = new Map<number, number>()
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1)
  const byName = new Map<string, number>()
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0
    if (!count) continue
    const file = node.callFrame.url.split('/').pop() || ''
    const name = `${node.callFrame.functionName || '(anonymous)'} ${file}${file ? `:${node.callFrame.lineNumber + 1}` : ''}`
    byName.set(name, (byName.get(name) ?? 0) + count * interval)
  }
  const total = [...byName.values()].reduce((a, b) => a + b, 0)
  return [...byName.entries()].map(([name, t]) => ({ name, ms: t, share: t / total })).sort((a, b) => b.ms - a.ms)
}

function printProfile(title: string, profile: Profile): void {
  const rows = selfTimes(profile)
  const busy = rows.filter((r) => !/^\((idle|program|garbage collector)\)/.test(r.name)).reduce((a, r) => a + r.ms, 0)
  const gc = rows.find((r) => r.name.startsWith('(garbage collector)'))?.ms ?? 0
  console.log(`\n${title}: ${busy.toFixed(0)} ms of JavaScript, ${gc.toFixed(0)} ms GC in ${(ms / 1000).toFixed(0)} s`)
  for (const row of rows.slice(0, Number(values.top))) console.log(`  ${row.ms.toFixed(1).padStart(8)} ms  ${(row.share * 100).toFixed(1).padStart(5)} %  ${row.name}`)
}

/** Starts the V8 sampling profiler through a DevTools Protocol session; returns its stop. */
async function startProfiler(send: (method: string, params?: object) => Promise<unknown>): Promise<() => Promise<Profile>> {
  await send('Profiler.enable')
  await send('Profiler.setSamplingInterval', { interval: 200 })
  await send('Profiler.start')
  return async () => ((await send('Profiler.stop')) as { profile: Profile }).profile
}

const server = await createServer({ port: 0, limits: false, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })
const preview = await startPreview()
const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
try {
  const context = await browser.newContext()
  const sender = await createSender(server.url, server.anonKey)
  const pages: Page[] = []
  for (let i = 0; i < tabs; i++) pages.push(await openTab(context, { serverUrl: server.url, previewUrl: preview.url }, mode))
  for (const page of pages) await subscribeTab(page, mode)
  await sleep(500)
  await collect(pages)

  // First window without the profiler (it costs CPU of its own): CPU per process type and latency.
  const cpuBefore = await cpuByProcessType(browser)
  const sent = await sender.stream(rate, ms)
  await sleep(500)
  const cpuAfter = await cpuByProcessType(browser)
  const latencies = (await collect(pages)).flat().sort((a, b) => a - b)
  console.log(`${mode} N=${tabs}: ${sent} events at ${rate}/s; p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, lost ${sent * tabs - latencies.length}`)
  let total = 0
  for (const [type, after] of cpuAfter) {
    const used = after - (cpuBefore.get(type) ?? 0)
    total += used
    if (used >= 0.01) console.log(`  CPU ${type.padEnd(32)} ${used.toFixed(2)} s`)
  }
  console.log(`  CPU total${' '.repeat(29)}${total.toFixed(2)} s`)

  // Second window with the sampling profiler on the worker and on one tab.
  const worker = mode === 'baseline' ? null : await attachWorker(browser)
  const stopWorker = worker ? await startProfiler((method, params) => worker.send(method, params)) : null
  const tabSession = await context.newCDPSession(pages[0])
  const stopTab = await startProfiler((method, params) => tabSession.send(method as never, params as never))
  await sender.stream(rate, ms)
  await sleep(500)
  const tabProfile = await stopTab()
  const workerProfile = stopWorker ? await stopWorker() : null
  await collect(pages)
  if (workerProfile) printProfile('worker', workerProfile)
  printProfile('tab 1', tabProfile)
  await worker?.detach()
  await sender.close()
  await context.close()
} finally {
  await browser.close()
  await preview.close()
  await server.close()
}
process.exit(0)
