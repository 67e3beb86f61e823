/**
 * The outbox drain on a FakeSocket with fake timers (issue #12): a drop during a flush must not stall
 * it, queued sends keep their sender (`self`), and a window of unacknowledged sends keeps up under latency
 * while keeping order, retrying a timed-out send in place.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeSocket } from '../../support/fake-socket.ts'
import { recordingPort, setupSocketHub } from '../../support/socket-hub.ts'
import { TabSession } from '../../../src/tabs/tab-session.ts'
import type { TabEvent } from '../../../src/protocol/wire.ts'

beforeEach(() => {
  vi.useFakeTimers()
  FakeSocket.reset()
})

afterEach(() => {
  vi.useRealTimers()
})

const message = (i: number) => ({ type: 'broadcast' as const, event: 'e', payload: { i } })

/** Closes the socket from the server side and sends `count` messages while the hub is reconnecting. */
async function queueWhileDown(hub: ReturnType<typeof setupSocketHub>['hub'], count: number, from = 0, subscriptionId = 's-a') {
  FakeSocket.open[0].serverClose(1006)
  await vi.advanceTimersByTimeAsync(1)
  expect(hub.state.status).toBe('reconnecting')
  const results = await Promise.all(Array.from({ length: count }, (_, i) => hub.send(subscriptionId, message(from + i), { messageId: `m${from + i}` })))
  expect(results.every((r) => r === 'queued')).toBe(true)
  return results
}

async function reconnect(hub: ReturnType<typeof setupSocketHub>['hub']) {
  await vi.advanceTimersByTimeAsync(hub.state.retryAt! - Date.now() + 20)
  expect(hub.state.status).toBe('connected')
}

const sentIds = (socket: FakeSocket) => socket.broadcasts().map((f) => f[4].payload.i as number)

