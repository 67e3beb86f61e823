/** The metrics poller: one read per interval on the injected clock, failures skipped, stopped by its handle, a signal or stopAll(). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { systemClock, type PerformanceMetrics } from '@shared-realtime/worker/protocol'
import { createMetricsPoller } from '../../src/health/metrics-poller.ts'
import { stubMetrics } from '../support/stub-hub.ts'
import { setupClient } from '../support/setup-client.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  // setupClient()'s cleanup() checks and restores the timers itself.
  if (!vi.isFakeTimers()) return
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

function poller(read: () => Promise<PerformanceMetrics> = async () => stubMetrics()) {
  const reads = vi.fn(read)
  return { reads, poller: createMetricsPoller({ clock: systemClock, read: reads }) }
}

describe('createMetricsPoller', () => {
  it('reads once per interval, the first after one interval', async () => {
    const { reads, poller: p } = poller()
    const got: PerformanceMetrics[] = []
    const off = p.add((m) => got.push(m), { intervalMs: 1_000 })
    await vi.advanceTimersByTimeAsync(999)
    expect(reads).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(got).toHaveLength(3)
    off()
  })

  it('skips a read that fails and tries again next interval', async () => {
    let fail = true
    const { poller: p } = poller(async () => {
      if (fail) throw new Error('hub unreachable')
      return stubMetrics()
    })
    const got: unknown[] = []
    const off = p.add((m) => got.push(m), { intervalMs: 500 })
    await vi.advanceTimersByTimeAsync(500)
    expect(got).toEqual([])
    fail = false
    await vi.advanceTimersByTimeAsync(500)
    expect(got).toHaveLength(1)
    off()
  })

  it('does not hand a read that finished after the stop to the callback', async () => {
    let answer!: (m: PerformanceMetrics) => void
    const { poller: p } = poller(() => new Promise((resolve) => (answer = resolve)))
    const got: unknown[] = []
    const off = p.add((m) => got.push(m), { intervalMs: 100 })
    await vi.advanceTimersByTimeAsync(100)
    off()
    answer(stubMetrics())
    await vi.advanceTimersByTimeAsync(500)
    expect(got).toEqual([])
  })

  it('stops with its signal (already aborted too) and with stopAll()', async () => {
    const { reads, poller: p } = poller()
    const controller = new AbortController()
    p.add(() => {}, { intervalMs: 100, signal: controller.signal })
    p.add(() => {}, { intervalMs: 100, signal: AbortSignal.abort() })
    p.add(() => {}, { intervalMs: 100 })
    expect(p.size).toBe(2)
    controller.abort()
    expect(p.size).toBe(1)
    p.stopAll()
    expect(p.size).toBe(0)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(reads).not.toHaveBeenCalled()
  })

  it('refuses a missing callback and an interval under 100 ms with typed errors', () => {
    const { poller: p } = poller()
    expect(() => p.add(undefined as never)).toThrowError(expect.objectContaining({ code: 'invalid-argument' }))
    expect(() => p.add(() => {}, { intervalMs: 99 })).toThrowError(expect.objectContaining({ code: 'invalid-argument' }))
    expect(p.size).toBe(0)
  })
})

describe('onMetrics() through the client', () => {
  it('reads the hub metrics every interval and adds the delivery latency measured in the tab', async () => {
    const client = setupClient()
    await client.until(() => client.realtime.getHealthStatus().epoch === 'epoch-1', 'hello')
    const heard: unknown[] = []
    const channel = client.realtime.channel('room').on('broadcast', { event: 'x' }, (p) => heard.push(p)).subscribe()
    await client.until(() => client.hub.callsOf('subscribe').length === 1, 'subscribe')
    client.hub.push([{ type: 'channel/event', subscriptionId: channel.subscriptionId!, bindingIds: [1], payload: { json: '{"type":"broadcast","event":"x","payload":{}}' } }], { sentAt: Date.now() - 7 })
    await client.until(() => heard.length === 1, 'the event')
    const got: PerformanceMetrics[] = []
    client.realtime.onMetrics((m) => got.push(m), { intervalMs: 250 })
    await vi.advanceTimersByTimeAsync(250)
    await client.until(() => got.length === 1, 'the first metrics')
    expect(got[0]!.latency.delivery).toEqual({ p50: 7, p95: 7, p99: 7, count: 1 })
    await client.cleanup()
  })
})
