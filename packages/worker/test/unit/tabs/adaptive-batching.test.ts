/** Adaptive batching: a frame of delay only while the hub hands tabs many events, with hysteresis. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AdaptiveBatching, LOAD_WINDOW_MS } from '../../../src/tabs/adaptive-batching.ts'
import { FlushScheduler } from '../../../src/tabs/flush-scheduler.ts'
import { TabSession } from '../../../src/tabs/tab-session.ts'
import { systemClock } from '../../../src/clock.ts'
import { decodePayload, encodePayload } from '../../../src/channels/payload-codec.ts'
import type { DeliveryFrame, DeliveryPort } from '../../../src/protocol/delivery-port.ts'
import type { TabEvent } from '../../../src/protocol/wire.ts'
import { resolveHubOptions, validateHubOptions } from '../../../src/input/hub-options.ts'
import type { HubOptions } from '../../../src/protocol/options.ts'

beforeEach(() => void vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function meter(options: HubOptions = {}) {
  let resolved = resolveHubOptions(options)
  const toggles: boolean[] = []
  const batching: AdaptiveBatching = new AdaptiveBatching(systemClock, () => resolved, () => toggles.push(batching.engaged))
  return { batching, toggles, configure: (patch: HubOptions) => void (resolved = resolveHubOptions(patch, resolved)) }
}

/** `perSecond` deliveries spread over `ms`, noted every millisecond. */
async function load(batching: AdaptiveBatching, perSecond: number, ms: number): Promise<void> {
  for (let t = 0; t < ms; t++) {
    batching.note(perSecond / 1000)
    await vi.advanceTimersByTimeAsync(1)
  }
}

describe('AdaptiveBatching', () => {
  it('stays at delay 0 below the rate, engages one frame above it, and holds until the load falls below half', async () => {
    const { batching, toggles } = meter()
    await load(batching, 3_000, 2 * LOAD_WINDOW_MS)
    expect(batching.delayMs()).toBe(0)
    expect(batching.engaged).toBe(false)

    await load(batching, 8_000, 2 * LOAD_WINDOW_MS)
    expect(batching.delayMs()).toBe(16)
    expect(batching.engaged).toBe(true)

    // Between half the threshold and the threshold: no flapping, it stays engaged.
    await load(batching, 2_500, 4 * LOAD_WINDOW_MS)
    expect(batching.delayMs()).toBe(16)

    await load(batching, 1_500, 2 * LOAD_WINDOW_MS)
    expect(batching.delayMs()).toBe(0)
    expect(batching.engaged).toBe(false)
    // Each change is announced once (the hub pushes health then).
    expect(toggles).toEqual([true, false])
  })

  it('releases after an idle gap, judged at the next flush (it keeps no timer)', async () => {
    const { batching } = meter()
    await load(batching, 10_000, 2 * LOAD_WINDOW_MS)
    expect(batching.delayMs()).toBe(16)
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(5_000)
    batching.note(1)
    expect(batching.delayMs()).toBe(0)
  })

  it('follows its own threshold and batch length, and configure() changes them', async () => {
    const { batching, configure } = meter({ adaptiveBatching: { aboveDeliveriesPerSecond: 500, batchMs: 40 } })
    await load(batching, 1_000, 2 * LOAD_WINDOW_MS)
    expect(batching.delayMs()).toBe(40)
    configure({ adaptiveBatching: { batchMs: 8 } })
    expect(batching.delayMs()).toBe(8)
    configure({ adaptiveBatching: false })
    expect(batching.delayMs()).toBe(0)
    expect(batching.engaged).toBe(false)
  })

  it('an explicit deliveryBatchMs wins, at any load', async () => {
    const { batching } = meter({ deliveryBatchMs: 5 })
    expect(batching.delayMs()).toBe(5)
    await load(batching, 20_000, 2 * LOAD_WINDOW_MS)
    expect(batching.delayMs()).toBe(5)
    expect(batching.engaged).toBe(false)
  })

  it('adaptiveBatching false keeps delay 0 at any load', async () => {
    const { batching } = meter({ adaptiveBatching: false })
    await load(batching, 20_000, 2 * LOAD_WINDOW_MS)
    expect(batching.delayMs()).toBe(0)
  })
})

