/**
 * The soak's verdicts: pure functions over what the tabs, the observer and the server recorded, so
 * that each can be tested on its own (scripts/chaos/checks.test.ts).
 */

/** What one tab recorded (page-side state in tab-script.ts). */
export interface TabRecord {
  tab: string
  /** One entry per send that settled: a status, or a rejection with its code (null = untyped). */
  sent: { n: number; status: string; code?: string | null; message?: string }[]
  /** Broadcasts heard by the app callback, in order. */
  heard: { from: string; n: number }[]
  /** Postgres INSERT row ids heard, in order. */
  rows: number[]
  /** The Postgres-changes channel's status changes and resync notices, in order. */
  dbLog: ({ kind: 'status'; status: string; at: number } | { kind: 'resync'; since: number; until: number; reason: string; at: number })[]
  /** First SUBSCRIBED of the Postgres-changes channel (Date.now()). */
  dbSubscribedAt: number | null
  errors: string[]
  health?: { status: string; queueSize: number; channels: Record<string, string> }
}

/** A row the inserter wrote: its id and the wall-clock window of the insert request. */
export interface InsertedRow {
  id: number
  from: number
  to: number
}

export interface ObserverRecord {
  /** Broadcasts in arrival order, with the idempotency id they carried. */
  arrivals: { from: string; n: number; id: string | null }[]
}

export interface CheckResult {
  name: string
  ok: boolean
  detail: string
}

const key = (from: string, n: number) => `${from}:${n}`
const DELIVERED = new Set(['ok', 'queued'])

export function sendFigures(tabs: readonly TabRecord[]) {
  const byStatus: Record<string, number> = {}
  const untyped: string[] = []
  for (const t of tabs) {
    for (const s of t.sent) {
      const label = s.status === 'rejected' ? `rejected:${s.code ?? 'untyped'}` : s.status
      byStatus[label] = (byStatus[label] ?? 0) + 1
      if (s.status === 'rejected' && !s.code) untyped.push(`${t.tab}#${s.n}: ${s.message ?? ''}`)
    }
  }
  return { total: tabs.reduce((sum, t) => sum + t.sent.length, 0), byStatus, untyped }
}

/** Every broadcast that resolved 'ok' or 'queued' reached the observer. */
export function checkNoneLost(tabs: readonly TabRecord[], observer: ObserverRecord): CheckResult & { lost: string[] } {
  const arrived = new Set(observer.arrivals.map((a) => key(a.from, a.n)))
  const lost: string[] = []
  let promised = 0
  for (const t of tabs) {
    for (const s of t.sent) {
      if (!DELIVERED.has(s.status)) continue
      promised++
      if (!arrived.has(key(t.tab, s.n))) lost.push(key(t.tab, s.n))
    }
  }
  return { name: 'none lost', ok: lost.length === 0, detail: `${promised} resolved ok/queued, ${lost.length} lost${lost.length ? `: ${lost.slice(0, 10).join(', ')}` : ''}`, lost }
}

/** Duplicates at the observer are allowed only as resends: the same message with the same id. */
export function checkObserverDuplicates(observer: ObserverRecord): CheckResult & { duplicates: number } {
  const ids = new Map<string, Set<string | null>>()
  const counts = new Map<string, number>()
  for (const a of observer.arrivals) {
    const k = key(a.from, a.n)
    counts.set(k, (counts.get(k) ?? 0) + 1)
    if (!ids.has(k)) ids.set(k, new Set())
    ids.get(k)!.add(a.id)
  }
  let duplicates = 0
  const foreign: string[] = []
  for (const [k, count] of counts) {
    if (count < 2) continue
    duplicates += count - 1
    const set = ids.get(k)!
    if (set.size !== 1 || set.has(null)) foreign.push(k)
  }
  return {
    name: 'observer duplicates are resends',
    ok: foreign.length === 0,
    detail: `${duplicates} duplicate(s) at the plain observer${foreign.length ? `; ${foreign.length} with different or missing ids: ${foreign.slice(0, 10).join(', ')}` : ', all with the same id (resends)'}`,
    duplicates,
  }
}

/** App callbacks never see a broadcast twice. */
export function checkAppDuplicates(tabs: readonly TabRecord[]): CheckResult {
  const offenders: string[] = []
  let total = 0
  for (const t of tabs) {
    const seen = new Set<string>()
    for (const h of t.heard) {
      const k = key(h.from, h.n)
      if (seen.has(k)) {
        total++
        offenders.push(`${t.tab} heard ${k}`)
      }
      seen.add(k)
    }
  }
  return { name: 'no duplicates at app callbacks', ok: total === 0, detail: `${total} duplicate(s)${offenders.length ? `: ${offenders.slice(0, 10).join(', ')}` : ''}` }
}

