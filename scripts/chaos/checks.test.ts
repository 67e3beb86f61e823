/** The soak's verdicts on hand-made records: each check passes on clean data and fails on the defect it looks for. */
import { describe, expect, it } from 'vitest'
import {
  checkAppDuplicates,
  checkHealthy,
  checkNoneLost,
  checkObserverDuplicates,
  checkOrder,
  checkResyncs,
  checkRowDuplicates,
  sendFigures,
  type TabRecord,
} from './checks.ts'
import { seededRandom } from './random.ts'

function tab(overrides: Partial<TabRecord> = {}): TabRecord {
  return { tab: 't1', sent: [], heard: [], rows: [], dbLog: [], dbSubscribedAt: 0, errors: [], ...overrides }
}

describe('chaos checks', () => {
  it('counts a broadcast that resolved ok or queued and never reached the observer as lost', () => {
    const tabs = [tab({ sent: [{ n: 1, status: 'ok' }, { n: 2, status: 'queued' }, { n: 3, status: 'rejected', code: 'timeout' }] })]
    expect(checkNoneLost(tabs, { arrivals: [{ from: 't1', n: 1, id: 'a' }, { from: 't1', n: 2, id: 'b' }] }).ok).toBe(true)
    const missing = checkNoneLost(tabs, { arrivals: [{ from: 't1', n: 1, id: 'a' }] })
    expect(missing).toMatchObject({ ok: false, lost: ['t1:2'] })
  })

  it('allows observer duplicates only with the same id', () => {
    expect(checkObserverDuplicates({ arrivals: [{ from: 't1', n: 1, id: 'a' }, { from: 't1', n: 1, id: 'a' }] })).toMatchObject({ ok: true, duplicates: 1 })
    expect(checkObserverDuplicates({ arrivals: [{ from: 't1', n: 1, id: 'a' }, { from: 't1', n: 1, id: 'b' }] }).ok).toBe(false)
  })

  it('finds duplicates at app callbacks and Postgres changes delivered twice', () => {
    expect(checkAppDuplicates([tab({ heard: [{ from: 't2', n: 1 }, { from: 't2', n: 2 }] })]).ok).toBe(true)
    expect(checkAppDuplicates([tab({ heard: [{ from: 't2', n: 1 }, { from: 't2', n: 1 }] })]).ok).toBe(false)
    expect(checkRowDuplicates([tab({ rows: [1, 2, 3] })]).ok).toBe(true)
    expect(checkRowDuplicates([tab({ rows: [1, 2, 2] })]).ok).toBe(false)
  })

  it('checks per-sender order of first arrivals among delivered sends; a resend of an earlier one is fine', () => {
    const tabs = [tab({ sent: [1, 2, 3].map((n) => ({ n, status: 'ok' })) })]
    expect(checkOrder(tabs, [1, 2, 1, 3].map((n) => ({ from: 't1', n })), 'observer').ok).toBe(true)
    expect(checkOrder(tabs, [1, 3, 2].map((n) => ({ from: 't1', n })), 'observer').ok).toBe(false)
  })

  it('wants a resync after every Postgres-changes outage and every missed row inside a resync window', () => {
    const rows = [
      { id: 1, from: 1_000, to: 1_010 },
      { id: 2, from: 5_000, to: 5_010 },
    ]
    const outage = [
      { kind: 'status' as const, status: 'SUBSCRIBED', at: 0 },
      { kind: 'status' as const, status: 'CHANNEL_ERROR', at: 4_500 },
      { kind: 'status' as const, status: 'SUBSCRIBED', at: 6_000 },
    ]
    const resync = { kind: 'resync' as const, since: 4_500, until: 6_000, reason: 'rejoined', at: 6_000 }
    expect(checkResyncs([tab({ rows: [1], dbLog: [...outage, resync] })], rows)).toMatchObject({ ok: true, outages: 1, resyncs: 1, missedRows: 1 })
    // No resync at all (a restarted hub before the fix).
    expect(checkResyncs([tab({ rows: [1, 2], dbLog: outage })], rows).ok).toBe(false)
    // A row missed outside the window.
    expect(checkResyncs([tab({ rows: [2], dbLog: [...outage, resync] })], rows).ok).toBe(false)
  })

  it('reports untyped rejections and unhealthy tabs', () => {
    const figures = sendFigures([tab({ sent: [{ n: 1, status: 'ok' }, { n: 2, status: 'rejected', code: null, message: 'Proxy has been released' }] })])
    expect(figures).toMatchObject({ total: 2, byStatus: { ok: 1, 'rejected:untyped': 1 } })
    expect(figures.untyped).toHaveLength(1)
    expect(checkHealthy([tab({ health: { status: 'connected', queueSize: 0, channels: { db: 'SUBSCRIBED' } } })]).ok).toBe(true)
    expect(checkHealthy([tab({ health: { status: 'connected', queueSize: 3, channels: { db: 'SUBSCRIBED' } } })]).ok).toBe(false)
  })

  it('replays the same schedule from the same seed', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    const draws = (r: typeof a) => Array.from({ length: 5 }, () => r.int(3000, 8000))
    expect(draws(a)).toEqual(draws(b))
    expect(draws(seededRandom(43))).not.toEqual(draws(seededRandom(42)))
  })
})
