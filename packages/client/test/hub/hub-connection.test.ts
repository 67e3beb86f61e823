/**
 * The tab's hub connection against a stub hub on fake timers: hello, a hub that does not answer,
 * failover when the hub dies (its lock, the ping watchdog, a timed-out call) with everything
 * re-registered, a send cut by a restart, and close().
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PROTOCOL_VERSION, tabLockName, type SubscribeRequest, type TabHello } from '@shared-realtime/worker/protocol'
import { RealtimeError } from '../../src/errors.ts'
import { setupClient, type ClientHandle, type FakeLocks } from '../support/setup-client.ts'
import type { StubHub } from '../support/stub-hub.ts'

const TIMEOUT_MS = 10_000 // the stub hub's options: DEFAULT_HUB_OPTIONS.timeoutMs

let client: ClientHandle | undefined

afterEach(async () => {
  await client?.cleanup()
  client = undefined
})

const connected = (c: ClientHandle, n = 1) => c.until(() => c.hubs.every((h, i) => i >= n || h.callsOf('hello').length > 0) && c.realtime.getHealthStatus().epoch === `epoch-${n}`, `hub ${n}`)

describe('hello', () => {
  it('introduces the tab with its lock held, mirrors the hub health and announces the hub', async () => {
    client = setupClient()
    const hubs: unknown[] = []
    client.realtime.onHubConnect((info) => hubs.push(info))
    await connected(client)
    const [hello] = client.hub.callsOf('hello')[0] as [TabHello]
    expect(hello).toEqual({
      tabId: client.realtime.tabId,
      protocol: PROTOCOL_VERSION,
      project: { realtimeUrl: 'ws://stub.invalid/realtime/v1', apiKey: 'anon-key' },
      options: {},
      token: null,
      tokenPending: false,
      visible: true,
      online: true,
    })
    expect(client.locks.held.has(tabLockName(client.realtime.tabId))).toBe(true)
    expect(client.realtime.getHealthStatus()).toMatchObject({ status: 'connected', epoch: 'epoch-1' })
    expect(hubs).toEqual([{ epoch: 'epoch-1', restarted: false }])
  })

  it('says the token is pending when the app has an accessToken callback, then hands its answer over', async () => {
    client = setupClient({ accessToken: async () => 'user-jwt' })
    await client.until(() => client!.hub.callsOf('setAuth').length === 1, 'setAuth')
    expect((client.hub.callsOf('hello')[0]![0] as TabHello).tokenPending).toBe(true)
    expect(client.hub.callsOf('setAuth')).toEqual([['user-jwt']])
  })

  it('keeps trying a hub that does not answer, and calls made meanwhile reach the one that does', async () => {
    client = setupClient({ prepare: (hub) => hub.silent.add('hello') })
    const announced: unknown[] = []
    client.realtime.onHubConnect((info) => announced.push(info))
    await client.until(() => client!.hub.callsOf('hello').length === 1, 'the first hello')
    client.restartHub()
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS) // hello times out
    await vi.advanceTimersByTimeAsync(1_000) // the pause before the next attempt
    await connected(client, 2)
    await expect(client.realtime.healthCheck()).resolves.toEqual([])
    expect(client.hubs[1]!.callsOf('healthCheck')).toHaveLength(1)
    expect(announced).toEqual([{ epoch: 'epoch-2', restarted: true }])
  })
})

/** The hub holds a lifetime lock, as the worker does. */
function holdsLock(hub: StubHub, locks: FakeLocks): void {
  hub.lock = 'hub-lock-1'
  locks.held.add('hub-lock-1')
}