/** Order of first arrival per sender, among sends that resolved 'ok'/'queued', is the send order. */
export function checkOrder(tabs: readonly TabRecord[], arrivals: readonly { from: string; n: number }[], where: string): CheckResult {
  const promised = new Set<string>()
  for (const t of tabs) for (const s of t.sent) if (DELIVERED.has(s.status)) promised.add(key(t.tab, s.n))
  const last = new Map<string, number>()
  const seen = new Set<string>()
  const violations: string[] = []
  for (const a of arrivals) {
    const k = key(a.from, a.n)
    if (seen.has(k) || !promised.has(k)) continue
    seen.add(k)
    const before = last.get(a.from)
    if (before !== undefined && a.n < before) violations.push(`${a.from}: ${a.n} after ${before}`)
    last.set(a.from, Math.max(before ?? a.n, a.n))
  }
  return { name: `per-tab send order (${where})`, ok: violations.length === 0, detail: `${violations.length} out-of-order arrival(s)${violations.length ? `: ${violations.slice(0, 10).join(', ')}` : ''}` }
}

export function checkAppOrder(tabs: readonly TabRecord[]): CheckResult {
  const results = tabs.map((t) => checkOrder(tabs, t.heard, t.tab))
  const bad = results.filter((r) => !r.ok)
  return { name: 'per-tab send order (app callbacks)', ok: bad.length === 0, detail: bad.length ? bad.map((r) => `${r.name}: ${r.detail}`).join('; ') : `in order in all ${tabs.length} tab(s)` }
}

/** A Postgres change is never delivered twice to a tab. */
export function checkRowDuplicates(tabs: readonly TabRecord[]): CheckResult {
  const offenders: string[] = []
  for (const t of tabs) {
    const seen = new Set<number>()
    for (const id of t.rows) {
      if (seen.has(id)) offenders.push(`${t.tab} row ${id}`)
      seen.add(id)
    }
  }
  return { name: 'Postgres changes never twice', ok: offenders.length === 0, detail: `${offenders.length} duplicate(s)${offenders.length ? `: ${offenders.slice(0, 10).join(', ')}` : ''}` }
}

/**
 * Every outage of the Postgres-changes channel (a status other than SUBSCRIBED after SUBSCRIBED) is
 * followed by a resync notice, and every row a tab missed lies in one of its resync windows.
 */
export function checkResyncs(tabs: readonly TabRecord[], rows: readonly InsertedRow[], toleranceMs = 1_000): CheckResult & { outages: number; resyncs: number; missedRows: number } {
  let outages = 0
  let resyncs = 0
  let missedRows = 0
  const problems: string[] = []
  for (const t of tabs) {
    let wasSubscribed = false
    let open: number | null = null
    for (const entry of t.dbLog) {
      if (entry.kind === 'resync') {
        resyncs++
        open = null
        continue
      }
      if (entry.status === 'SUBSCRIBED') {
        wasSubscribed = true
        continue
      }
      if (wasSubscribed) {
        outages++
        if (open !== null) problems.push(`${t.tab}: outage at ${new Date(open).toISOString()} without a resync`)
        open = entry.at
      }
      wasSubscribed = false
    }
    if (open !== null) problems.push(`${t.tab}: outage at ${new Date(open).toISOString()} without a resync`)
    if (t.dbSubscribedAt === null) continue
    const heard = new Set(t.rows)
    const windows = t.dbLog.filter((e): e is Extract<TabRecord['dbLog'][number], { kind: 'resync' }> => e.kind === 'resync')
    for (const row of rows) {
      if (row.from < t.dbSubscribedAt || heard.has(row.id)) continue
      missedRows++
      const covered = windows.some((w) => w.since - toleranceMs <= row.to && w.until + toleranceMs >= row.from)
      if (!covered) problems.push(`${t.tab}: row ${row.id} missed outside any resync window`)
    }
  }
  const unique = [...new Set(problems)]
  return {
    name: 'a resync for every Postgres-changes outage',
    ok: unique.length === 0,
    detail: `${outages} outage(s), ${resyncs} resync(s), ${missedRows} row(s) missed${unique.length ? `; ${unique.length} problem(s): ${unique.slice(0, 10).join('; ')}` : ', all inside resync windows'}`,
    outages,
    resyncs,
    missedRows,
  }
}

export function checkErrors(where: string, errors: readonly string[]): CheckResult {
  return { name: `no unhandled error (${where})`, ok: errors.length === 0, detail: `${errors.length}${errors.length ? `: ${errors.slice(0, 5).join(' | ')}` : ''}` }
}

export function checkHealthy(tabs: readonly TabRecord[]): CheckResult {
  const bad: string[] = []
  for (const t of tabs) {
    const h = t.health
    if (!h) bad.push(`${t.tab}: no health`)
    else {
      if (h.status !== 'connected') bad.push(`${t.tab}: ${h.status}`)
      if (h.queueSize !== 0) bad.push(`${t.tab}: outbox ${h.queueSize}`)
      for (const [name, status] of Object.entries(h.channels)) if (status !== 'SUBSCRIBED') bad.push(`${t.tab}: ${name} ${status}`)
    }
  }
  return { name: 'every tab healthy, outbox empty', ok: bad.length === 0, detail: bad.length ? bad.slice(0, 10).join('; ') : `${tabs.length} tab(s) connected, every channel SUBSCRIBED, outbox 0` }
}