function recordingPort() {
  const frames: DeliveryFrame<TabEvent>[] = []
  const port = {
    frames,
    postMessage: (message: unknown) => void frames.push(structuredClone(message) as DeliveryFrame<TabEvent>),
    addEventListener: () => {},
    removeEventListener: () => {},
  }
  return port satisfies DeliveryPort
}

const event = (n: number): TabEvent => ({ type: 'channel/event', subscriptionId: 's1', bindingIds: [1], payload: encodePayload({ n }) })
const numbers = (frames: DeliveryFrame<TabEvent>[]) =>
  frames.flatMap((f) => f.events).flatMap((e) => (e.type === 'channel/event' ? [(decodePayload(e.payload) as { n: number }).n] : []))

/** Tabs wired as hub.ts wires them: one scheduler whose delay and counting come from one meter. */
function setupTabs(count: number, options: HubOptions = {}) {
  const { batching } = meter(options)
  const flushes = new FlushScheduler(systemClock, batching.delayMs, 'timer', batching.note)
  const resolved = resolveHubOptions(options)
  const tabs = Array.from({ length: count }, (_, i) => {
    const port = recordingPort()
    const tab = new TabSession({
      tabId: `t${i}`,
      port,
      now: () => Date.now(),
      clock: systemClock,
      schedule: flushes.schedule,
      hiddenDelayMs: () => resolved.hiddenDeliveryMs,
    })
    return { tab, port }
  })
  return { tabs, batching, flushes }
}

/** One event to every tab each `everyMs`, numbered from `from`. */
async function stream(tabs: { tab: TabSession }[], from: number, count: number, everyMs: number): Promise<number> {
  for (let n = from; n < from + count; n++) {
    for (const { tab } of tabs) tab.push(event(n))
    await vi.advanceTimersByTimeAsync(everyMs)
  }
  return from + count
}

describe('adaptive batching through tab sessions', () => {
  it('a light stream keeps one post per event; a heavy one collects a frame per post; order and count unchanged', async () => {
    // 10 tabs × 200 events/s = 2000 deliveries/s: below 4000, every event goes out alone.
    const light = setupTabs(10)
    let next = await stream(light.tabs, 1, 200, 5)
    expect(light.batching.engaged).toBe(false)
    expect(light.tabs[0]!.port.frames).toHaveLength(200)

    // 50 tabs × 200 events/s = 10 000 deliveries/s: batching engages within two windows.
    const heavy = setupTabs(50)
    next = await stream(heavy.tabs, 1, 200, 5)
    expect(heavy.batching.engaged).toBe(true)
    const before = heavy.tabs[0]!.port.frames.length
    next = await stream(heavy.tabs, next, 200, 5)
    await vi.advanceTimersByTimeAsync(50)
    // One second of events in about 1000/16 posts rather than 200.
    expect(heavy.tabs[0]!.port.frames.length - before).toBeLessThanOrEqual(Math.ceil(1000 / 16) + 1)
    for (const { port } of heavy.tabs) expect(numbers(port.frames)).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1))

    // The stream slows to 20 events/s (1000 deliveries/s, below half): back to one post per event.
    next = await stream(heavy.tabs, next, 20, 50)
    expect(heavy.batching.engaged).toBe(false)
    const slow = heavy.tabs[0]!.port.frames.length
    await stream(heavy.tabs, next, 10, 50)
    expect(heavy.tabs[0]!.port.frames.length - slow).toBe(10)
    for (const { port } of heavy.tabs) expect(numbers(port.frames)).toEqual(Array.from({ length: next + 9 }, (_, i) => i + 1))
    for (const { tab } of [...light.tabs, ...heavy.tabs]) tab.close()
  })

  it('counts deliveries, not posts, so the posts it saves do not release it (25 tabs × 200 events/s)', async () => {
    // 5000 deliveries/s engage it; batched, that is only 25 × 62.5 ≈ 1600 posts/s, under half the threshold.
    const { tabs, batching } = setupTabs(25)
    let next = await stream(tabs, 1, 200, 5)
    expect(batching.engaged).toBe(true)
    const before = tabs[0]!.port.frames.length
    next = await stream(tabs, next, 400, 5)
    expect(batching.engaged).toBe(true)
    expect(tabs[0]!.port.frames.length - before).toBeLessThanOrEqual(2 * Math.ceil(1000 / 16) + 1)
    await vi.advanceTimersByTimeAsync(50)
    for (const { port } of tabs) expect(numbers(port.frames)).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1))
    for (const { tab } of tabs) tab.close()
  })

  it('leaves the hidden-tab policy as it was: a hidden tab still gets one post per hiddenDeliveryMs, and everything at once when shown', async () => {
    const { tabs, batching } = setupTabs(50)
    const hidden = tabs[0]!
    hidden.tab.setVisible(false)
    const next = await stream(tabs, 1, 200, 5)
    expect(batching.engaged).toBe(true)
    // 1000 ms of events: posts at 300, 600 and 900 ms.
    expect(hidden.port.frames).toHaveLength(3)
    hidden.tab.setVisible(true)
    expect(hidden.port.frames).toHaveLength(4)
    expect(numbers(hidden.port.frames)).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1))
    for (const { tab } of tabs) tab.close()
  })

  it('an explicit deliveryBatchMs keeps its fixed delay under a light load', async () => {
    const { tabs, batching } = setupTabs(2, { deliveryBatchMs: 50 })
    await stream(tabs, 1, 100, 5)
    await vi.advanceTimersByTimeAsync(50)
    expect(batching.engaged).toBe(false)
    expect(tabs[0]!.port.frames).toHaveLength(10)
    for (const { tab } of tabs) tab.close()
  })
})