describe('outbox drain', () => {
  it('does not stall when the socket drops while queued sends are in flight (defect 1)', async () => {
    const { hub, subscribe } = setupSocketHub({ timeoutMs: 500, backoff: { initialMs: 100, maxMs: 100 } })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    await queueWhileDown(hub, 5)
    // The flush starts on the new socket but the server never answers; then that socket drops too.
    FakeSocket.answerBroadcasts = false
    await reconnect(hub)
    expect(sentIds(FakeSocket.open[0]).length).toBeGreaterThan(0)
    FakeSocket.open[0].serverClose(1006)
    FakeSocket.answerBroadcasts = true
    await vi.advanceTimersByTimeAsync(2000)
    expect(hub.state.status).toBe('connected')
    expect(hub.outbox.size).toBe(0)
    expect(sentIds(FakeSocket.open[0])).toEqual([0, 1, 2, 3, 4])
    // A direct send goes straight out again (nothing queued ahead of it).
    const direct = hub.send('s-a', message(9), { messageId: 'm9' })
    await vi.advanceTimersByTimeAsync(10)
    await expect(direct).resolves.toBe('ok')
    hub.close()
  })

  it('settles a direct send whose channel is torn down before the reply, and sends it again', async () => {
    const { hub, subscribe } = setupSocketHub({ timeoutMs: 60_000, backoff: { initialMs: 100, maxMs: 100 } })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    FakeSocket.answerBroadcasts = false
    const sending = hub.send('s-a', message(1), { messageId: 'm1' })
    await vi.advanceTimersByTimeAsync(5)
    FakeSocket.open[0].serverClose(1006)
    FakeSocket.answerBroadcasts = true
    await vi.advanceTimersByTimeAsync(5)
    // Long before its 60 s deadline: the torn-down channel can no longer answer it.
    await expect(sending).resolves.toBe('queued')
    await vi.advanceTimersByTimeAsync(1000)
    expect(hub.outbox.size).toBe(0)
    expect(sentIds(FakeSocket.open[0])).toEqual([1])
    hub.close()
  })

  it('keeps the sender of a queued broadcast, so `self: false` holds for outbox sends (defect 3)', async () => {
    const { hub, tab, events, subscribe } = setupSocketHub({ backoff: { initialMs: 100, maxMs: 100 } })
    subscribe('a')
    const otherEvents: TabEvent[] = []
    const other = new TabSession({ tabId: 'tab-2', port: recordingPort(otherEvents), now: () => Date.now() })
    hub.attachTab(other)
    hub.subscribe(other, { subscriptionId: 's-other', topic: 'a', config: {}, bindings: [{ id: 1, type: 'broadcast', filter: { event: '*' } }] })
    await vi.advanceTimersByTimeAsync(50)
    await queueWhileDown(hub, 3)
    await reconnect(hub)
    await vi.advanceTimersByTimeAsync(100)
    expect(hub.outbox.size).toBe(0)
    const heard = (list: TabEvent[], id: string) => list.filter((e) => e.type === 'channel/event' && e.subscriptionId === id).length
    expect(heard(otherEvents, 's-other')).toBe(3)
    expect(heard(events, 's-a')).toBe(0)
    expect(tab.dropped).toBe(0)
    hub.close()
  })

  it('drains with a window of unacknowledged sends, in order, keeping up under latency (defect 5)', async () => {
    const { hub, subscribe } = setupSocketHub({ timeoutMs: 5_000, backoff: { initialMs: 100, maxMs: 100 }, outbox: { maxSize: 1000 } })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    await queueWhileDown(hub, 80)
    FakeSocket.broadcastReplyDelayMs = 120
    await reconnect(hub)
    // One acknowledged message at a time would be ~8 per second at 120 ms; 16 in flight send 80 in well under 1 s.
    await vi.advanceTimersByTimeAsync(1000)
    expect(hub.outbox.size).toBe(0)
    expect(sentIds(FakeSocket.open[0])).toEqual(Array.from({ length: 80 }, (_, i) => i))
    hub.close()
  })

  it('queues new sends behind the backlog, and the drain keeps up with a sender faster than the latency', async () => {
    const { hub, subscribe } = setupSocketHub({ timeoutMs: 5_000, backoff: { initialMs: 100, maxMs: 100 }, outbox: { maxSize: 1000 } })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    await queueWhileDown(hub, 20)
    FakeSocket.broadcastReplyDelayMs = 120
    await reconnect(hub)
    // A sender at 20 per second (one per 50 ms) for 3 s, awaiting each send.
    const statuses: string[] = []
    for (let i = 20; i < 80; i++) {
      statuses.push((await hub.send('s-a', message(i), { messageId: `m${i}` })) as string)
      await vi.advanceTimersByTimeAsync(50)
    }
    expect(hub.outbox.size).toBeLessThanOrEqual(16)
    await vi.advanceTimersByTimeAsync(500)
    expect(hub.outbox.size).toBe(0)
    expect(sentIds(FakeSocket.open[0])).toEqual(Array.from({ length: 80 }, (_, i) => i))
    hub.close()
  })

  it('retries a timed-out send in place: first sends stay in order, resends carry the same ids', async () => {
    const { hub, subscribe } = setupSocketHub({ timeoutMs: 500, heartbeatIntervalMs: 60_000, backoff: { initialMs: 100, maxMs: 100 }, outbox: { maxSize: 1000 } })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    await queueWhileDown(hub, 40)
    // Replies slower than the deadline for a while, then back to normal.
    FakeSocket.broadcastReplyDelayMs = 700
    await reconnect(hub)
    await vi.advanceTimersByTimeAsync(600)
    FakeSocket.broadcastReplyDelayMs = 10
    await vi.advanceTimersByTimeAsync(5000)
    expect(hub.outbox.size).toBe(0)
    const ids = sentIds(FakeSocket.open[0])
    const firsts = ids.filter((id, i) => ids.indexOf(id) === i)
    expect(firsts).toEqual(Array.from({ length: 40 }, (_, i) => i))
    // The timed-out window was sent again (duplicates with the same id), in the same order.
    const resent = ids.slice(firsts.length > 0 ? ids.lastIndexOf(0) : 0)
    expect(ids.length).toBeGreaterThan(40)
    expect(resent.filter((id, i) => resent.indexOf(id) === i)).toEqual([...resent.filter((id, i) => resent.indexOf(id) === i)].sort((a, b) => a - b))
    hub.close()
  })

  it('leaves no timer running after close() with sends in flight', async () => {
    const { hub, subscribe } = setupSocketHub({ timeoutMs: 500, backoff: { initialMs: 100, maxMs: 100 } })
    subscribe('a')
    await vi.advanceTimersByTimeAsync(50)
    await queueWhileDown(hub, 5)
    FakeSocket.answerBroadcasts = false
    await reconnect(hub)
    hub.close()
    await vi.advanceTimersByTimeAsync(5000)
    expect(vi.getTimerCount()).toBe(0)
  })
})