describe('failover', () => {
  async function subscribedClient(prepare?: Parameters<typeof setupClient>[0]) {
    const c = setupClient(prepare)
    await connected(c)
    const statuses: string[] = []
    const channel = c.realtime.channel('room').subscribe((status) => statuses.push(status))
    await c.until(() => c.hub.callsOf('subscribe').length === 1, 'subscribe')
    const request = c.hub.callsOf('subscribe')[0]![0] as SubscribeRequest
    c.hub.push([{ type: 'channel/status', subscriptionId: request.subscriptionId, status: 'SUBSCRIBED' }])
    await c.until(() => channel.state === 'joined', 'joined')
    await c.realtime.setAuth('jwt-1')
    await channel.track({ user: 'ada' })
    return { c, channel, statuses, request }
  }

  it('notices a dead hub through its lifetime lock and re-registers token, channel and presence on the next one', async () => {
    const { c, channel, statuses, request } = await subscribedClient({ prepare: holdsLock })
    client = c
    const resyncs: unknown[] = []
    channel.onResync((notice) => resyncs.push(notice))
    const hub2 = c.restartHub()
    c.locks.release('hub-lock-1') // the old worker died
    await c.until(() => hub2.callsOf('track').length === 1, 're-registration')
    expect(statuses).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR'])
    expect(hub2.calls.map((call) => call.method)).toEqual(['hello', 'setAuth', 'subscribe', 'track'])
    expect(hub2.callsOf('setAuth')).toEqual([['jwt-1']])
    // The same subscription, with what the tab had (nothing yet) for the new hub's catch-up (issue #15).
    expect(hub2.callsOf('subscribe')).toEqual([[{ ...request, resume: { since: expect.any(Number), lastAt: null, ids: [] } }]])
    expect(hub2.callsOf('track')).toEqual([[request.subscriptionId, { user: 'ada' }]])
    // The new hub answers the hint with the notice, after whatever it replayed (issue #15).
    hub2.push([{ type: 'channel/status', subscriptionId: request.subscriptionId, status: 'SUBSCRIBED' }])
    hub2.push([{ type: 'channel/resync', subscriptionId: request.subscriptionId, since: 1, until: 2, reason: 'hub-restarted', replayed: 3, complete: true }])
    await c.until(() => resyncs.length === 1, 'the resync notice')
    expect(resyncs).toEqual([{ since: 1, until: 2, reason: 'hub-restarted', replayed: 3, complete: true }])
  })

  it('notices a killed hub with no lock through the ping watchdog', async () => {
    const { c, statuses, request } = await subscribedClient()
    client = c
    c.hub.kill()
    const hub2 = c.restartHub()
    await vi.advanceTimersByTimeAsync(1_000) // hubCheckIntervalMs: the ping goes out
    expect(statuses).toEqual(['SUBSCRIBED'])
    await vi.advanceTimersByTimeAsync(5_000) // and gets no answer
    await c.until(() => hub2.callsOf('subscribe').length === 1, 're-registration')
    expect(statuses).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR'])
    // The same subscription, with what the tab had (nothing yet) for the new hub's catch-up (issue #15).
    expect(hub2.callsOf('subscribe')).toEqual([[{ ...request, resume: { since: expect.any(Number), lastAt: null, ids: [] } }]])
  })

  it('rejects a call the hub never answers with a typed timeout, then checks the hub and replaces it', async () => {
    client = setupClient()
    await connected(client)
    client.hub.kill()
    const hub2 = client.restartHub()
    const call = client.realtime.pause()
    const outcome = call.catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS)
    const error = await outcome
    expect(error).toBeInstanceOf(RealtimeError)
    expect(error).toMatchObject({ code: 'timeout', retryable: true })
    await vi.advanceTimersByTimeAsync(2_000) // the check after a timeout gets no answer either
    await connected(client, 2)
    await expect(client.realtime.resume()).resolves.toBeUndefined()
    expect(hub2.callsOf('control')).toEqual([['resume']])
  })

  it('sends once more, with the same message id, through the new hub when the old one died during send()', async () => {
    const { c, channel } = await subscribedClient({ prepare: holdsLock })
    client = c
    c.hub.kill()
    const proceed = c.holdConnections()
    const sent = channel.send({ type: 'broadcast', event: 'note', payload: { n: 1 } })
    await c.until(() => c.hubs[0]!.callsOf('send').length === 1, 'the first send')
    c.locks.release('hub-lock-1')
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS) // the send times out while no new hub is there yet
    const hub2 = c.restartHub()
    proceed()
    await expect(sent).resolves.toBe('ok')
    const [first] = c.hubs[0]!.callsOf('send')
    const [again] = hub2.callsOf('send')
    expect(again).toEqual(first)
  })
})

describe('close()', () => {
  it('says goodbye, lets go of the tab lock, and refuses later calls with a typed error', async () => {
    client = setupClient()
    await connected(client)
    const hub = client.hub
    await client.realtime.close()
    expect(hub.callsOf('bye')).toHaveLength(1)
    expect(client.locks.held.has(tabLockName(client.realtime.tabId))).toBe(false)
    await expect(client.realtime.reconnect()).rejects.toMatchObject({ code: 'closed' })
    expect(() => client!.realtime.channel('late')).toThrowError(expect.objectContaining({ code: 'closed' }))
  })

  it('while waiting to retry a hub, fails the waiting calls at once and leaves no timer', async () => {
    client = setupClient({ prepare: (hub) => hub.silent.add('hello') })
    await client.until(() => client!.hub.callsOf('hello').length === 1, 'the first hello')
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS) // hello timed out: a retry is scheduled
    const waiting = client.realtime.getPerformanceMetrics().catch((error: unknown) => error)
    await client.realtime.close()
    expect(await waiting).toMatchObject({ code: 'closed' })
    expect(vi.getTimerCount()).toBe(0)
  })
})
