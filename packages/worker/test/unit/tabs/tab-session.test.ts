/** The hub's per-tab delivery: batching, acknowledgements, stalled tabs, and the shared flush timer. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TabSession } from '../../../src/tabs/tab-session.ts'
import { FlushScheduler } from '../../../src/tabs/flush-scheduler.ts'
import { systemClock } from '../../../src/clock.ts'
import { decodePayload, encodePayload } from '../../../src/channels/payload-codec.ts'
import type { DeliveryFrame, DeliveryPort } from '../../../src/protocol/delivery-port.ts'
import type { TabEvent } from '../../../src/protocol/wire.ts'

/** A port whose acks the test sends by hand, and whose posts can be made to throw. */
function manualPort() {
  const frames: DeliveryFrame<TabEvent>[] = []
  const listeners = new Set<(event: { data: unknown }) => void>()
  const port = {
    frames,
    fail: false,
    postMessage(message: unknown) {
      if (port.fail) throw new DOMException('could not be cloned', 'DataCloneError')
      frames.push(structuredClone(message) as DeliveryFrame<TabEvent>)
    },
    addEventListener: (_: 'message', l: (event: { data: unknown }) => void) => void listeners.add(l),
    removeEventListener: (_: 'message', l: (event: { data: unknown }) => void) => void listeners.delete(l),
    ack: (seq: unknown) => listeners.forEach((l) => l({ data: seq })),
    get listening() {
      return listeners.size
    },
  }
  return port satisfies DeliveryPort
}

function setup(options: { maxInFlight?: number; ackEvery?: number; onCaughtUp?: (subscriptionId: string, since: number) => boolean } = {}) {
  const port = manualPort()
  const due: (() => void)[] = []
  let now = 1_000
  const errors: unknown[] = []
  const tab = new TabSession({
    tabId: 't1',
    port,
    now: () => now,
    schedule: (flush) => void due.push(flush),
    onError: (error) => errors.push(error),
    ...options,
  })
  const run = () => due.splice(0).forEach((flush) => flush())
  const event = (n: number): TabEvent => ({ type: 'channel/event', subscriptionId: 's1', bindingIds: [1], payload: encodePayload({ n }) })
  return { tab, port, run, event, errors, advance: (ms: number) => (now += ms) }
}

afterEach(() => vi.useRealTimers())

describe('TabSession', () => {
  it('sends everything pushed before a flush as one numbered batch, in order', () => {
    const { tab, port, run, event } = setup()
    tab.push(event(1))
    tab.push({ type: 'channel/status', subscriptionId: 's1', status: 'SUBSCRIBED' })
    tab.push(event(2))
    expect(port.frames).toHaveLength(0)
    run()
    tab.push(event(3))
    run()
    expect(port.frames.map((f) => f.seq)).toEqual([1, 2])
    expect(port.frames[0].sentAt).toBe(1_000)
    const sent = port.frames.flatMap((f) => f.events).map((e) => (e.type === 'channel/event' ? decodePayload(e.payload) : e.type))
    expect(sent).toEqual([{ n: 1 }, 'channel/status', { n: 2 }, { n: 3 }])
    expect(tab.delivered).toBe(4)
  })

  it('asks for an acknowledgement every ackEvery batches only', () => {
    const { tab, port, run, event } = setup({ ackEvery: 4 })
    for (let i = 1; i <= 9; i++) {
      tab.push(event(i))
      run()
    }
    expect(port.frames.filter((f) => f.ack).map((f) => f.seq)).toEqual([4, 8])
    port.ack(8)
    expect(tab.inFlight).toBe(1)
  })

  it('drops events for a tab that stopped acknowledging, keeps statuses, and tells it to resync once it catches up', () => {
    const { tab, port, run, event, advance } = setup({ maxInFlight: 8, ackEvery: 2 })
    tab.subscriptions.add('s1')
    for (let i = 1; i <= 8; i++) {
      tab.push(event(i))
      run()
    }
    expect(tab.stalled).toBe(true)
    advance(5_000)
    tab.push(event(9))
    tab.push({ type: 'channel/status', subscriptionId: 's1', status: 'CLOSED' })
    run()
    expect(tab.dropped).toBe(1)
    const last = port.frames.at(-1)!
    expect(last.events.map((e) => e.type)).toEqual(['channel/status'])
    // While stalled, every batch asks for an ack: the first one the tab handles ends the stall.
    expect(last.ack).toBe(true)

    port.ack(last.seq)
    expect(tab.stalled).toBe(false)
    run()
    const resync = port.frames.at(-1)!.events[0]
    expect(resync).toEqual({ type: 'channel/resync', subscriptionId: 's1', since: 1_000, until: 6_000, reason: 'tab-stalled', replayed: 0, complete: false })
    tab.push(event(10))
    run()
    expect(port.frames.at(-1)!.events).toHaveLength(1)
  })

  it('ignores acknowledgements it never asked for or already had', () => {
    const { tab, port, run, event } = setup({ ackEvery: 2 })
    for (let i = 1; i <= 4; i++) {
      tab.push(event(i))
      run()
    }
    port.ack(99)
    port.ack('4')
    expect(tab.inFlight).toBe(4)
    port.ack(4)
    port.ack(2)
    expect(tab.inFlight).toBe(0)
  })

  it('lets the owner of a subscription fill a stall itself: no plain notice for it, one for the others', () => {
    const caughtUp: [string, number][] = []
    const { tab, port, run, event } = setup({ maxInFlight: 8, ackEvery: 2, onCaughtUp: (id, since) => (caughtUp.push([id, since]), id === 's1') })
    tab.subscriptions.add('s1')
    tab.subscriptions.add('s2')
    for (let i = 1; i <= 8; i++) {
      tab.push(event(i))
      run()
    }
    tab.push(event(9))
    tab.push({ type: 'channel/status', subscriptionId: 's1', status: 'CLOSED' })
    run()
    port.ack(port.frames.at(-1)!.seq)
    run()
    expect(caughtUp).toEqual([['s1', 1_000], ['s2', 1_000]])
    expect(port.frames.at(-1)!.events).toEqual([{ type: 'channel/resync', subscriptionId: 's2', since: 1_000, until: 1_000, reason: 'tab-stalled', replayed: 0, complete: false }])
  })

  it('reports a batch the port cannot take and tells the tab to resync the subscription', () => {
    const { tab, port, run, event, errors } = setup()
    port.fail = true
    tab.push(event(1))
    run()
    expect(errors).toHaveLength(1)
    expect(tab.dropped).toBe(1)
    port.fail = false
    run()
    expect(port.frames[0].events).toEqual([{ type: 'channel/resync', subscriptionId: 's1', since: 1_000, until: 1_000, reason: 'undeliverable', replayed: 0, complete: false }])
  })

  it('posts nothing after close and stops listening', () => {
    const { tab, port, run, event } = setup()
    tab.push(event(1))
    tab.close()
    run()
    tab.push(event(2))
    run()
    expect(port.frames).toHaveLength(0)
    expect(port.listening).toBe(0)
  })
})

