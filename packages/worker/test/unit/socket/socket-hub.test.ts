/**
 * The socket hub with realtime-js on a FakeSocket and fake timers: the retry schedule, the breaker,
 * heartbeat loss, and bounded resources across many reconnects.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SocketHub } from '../../../src/socket/socket-hub.ts'
import { TabSession } from '../../../src/tabs/tab-session.ts'
import { createMemoryOutboxStore } from '../../../src/outbox/outbox-store-memory.ts'
import { resolveHubOptions } from '../../../src/input/hub-options.ts'
import { systemClock } from '../../../src/clock.ts'
import { phoenixSocketOf } from '../../../src/realtime-internals.ts'
import { FakeSocket } from '../../support/fake-socket.ts'
import { recordingPort, setupSocketHub } from '../../support/socket-hub.ts'

const setupHub = setupSocketHub

beforeEach(() => {
  vi.useFakeTimers()
  FakeSocket.reset()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('socket hub', () => {
  it('connects on the first subscription and joins each topic once', async () => {
    const { hub, subscribe, statuses } = setupHub()
    expect(hub.state.status).toBe('idle')
    subscribe('a')
    subscribe('b')
    await vi.advanceTimersByTimeAsync(50)
    expect(hub.state.status).toBe('connected')
    expect(FakeSocket.instances).toHaveLength(1)
    expect(FakeSocket.instances[0].joins().map((f) => f[2])).toEqual(['realtime:a', 'realtime:b'])
    expect(statuses('a')).toEqual(['SUBSCRIBED'])
    hub.close()
  })

  it('never sends a join before the token is known, and sends it with the token', async () => {
    const hub = new SocketHub({
      project: { realtimeUrl: 'ws://fake/realtime/v1', apiKey: 'anon' },
      options: resolveHubOptions({ heartbeatIntervalMs: 1000 }),
      epoch: 'e',
      clock: systemClock,
      random: () => 0.5,
      store: createMemoryOutboxStore(),
      transport: FakeSocket,
      uuid: () => 'u',
      onChange: () => {},
    })
    const tab = new TabSession({ tabId: 't', port: recordingPort(), now: () => Date.now() })
    hub.attachTab(tab)
    hub.noteTabAuth(null, true)
    hub.subscribe(tab, { subscriptionId: 's', topic: 'secure', config: {}, bindings: [] })
    await vi.advanceTimersByTimeAsync(100)
    expect(FakeSocket.instances[0].joins()).toHaveLength(0)
    hub.setAuth('header.eyJzdWIiOiJ1MSJ9.sig')
    await vi.advanceTimersByTimeAsync(50)
    const joins = FakeSocket.instances[0].joins()
    expect(joins).toHaveLength(1)
    expect(joins[0][4].access_token).toBe('header.eyJzdWIiOiJ1MSJ9.sig')
    hub.close()
  })

  it('pushes a refreshed token to joined channels without rejoining', async () => {
    const { hub, subscribe } = setupHub()
    hub.setAuth('h.eyJzdWIiOiJ1MSJ9.one')
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    const socket = FakeSocket.open[0]
    expect(socket.joins()[0][4].access_token).toBe('h.eyJzdWIiOiJ1MSJ9.one')
    hub.setAuth('h.eyJzdWIiOiJ1MSJ9.two')
    await vi.advanceTimersByTimeAsync(50)
    const pushes = socket.sent.filter((f) => f[3] === 'access_token')
    expect(pushes.map((f) => [f[2], f[4].access_token])).toEqual([['realtime:a', 'h.eyJzdWIiOiJ1MSJ9.two']])
    expect(socket.joins()).toHaveLength(1)
    hub.close()
  })

  it('reconnects with jittered backoff after the server closes the socket, with any code', async () => {
    const { hub, subscribe, statuses } = setupHub({ backoff: { initialMs: 1000, maxMs: 30_000 } }, () => 0.5)
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    for (const code of [1006, 1000, 1012]) {
      FakeSocket.open[0].serverClose(code)
      await vi.advanceTimersByTimeAsync(1)
      expect(hub.state.status).toBe('reconnecting')
      await vi.advanceTimersByTimeAsync(hub.state.retryAt! - Date.now() + 50)
      expect(hub.state.status).toBe('connected')
    }
    expect(FakeSocket.instances).toHaveLength(4)
    expect(statuses('a')).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED'])
    hub.close()
  })

  it('tells subscribers they may have missed events after a reconnect (resync)', async () => {
    const { hub, subscribe, events } = setupHub()
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    const lostAt = Date.now()
    FakeSocket.open[0].serverClose(1006)
    await vi.advanceTimersByTimeAsync(2000)
    const resync = events.find((e) => e.type === 'channel/resync')
    expect(resync).toMatchObject({ subscriptionId: 's-a', reason: 'rejoined' })
    expect((resync as { since: number }).since).toBeGreaterThanOrEqual(lostAt)
    hub.close()
  })

  it('opens the circuit after `threshold` refused connections and half-opens after resetMs', async () => {
    const { hub, subscribe } = setupHub({ circuitBreaker: { threshold: 3, resetMs: 10_000 }, backoff: { initialMs: 100, maxMs: 100 } })
    FakeSocket.behaviour = 'refuse'
    subscribe('a')
    await vi.advanceTimersByTimeAsync(1000)
    expect(hub.state.status).toBe('circuit-open')
    expect(hub.health().circuit).toBe('open')
    const attempts = FakeSocket.instances.length
    expect(attempts).toBe(3)
    await vi.advanceTimersByTimeAsync(9000)
    expect(FakeSocket.instances).toHaveLength(attempts)
    FakeSocket.behaviour = 'open'
    await vi.advanceTimersByTimeAsync(1100)
    expect(FakeSocket.instances).toHaveLength(attempts + 1)
    expect(hub.state.status).toBe('connected')
    expect(hub.health().circuit).toBe('half-open')
    await vi.advanceTimersByTimeAsync(hub.options.backoff.stableAfterMs)
    expect(hub.health().circuit).toBe('closed')
    hub.close()
  })

  it('reconnects when heartbeats stop being answered', async () => {
    const { hub, subscribe } = setupHub({ heartbeatIntervalMs: 1000 })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    FakeSocket.answerHeartbeats = false
    await vi.advanceTimersByTimeAsync(2100)
    expect(FakeSocket.instances[0].readyState).toBe(3)
    FakeSocket.answerHeartbeats = true
    await vi.advanceTimersByTimeAsync(5000)
    expect(hub.state.status).toBe('connected')
    expect(FakeSocket.open).toHaveLength(1)
    expect(hub.health().lastError?.message).toMatch(/heartbeat timeout|socket closed/)
    hub.close()
  })

  it('stays bounded across 100 reconnects: one socket, same channels, same listeners and timers', async () => {
    const { hub, subscribe } = setupHub({ circuitBreaker: { enabled: false } }, () => 0)
    subscribe('a')
    subscribe('b')
    await vi.advanceTimersByTimeAsync(50)
    const sample = () => {
      const socket = phoenixSocketOf(hub.client!) as unknown as { stateChangeCallbacks: Record<string, unknown[]>; channels: unknown[] }
      return {
        callbacks: Object.values(socket.stateChangeCallbacks).reduce((n, list) => n + list.length, 0),
        phoenixChannels: socket.channels.length,
        clientChannels: hub.client!.channels.length,
        timers: vi.getTimerCount(),
      }
    }
    await vi.advanceTimersByTimeAsync(2000)
    const before = sample()
    for (let i = 0; i < 100; i++) {
      FakeSocket.open[0].serverClose(1006)
      await vi.advanceTimersByTimeAsync(20)
    }
    await vi.advanceTimersByTimeAsync(2000)
    expect(hub.state.status).toBe('connected')
    expect(FakeSocket.open).toHaveLength(1)
    expect(sample()).toEqual(before)
    hub.close()
  })

  it('caps channels per socket with a clear error instead of a server refusal', async () => {
    const { hub, tab } = setupHub({ limits: { maxChannels: 3 } })
    for (const topic of ['a', 'b', 'c']) {
      expect(hub.subscribe(tab, { subscriptionId: topic, topic, config: {}, bindings: [] })).toBeNull()
    }
    const refused = hub.subscribe(tab, { subscriptionId: 'd', topic: 'd', config: {}, bindings: [] })
    expect(refused).toMatchObject({ code: 'rate-limited' })
    expect(refused?.message).toContain('limits.maxChannels = 3')
    // Another subscription to a topic that is already joined costs no channel.
    expect(hub.subscribe(tab, { subscriptionId: 'a2', topic: 'a', config: {}, bindings: [] })).toBeNull()
    hub.close()
  })

  it('paces sends under eventsPerSecond and refuses a burst it cannot pace within timeoutMs', async () => {
    const { hub, subscribe } = setupHub({ limits: { eventsPerSecond: 10 }, timeoutMs: 500 })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    const sends = Array.from({ length: 20 }, (_, i) => hub.send('s-a', { type: 'broadcast', event: 'e', payload: { i } }, { messageId: `m${i}` }))
    await vi.advanceTimersByTimeAsync(2000)
    const results = await Promise.all(sends)
    const refused = results.filter((r) => typeof r === 'object')
    // 10 go at once, 5 more fit in the 500 ms window at 10/s; the rest are refused with a clear error.
    expect(results.filter((r) => r === 'ok')).toHaveLength(15)
    expect(refused).toHaveLength(5)
    expect(refused[0]).toMatchObject({ code: 'rate-limited', retryable: true })
    const pushed = FakeSocket.open[0].sent.filter((f) => f[3] === 'broadcast')
    expect(pushed.map((f) => f[4].payload.i)).toEqual(results.flatMap((r, i) => (r === 'ok' ? [i] : [])))
    hub.close()
  })

  it('leaves no timer running after close()', async () => {
    const { hub, subscribe } = setupHub()
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    hub.close()
    // realtime-js finishes tearing the socket down on its own short timers.
    await vi.advanceTimersByTimeAsync(5000)
    expect(vi.getTimerCount()).toBe(0)
  })
  it('expires a queued send at its ttl on the expiry timer (reading the outbox expires nothing), and never sends it', async () => {
    const { hub, subscribe } = setupHub({}, () => 0.5, { token: null })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    FakeSocket.open[0].serverClose(1006)
    await vi.advanceTimersByTimeAsync(1)
    const sent = hub.send('s-a', { type: 'broadcast', event: 'gps', payload: { at: 1 } }, { messageId: 'm1', ttlMs: 100 })
    expect(await sent).toBe('queued')
    expect(hub.health().outbox).toMatchObject({ size: 1, expired: 0 })
    await vi.advanceTimersByTimeAsync(100)
    expect(hub.health().outbox).toMatchObject({ size: 0, expired: 1 })
    await vi.advanceTimersByTimeAsync(hub.state.retryAt! - Date.now() + 50)
    expect(hub.state.status).toBe('connected')
    expect(FakeSocket.open[0].broadcasts()).toEqual([])
    hub.close()
  })
})
