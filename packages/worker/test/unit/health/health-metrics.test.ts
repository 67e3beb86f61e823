/**
 * Health snapshot, performance metrics and diagnostics of the socket hub (realtime-js on a FakeSocket,
 * fake timers).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resolveHubOptions } from '../../../src/input/hub-options.ts'
import { FakeSocket } from '../../support/fake-socket.ts'
import { setupSocketHub } from '../../support/socket-hub.ts'
// The hub reports facts; the tab words them (client health/findings.ts): tested here end to end.
import { findingsOf } from '../../../../client/src/health/findings.ts'

const setup = () => setupSocketHub({ outbox: { maxSize: 4 } }, () => 0.5, { token: null })

beforeEach(() => {
  vi.useFakeTimers()
  FakeSocket.reset()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('health snapshot', () => {
  it('describes the hub: state, counts, circuit, options and epoch', async () => {
    const { hub, tab } = setup()
    expect(hub.health()).toMatchObject({ status: 'idle', tabCount: 1, subscriptionCount: 0, channelCount: 0, circuit: 'closed', epoch: 'epoch-1', latency: null, quality: 'offline' })
    hub.subscribe(tab, { subscriptionId: 's1', topic: 'a', config: {}, bindings: [] })
    hub.subscribe(tab, { subscriptionId: 's2', topic: 'a', config: {}, bindings: [] })
    await vi.advanceTimersByTimeAsync(50)
    const health = hub.health()
    expect(health).toMatchObject({ status: 'connected', subscriptionCount: 2, channelCount: 1, reconnectAttempts: 0 })
    expect(health.options.heartbeatIntervalMs).toBe(1000)
    // The ping on open and each heartbeat give a latency, and a quality from it.
    await vi.advanceTimersByTimeAsync(1100)
    expect(hub.health().latency).not.toBeNull()
    expect(hub.health().quality).toBe('excellent')
    await vi.advanceTimersByTimeAsync(3000)
    expect(hub.health().uptimeMs).toBeGreaterThanOrEqual(3000)
    hub.close()
  })

  it('counts errors and keeps the last one', async () => {
    const { hub, tab } = setup()
    hub.subscribe(tab, { subscriptionId: 's1', topic: 'a', config: {}, bindings: [] })
    await vi.advanceTimersByTimeAsync(50)
    FakeSocket.open[0].serverClose(1006)
    await vi.advanceTimersByTimeAsync(1)
    const health = hub.health()
    expect(health.errorCount).toBe(1)
    expect(health.lastError).toMatchObject({ code: 'connection-lost', retryable: true, message: 'socket closed: 1006' })
    expect(health.status).toBe('reconnecting')
    hub.close()
  })
})

describe('performance metrics', () => {
  it('counts joins, messages, deliveries and bytes, per channel and in total', async () => {
    const { hub, tab } = setup()
    hub.subscribe(tab, { subscriptionId: 's1', topic: 'a', config: {}, bindings: [{ id: 1, type: 'broadcast', filter: { event: '*' } }] })
    hub.subscribe(tab, { subscriptionId: 's2', topic: 'a', config: {}, bindings: [{ id: 1, type: 'broadcast', filter: { event: 'x' } }] })
    await vi.advanceTimersByTimeAsync(50)
    const socket = FakeSocket.open[0]
    const join = socket.joins()[0]
    for (const event of ['x', 'y']) {
      socket.serverSend([null, null, 'realtime:a', 'broadcast', { type: 'broadcast', event, payload: { n: 1 } }])
    }
    await vi.advanceTimersByTimeAsync(10)
    const metrics = hub.performanceMetrics()
    expect(metrics.totals).toMatchObject({ joins: 1, messagesIn: 2, deliveries: 3, socketsOpened: 1, connects: 1 })
    expect(metrics.channels).toEqual([{ topic: 'a', state: 'joined', subscribers: 2, messagesIn: 2, deliveries: 3, messagesOut: 0 }])
    expect(join[2]).toBe('realtime:a')
    hub.close()
  })

  it('keeps heartbeat latency percentiles', async () => {
    const { hub, tab } = setup()
    hub.subscribe(tab, { subscriptionId: 's1', topic: 'a', config: {}, bindings: [] })
    await vi.advanceTimersByTimeAsync(5200)
    const heartbeat = hub.performanceMetrics().latency.heartbeat
    expect(heartbeat?.count).toBeGreaterThanOrEqual(4)
    expect(heartbeat!.p50).toBeLessThanOrEqual(heartbeat!.p99)
    hub.close()
  })
})

describe('findings (hub facts worded by the tab)', () => {
  it('is empty for a healthy hub', async () => {
    const { hub, tab } = setup()
    hub.subscribe(tab, { subscriptionId: 's1', topic: 'a', config: {}, bindings: [] })
    await vi.advanceTimersByTimeAsync(50)
    expect(findingsOf(hub.diagnosticFacts())).toEqual([])
    hub.close()
  })

  it('reports many reconnects, an open circuit and an outbox backing up, each with advice', async () => {
    const { hub, tab } = setup()
    hub.subscribe(tab, { subscriptionId: 's1', topic: 'a', config: {}, bindings: [] })
    await vi.advanceTimersByTimeAsync(50)
    hub.configure(resolveHubOptions({ circuitBreaker: { threshold: 4 } }, hub.options))
    FakeSocket.behaviour = 'refuse'
    FakeSocket.open[0].serverClose(1006)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(hub.state.status).toBe('circuit-open')
    for (let i = 0; i < 3; i++) {
      await hub.send('s1', { type: 'broadcast', event: 'e', payload: { i } }, { messageId: `m${i}` })
    }
    const ids = findingsOf(hub.diagnosticFacts()).map((f) => f.id)
    expect(ids).toEqual(expect.arrayContaining(['many-reconnects', 'circuit-open', 'outbox-backing-up']))
    for (const finding of findingsOf(hub.diagnosticFacts())) expect(finding.advice.length).toBeGreaterThan(10)
    hub.close()
  })

  it('reports channels refused by the server', async () => {
    const { hub, tab } = setup()
    hub.subscribe(tab, { subscriptionId: 's1', topic: 'a', config: {}, bindings: [] })
    await vi.advanceTimersByTimeAsync(50)
    const socket = FakeSocket.open[0]
    const [joinRef] = socket.joins()[0]
    socket.serverSend([joinRef, joinRef, 'realtime:a', 'phx_close', {}])
    await vi.advanceTimersByTimeAsync(10)
    const finding = findingsOf(hub.diagnosticFacts()).find((f) => f.id === 'channels-in-error')
    expect(finding?.message).toContain('a (')
    hub.close()
  })
})