describe('FlushScheduler', () => {
  it('runs every pending flush after one timer, as late as the delay it reads at scheduling time', async () => {
    vi.useFakeTimers()
    let delay = 0
    const scheduler = new FlushScheduler(systemClock, () => delay)
    const ran: number[] = []
    for (let i = 0; i < 50; i++) scheduler.schedule(() => ran.push(i))
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(0)
    expect(ran).toHaveLength(50)
    expect(vi.getTimerCount()).toBe(0)

    delay = 16
    scheduler.schedule(() => ran.push(50))
    scheduler.schedule(() => ran.push(51))
    await vi.advanceTimersByTimeAsync(15)
    expect(ran).toHaveLength(50)
    await vi.advanceTimersByTimeAsync(1)
    expect(ran.slice(50)).toEqual([50, 51])
  })

  it('waits a zero delay in a microtask when asked (a hub inside a page), and a timer for a longer one', async () => {
    vi.useFakeTimers()
    let delay = 0
    const scheduler = new FlushScheduler(systemClock, () => delay, 'microtask')
    const ran: number[] = []
    scheduler.schedule(() => ran.push(1))
    scheduler.schedule(() => ran.push(2))
    expect(vi.getTimerCount()).toBe(0)
    await Promise.resolve()
    expect(ran).toEqual([1, 2])
    delay = 16
    scheduler.schedule(() => ran.push(3))
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(16)
    expect(ran).toEqual([1, 2, 3])
  })

  it('leaves no timer and runs nothing after clear()', async () => {
    vi.useFakeTimers()
    const scheduler = new FlushScheduler(systemClock, () => 16)
    let ran = false
    scheduler.schedule(() => void (ran = true))
    scheduler.clear()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(100)
    expect(ran).toBe(false)
  })
})

describe('encodePayload', () => {
  it('serialises JSON payloads once, as the wire would, and keeps binary broadcasts as they are', () => {
    const shared = encodePayload({ type: 'broadcast', event: 'e', payload: { at: new Date(0), skip: undefined } })
    expect(decodePayload(shared)).toEqual({ type: 'broadcast', event: 'e', payload: { at: '1970-01-01T00:00:00.000Z' } })
    const bytes = new Uint8Array([1, 2, 3]).buffer
    const binary = encodePayload({ type: 'broadcast', event: 'e', payload: bytes })
    expect((decodePayload(binary) as { payload: ArrayBuffer }).payload).toBe(bytes)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(decodePayload(encodePayload(cyclic))).toBe(cyclic)
    expect(decodePayload(encodePayload(undefined))).toBeUndefined()
  })
})
