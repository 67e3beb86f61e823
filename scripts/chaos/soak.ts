/**
 * One seeded soak (issue #12): tabs in one browser context sharing one SharedWorker, each sending a
 * broadcast every 500 ms and awaiting it, a row inserted every 200 ms with every tab subscribed to its
 * INSERTs, presence tracked in every tab, a plain supabase-js observer on a fault-exempt socket, and a
 * random fault every 3–8 s. Then every fault is lifted, recovery is awaited, and everything is checked.
 */
import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { createServer, type RealtimeServer } from '../../packages/server/src/index.ts'
import { createDevApi } from '../../test-support/dev-api.ts'
import { serveStatic } from '../../test-support/static-server.ts'
import { watchWorkers } from './browser.ts'
import { FAULTS, injectFault, type FaultKind, type FaultTargets } from './faults.ts'
import { startObserver } from './observer.ts'
import { seededRandom, type SeededRandom } from './random.ts'
import {
  checkAppDuplicates,
  checkAppOrder,
  checkErrors,
  checkHealthy,
  checkNoneLost,
  checkObserverDuplicates,
  checkOrder,
  checkResyncs,
  checkRowDuplicates,
  sendFigures,
  type CheckResult,
  type InsertedRow,
  type TabRecord,
} from './checks.ts'

export interface SoakOptions {
  seed: number
  seconds: number
  tabs: number
  browser: Browser
  demoRoot: string
  serverPort: number
  previewPort: number
  log: (line: string) => void
}

export interface SoakReport {
  seed: number
  seconds: number
  tabs: number
  faults: Record<string, number>
  figures: Record<string, unknown>
  checks: CheckResult[]
  ok: boolean
}

const TABLE = 'chaos_rows'
const SEND_INTERVAL_MS = 500
const INSERT_INTERVAL_MS = 200
/** Short intervals so that outages are noticed and recovered from within seconds. */
const HUB_PARAMS = { heartbeatIntervalMs: 2000, timeoutMs: 3000, backoffInitialMs: 200, backoffMaxMs: 2000, breakerResetMs: 3000, outboxMaxSize: 10_000 }
const TAB_SCRIPT = readFileSync(new URL('./tab-script.js', import.meta.url), 'utf8')

