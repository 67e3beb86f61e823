/** Hidden tabs: their events wait for one post per `hiddenDeliveryMs`, in order, nothing dropped. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TabSession } from '../../../src/tabs/tab-session.ts'
import { FlushScheduler } from '../../../src/tabs/flush-scheduler.ts'
import { systemClock } from '../../../src/clock.ts'
import { decodePayload, encodePayload } from '../../../src/channels/payload-codec.ts'
import type { DeliveryFrame, DeliveryPort } from '../../../src/protocol/delivery-port.ts'
import { resolveHubOptions, validateHubOptions } from '../../../src/input/hub-options.ts'
import type { TabEvent } from '../../../src/protocol/wire.ts'

function recordingPort() {
  const frames: DeliveryFrame<TabEvent>[] = []
  const listeners = new Set<(event: { data: unknown }) => void>()
  const port = {
    frames,
    postMessage: (message: unknown) => void frames.push(structuredClone(message) as DeliveryFrame<TabEvent>),
    addEventListener: (_: 'message', l: (event: { data: unknown }) => void) => void listeners.add(l),
    removeEventListener: (_: 'message', l: (event: { data: unknown }) => void) => void listeners.delete(l),
    ack: (seq: number) => listeners.forEach((l) => l({ data: seq })),
  }
  return port satisfies DeliveryPort
}

const event = (n: number): TabEvent => ({ type: 'channel/event', subscriptionId: 's1', bindingIds: [1], payload: encodePayload({ n }) })
const numbers = (frames: DeliveryFrame<TabEvent>[]) =>
  frames.flatMap((f) => f.events).flatMap((e) => (e.type === 'channel/event' ? [(decodePayload(e.payload) as { n: number }).n] : []))

function setup(hiddenMs = 300, options: { maxInFlight?: number; ackEvery?: number } = {}) {
  const port = recordingPort()
  const flushes = new FlushScheduler(systemClock)
  const tab = new TabSession({
    tabId: 't1',
    port,
    now: () => Date.now(),
    clock: systemClock,
    schedule: flushes.schedule,
    hiddenDelayMs: () => hiddenMs,
    ...options,
  })
  tab.subscriptions.add('s1')
  return { tab, port, flushes }
}

beforeEach(() => void vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('hidden-tab delivery', () => {
  it('collects a hidden tab\'s events into one post per window, in order', async () => {
    const { tab, port } = setup(300)
    tab.setVisible(false)
    for (let n = 1; n <= 50; n++) {
      tab.push(event(n))
      await vi.advanceTimersByTimeAsync(10)
    }
    // 500 ms of events at 10 ms apart: a post at 300 ms, the rest waiting for the next window.
    expect(port.frames).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(300)
    expect(port.frames).toHaveLength(2)
    expect(numbers(port.frames)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    tab.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('posts at once what waits when the tab becomes visible, then behaves as visible', async () => {
    const { tab, port } = setup(300)
    tab.setVisible(false)
    tab.push(event(1))
    tab.push(event(2))
    await vi.advanceTimersByTimeAsync(100)
    expect(port.frames).toHaveLength(0)
    tab.setVisible(true)
    expect(numbers(port.frames)).toEqual([1, 2])
    expect(vi.getTimerCount()).toBe(0)
    tab.push(event(3))
    await vi.advanceTimersByTimeAsync(0)
    expect(numbers(port.frames)).toEqual([1, 2, 3])
    expect(port.frames).toHaveLength(2)
  })

  it('keeps order when a tab hides while a visible flush is pending', async () => {
    const { tab, port } = setup(300)
    tab.push(event(1))
    tab.setVisible(false)
    tab.push(event(2))
    await vi.advanceTimersByTimeAsync(0)
    tab.push(event(3))
    await vi.advanceTimersByTimeAsync(299)
    expect(numbers(port.frames)).toEqual([1, 2])
    await vi.advanceTimersByTimeAsync(1)
    expect(numbers(port.frames)).toEqual([1, 2, 3])
  })

  it('posts a status at once, with the events that waited before it, in order', async () => {
    const { tab, port } = setup(300)
    tab.setVisible(false)
    tab.push(event(1))
    tab.push({ type: 'channel/status', subscriptionId: 's1', status: 'CHANNEL_ERROR' })
    await vi.advanceTimersByTimeAsync(0)
    expect(port.frames).toHaveLength(1)
    expect(port.frames[0].events.map((e) => e.type)).toEqual(['channel/event', 'channel/status'])
    expect(vi.getTimerCount()).toBe(0)
    tab.push(event(2))
    tab.push({ type: 'hub/health', health: {} as never })
    await vi.advanceTimersByTimeAsync(299)
    expect(port.frames).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(port.frames[1].events.map((e) => e.type)).toEqual(['channel/event', 'hub/health'])
  })

  it('with a delay of 0 delivers to hidden tabs like to visible ones', async () => {
    const { tab, port } = setup(0)
    tab.setVisible(false)
    tab.push(event(1))
    await vi.advanceTimersByTimeAsync(0)
    tab.push(event(2))
    await vi.advanceTimersByTimeAsync(0)
    expect(port.frames.map((f) => f.events.length)).toEqual([1, 1])
  })

  it('still finds a hidden tab that stopped acknowledging, and resyncs it when it catches up', async () => {
    const { tab, port } = setup(300, { maxInFlight: 8, ackEvery: 2 })
    tab.setVisible(false)
    for (let n = 1; n <= 12; n++) {
      tab.push(event(n))
      await vi.advanceTimersByTimeAsync(300)
    }
    expect(tab.stalled).toBe(true)
    expect(tab.dropped).toBeGreaterThan(0)
    port.ack(port.frames.at(-1)!.seq)
    expect(tab.stalled).toBe(false)
    await vi.advanceTimersByTimeAsync(300)
    const last = port.frames.at(-1)!.events
    expect(last.some((e) => e.type === 'channel/resync' && e.reason === 'tab-stalled')).toBe(true)
  })

  it('leaves no timer after close, even with events waiting', async () => {
    const { tab, port } = setup(300)
    tab.setVisible(false)
    tab.push(event(1))
    expect(vi.getTimerCount()).toBe(1)
    tab.close()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(port.frames).toHaveLength(0)
  })
})

describe('hiddenDeliveryMs option', () => {
  it('defaults to a few hundred ms and is validated like the others', () => {
    expect(resolveHubOptions().hiddenDeliveryMs).toBe(300)
    expect(resolveHubOptions({ hiddenDeliveryMs: 0 }).hiddenDeliveryMs).toBe(0)
    expect(validateHubOptions({ hiddenDeliveryMs: 1_000 })).toBeNull()
    for (const bad of [-1, Number.NaN, Infinity, 60_001, '300']) {
      expect(validateHubOptions({ hiddenDeliveryMs: bad })).toMatchObject({ code: 'invalid-argument' })
    }
  })
})