describe('adaptiveBatching option', () => {
  it('defaults to 4000 deliveries/s and a 16 ms batch; true, false and partial objects resolve', () => {
    expect(resolveHubOptions().adaptiveBatching).toEqual({ aboveDeliveriesPerSecond: 4_000, batchMs: 16 })
    expect(resolveHubOptions({ adaptiveBatching: false }).adaptiveBatching).toBe(false)
    expect(resolveHubOptions({ adaptiveBatching: { batchMs: 32 } }).adaptiveBatching).toEqual({ aboveDeliveriesPerSecond: 4_000, batchMs: 32 })
    // Turning it back on after false starts from the defaults.
    expect(resolveHubOptions({ adaptiveBatching: true }, resolveHubOptions({ adaptiveBatching: false })).adaptiveBatching).toEqual({ aboveDeliveriesPerSecond: 4_000, batchMs: 16 })
    for (const ok of [true, false, {}, { aboveDeliveriesPerSecond: 100 }, { batchMs: 1_000 }]) {
      expect(validateHubOptions({ adaptiveBatching: ok })).toBeNull()
    }
  })

  it('refuses bad values with invalid-argument', () => {
    for (const [bad, message] of [
      ['yes', 'adaptiveBatching must be true, false or an object'],
      [[], 'adaptiveBatching must be true, false or an object'],
      [null, 'adaptiveBatching must be true, false or an object'],
      [{ batchMs: 0 }, 'adaptiveBatching.batchMs must be a number from 1 to 1000'],
      [{ aboveDeliveriesPerSecond: -1 }, 'adaptiveBatching.aboveDeliveriesPerSecond must be a number'],
      [{ aboveDeliveriesPerSecond: Number.NaN }, 'adaptiveBatching.aboveDeliveriesPerSecond must be a number'],
      [{ batchms: 16 }, 'unknown option "adaptiveBatching.batchms"'],
    ] as const) {
      expect(validateHubOptions({ adaptiveBatching: bad })).toMatchObject({ code: 'invalid-argument', message: expect.stringContaining(message) })
    }
  })
})