const INJECT_TIMEOUT_MS = 30_000
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return true
    if (Date.now() > deadline) return false
    await sleep(intervalMs)
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const random = seededRandom(o.seed)
  const serverErrors: string[] = []
  const socketErrors: string[] = []
  const server: RealtimeServer = await createServer({
    port: o.serverPort,
    connectErrorDelayMs: 0,
    channelErrorDelayMs: 0,
    log: (line) => {
      if (/^error handling/.test(line)) serverErrors.push(line)
      else if (/^socket error/.test(line)) socketErrors.push(line)
    },
  })
  const preview = await serveStatic(o.demoRoot, o.previewPort)
  const dev = createDevApi(server.url, server.serviceRoleKey)
  await dev('sql', { query: `create table if not exists public.${TABLE} (id bigint primary key, at timestamptz default now()); alter publication supabase_realtime add table public.${TABLE};` })

  const context: BrowserContext = await o.browser.newContext()
  const workerErrors: string[] = []
  const workers = await watchWorkers(o.browser, (message) => workerErrors.push(message))
  const observer = await startObserver(server.url, server.anonKey, 'chaos-bc', 'm')
  const pageErrors: string[] = []
  const live = new Map<Page, string>()
  const finished: TabRecord[] = []
  const frozen = new Map<Page, () => Promise<void>>()
  let tabCounter = 0
  const query = new URLSearchParams({ url: server.url, manual: '1', ...Object.fromEntries(Object.entries(HUB_PARAMS).map(([k, v]) => [k, String(v)])) })

  const openTab = async () => {
    const name = `t${++tabCounter}`
    const page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`))
    await page.goto(`${preview.url}/?${query}`)
    await page.waitForFunction(() => typeof (window as unknown as { realtime?: unknown }).realtime === 'object')
    await page.evaluate(TAB_SCRIPT)
    live.set(page, name)
    await page.evaluate(`window.__chaosStart(${JSON.stringify({ tab: name, sendIntervalMs: SEND_INTERVAL_MS, table: TABLE })})`)
    return page
  }
  const snapshot = (page: Page) => page.evaluate('window.__chaosSnapshot()') as Promise<TabRecord>

  o.log(`seed ${o.seed}: ${o.tabs} tabs, ${o.seconds} s of faults; server ${server.url}, page ${preview.url}`)
  for (let i = 0; i < o.tabs; i++) await openTab()

  // Rows: one every 200 ms, each with the wall-clock window of its insert.
  const rows: InsertedRow[] = []
  let inserting = true
  let nextRow = 0
  const inserter = (async () => {
    while (inserting) {
      const id = ++nextRow
      const from = Date.now()
      try {
        await dev('sql', { query: `insert into public.${TABLE} (id) values (${id})` })
        rows.push({ id, from, to: Date.now() })
      } catch (error) {
        serverErrors.push(`insert ${id}: ${String(error)}`)
      }
      await sleep(INSERT_INTERVAL_MS)
    }
  })()

  // Browser sockets (the observer's is exempt and not counted), sampled every second.
  let maxBrowserSockets = 0
  let sampling = true
  const browserSockets = async () => {
    const stats = (await dev('stats')) as { sockets: number; faultExemptSockets: number }
    return stats.sockets - stats.faultExemptSockets
  }
  const sampler = (async () => {
    while (sampling) {
      maxBrowserSockets = Math.max(maxBrowserSockets, await browserSockets().catch(() => 0))
      await sleep(1000)
    }
  })()

  const faults: Record<string, number> = {}
  const harnessProblems: string[] = []
  const lifts: Promise<void>[] = []
  const targets: FaultTargets = {
    dev,
    live,
    frozen,
    killWorker: () => workers.killWorker(),
    replaceTab: async (page) => {
      const name = live.get(page)!
      finished.push(await snapshot(page))
      live.delete(page)
      await page.close()
      await openTab()
      return `${name} closed, t${tabCounter} opened`
    },
    lifts,
  }
  const inject = (kind: FaultKind, r: SeededRandom) => {
    faults[kind] = (faults[kind] ?? 0) + 1
    return injectFault(kind, r, targets)
  }

  const started = Date.now()
  const endAt = started + o.seconds * 1000
  while (Date.now() < endAt) {
    await sleep(Math.min(random.int(3000, 8000), Math.max(0, endAt - Date.now())))
    if (Date.now() >= endAt) break
    const kind = random.pick(FAULTS)
    const at = `+${Math.round((Date.now() - started) / 1000)} s`
    try {
      // A fault that cannot be injected within 30 s (a tab that does not load) is a finding, not a hang.
      const what = await Promise.race([inject(kind, random), sleep(INJECT_TIMEOUT_MS).then(() => Promise.reject(new Error(`not done within ${INJECT_TIMEOUT_MS} ms`)))])
      o.log(`  ${at}  ${kind}: ${what}`)
    } catch (error) {
      harnessProblems.push(`${at} ${kind}: ${String(error)}`)
      o.log(`  ${at}  ${kind} failed: ${String(error)}`)
    }
  }

  // ---- lift everything and wait for recovery -------------------------------------------------
  o.log('lifting every fault')
  for (const thaw of frozen.values()) await thaw()
  frozen.clear()
  await Promise.all(lifts)
  await dev('reset', {})
  inserting = false
  await inserter
  const pages = [...live.keys()]
  await Promise.all(pages.map((p) => p.evaluate('window.__chaosStop()')))
  // A heartbeat sent during a stall still times out up to one interval after it went (and a call, up to
  // timeoutMs): that outage is the fault's, and it must play out before recovery is judged.
  const settleMs = 2 * HUB_PARAMS.heartbeatIntervalMs + HUB_PARAMS.timeoutMs
  await sleep(settleMs)
  const settledAt = Date.now()
  const recovered = await until(async () => {
    const records = await Promise.all(pages.map(snapshot))
    return checkHealthy(records).ok
  }, 90_000)
  const recoveryMs = Date.now() - settledAt
  if (!recovered) {
    const inWorker = await workers.evaluate('JSON.stringify({ hub: globalThis.__sharedRealtimeHub?.inspect?.() ?? null, onconnect: typeof globalThis.onconnect })').catch((error) => String(error))
    o.log(`not recovered; shared workers: ${await workers.workerCount()}; inside: ${JSON.stringify(inWorker).slice(0, 3000)}`)
    for (const page of pages) o.log(`  ${live.get(page)}: ${JSON.stringify((await snapshot(page)).health)}`)
  }
  // Live again: a last row reaches every tab.
  const marker = ++nextRow
  const markerFrom = Date.now()
  await dev('sql', { query: `insert into public.${TABLE} (id) values (${marker})` })
  rows.push({ id: marker, from: markerFrom, to: Date.now() })
  const liveAgain = await until(async () => (await Promise.all(pages.map(snapshot))).every((r) => r.rows.includes(marker)), 30_000)
  // Let the observer catch up with the last resends.
  let arrivals = -1
  await until(() => {
    const quiet = observer.record.arrivals.length === arrivals
    arrivals = observer.record.arrivals.length
    return quiet
  }, 30_000, 2_000)
  const records = [...finished, ...(await Promise.all(pages.map(snapshot)))]
  const openSockets = await browserSockets()
  sampling = false
  await sampler

  // ---- close every tab: no socket may be left ------------------------------------------------
  for (const page of pages) await page.close()
  const closedClean = await until(async () => (await browserSockets()) === 0, 30_000)
  const socketsAfterClose = await browserSockets()
  const observerOutages = observer.outages()
  observer.close()
  await workers.detach()
  await context.close()
  await preview.close()
  await server.close()

  const liveRecords = records.slice(finished.length)
  const sends = sendFigures(records)
  const lost = checkNoneLost(records, observer.record)
  const duplicates = checkObserverDuplicates(observer.record)
  const resyncs = checkResyncs(liveRecords, rows)
  const tabErrors = [...pageErrors, ...records.flatMap((r) => r.errors.map((e) => `${r.tab}: ${e}`))]
  const checks: CheckResult[] = [
    { name: 'every fault injected', ok: harnessProblems.length === 0, detail: harnessProblems.length ? harnessProblems.join('; ') : 'all injected in time' },
    { name: 'recovered after the faults were lifted', ok: recovered && liveAgain, detail: recovered ? `healthy ${Math.round(recoveryMs / 100) / 10} s after the faults were lifted and ${settleMs / 1000} s of settling; last row reached every tab: ${liveAgain}` : 'not healthy within 90 s' },
    { name: 'every rejection typed', ok: sends.untyped.length === 0, detail: `${sends.untyped.length} untyped${sends.untyped.length ? `: ${sends.untyped.slice(0, 5).join('; ')}` : ''}` },
    lost,
    duplicates,
    checkAppDuplicates(records),
    checkOrder(records, observer.record.arrivals, 'observer'),
    checkAppOrder(records),
    checkRowDuplicates(records),
    resyncs,
    { name: 'one browser socket while tabs are open', ok: openSockets === 1, detail: `${openSockets} at the end (max sampled during faults: ${maxBrowserSockets}, which can include a closing socket)` },
    { name: 'no browser socket after every tab closed', ok: closedClean, detail: `${socketsAfterClose} left` },
    { name: 'observer untouched by faults', ok: observerOutages === 0, detail: `${observerOutages} outage(s) of the observer itself` },
    checkErrors('tabs', tabErrors),
    checkErrors('worker', workerErrors),
    checkErrors('server', serverErrors),
    checkHealthy(liveRecords),
  ]
  return {
    seed: o.seed,
    seconds: o.seconds,
    tabs: o.tabs,
    faults,
    figures: {
      faultsInjected: Object.values(faults).reduce((a, b) => a + b, 0),
      sends: sends.total,
      sendOutcomes: sends.byStatus,
      lost: lost.lost.length,
      observerArrivals: observer.record.arrivals.length,
      observerDuplicates: duplicates.duplicates,
      rowsInserted: rows.length,
      rowsMissedInResyncWindows: resyncs.missedRows,
      postgresOutages: resyncs.outages,
      resyncs: resyncs.resyncs,
      tabsOpened: tabCounter,
      maxBrowserSockets,
      serverSocketErrors: socketErrors.length,
      recoverySeconds: Math.round(recoveryMs / 100) / 10,
    },
    checks,
    ok: checks.every((c) => c.ok),
  }
}
