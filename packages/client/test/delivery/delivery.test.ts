/** Delivery options on their own (fake timers): transform, batch, debounce, throttle, enabled, validation. */
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { createDelivery, validateDeliveryOptions, type Delivered } from '../../src/delivery/index.ts'
import { RealtimeError } from '../../src/errors.ts'
import type { PostgresChangesPayload, SharedChannel, SharedRealtime } from '../../src/index.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

function recorder<T = unknown>() {
  const calls: T[] = []
  return { calls, callback: (value: T) => void calls.push(value) }
}

describe('transform', () => {
  it('is applied once per event before the callback', () => {
    const { calls, callback } = recorder<number>()
    const transform = vi.fn((p: { n: number }) => p.n * 10)
    const d = createDelivery({ transform }, callback)
    d.push({ n: 1 })
    d.push({ n: 2 })
    expect(calls).toEqual([10, 20])
    expect(transform).toHaveBeenCalledTimes(2)
  })

  it('reports a throwing transform as transform-failed to onError and keeps delivering later events', () => {
    const { calls, callback } = recorder<number>()
    const errors: RealtimeError[] = []
    const d = createDelivery(
      {
        transform: (p: { n: number }) => {
          if (p.n === 2) throw new Error('bad row')
          return p.n
        },
        onError: (e) => errors.push(e),
      },
      callback,
    )
    d.push({ n: 1 })
    d.push({ n: 2 })
    d.push({ n: 3 })
    expect(calls).toEqual([1, 3])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(RealtimeError)
    expect(errors[0].code).toBe('transform-failed')
    expect(errors[0].message).toContain('bad row')
  })

  it('without onError reports to the environment (the client health)', () => {
    const reported: RealtimeError[] = []
    const d = createDelivery({ transform: () => { throw new Error('x') } }, () => {}, { report: (e) => reported.push(e) })
    d.push(1)
    expect(reported.map((e) => e.code)).toEqual(['transform-failed'])
  })
})

describe('batch', () => {
  it('delivers arrays in arrival order when maxSize is reached', () => {
    const { calls, callback } = recorder<number[]>()
    const d = createDelivery({ batch: { maxSize: 3, maxWaitMs: 1000 } }, callback)
    for (let i = 1; i <= 7; i++) d.push(i)
    expect(calls).toEqual([[1, 2, 3], [4, 5, 6]])
    expect(d.pending).toBe(1)
    d.close()
  })

  it('delivers after maxWaitMs from the first waiting event', () => {
    const { calls, callback } = recorder<number[]>()
    const d = createDelivery({ batch: { maxSize: 100, maxWaitMs: 50 } }, callback)
    d.push(1)
    vi.advanceTimersByTime(30)
    d.push(2)
    expect(calls).toEqual([])
    vi.advanceTimersByTime(20)
    expect(calls).toEqual([[1, 2]])
    d.push(3)
    vi.advanceTimersByTime(49)
    expect(calls).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(calls).toEqual([[1, 2], [3]])
  })

  it('flushes, not drops, what waits on close, and ignores later events', () => {
    const { calls, callback } = recorder<number[]>()
    const d = createDelivery({ batch: { maxSize: 10, maxWaitMs: 1000 } }, callback)
    d.push(1)
    d.push(2)
    d.close()
    expect(calls).toEqual([[1, 2]])
    d.push(3)
    d.close()
    expect(calls).toEqual([[1, 2]])
  })

  it('uses the defaults (100 events, 50 ms)', () => {
    const { calls, callback } = recorder<number[]>()
    const d = createDelivery({ batch: {} }, callback)
    for (let i = 0; i < 100; i++) d.push(i)
    expect(calls).toHaveLength(1)
    d.push(100)
    vi.advanceTimersByTime(50)
    expect(calls[1]).toEqual([100])
  })
})

describe('debounceMs', () => {
  it('delivers only the latest event after a quiet period', () => {
    const { calls, callback } = recorder<number>()
    const d = createDelivery({ debounceMs: 100 }, callback)
    d.push(1)
    vi.advanceTimersByTime(60)
    d.push(2)
    vi.advanceTimersByTime(60)
    d.push(3)
    vi.advanceTimersByTime(99)
    expect(calls).toEqual([])
    vi.advanceTimersByTime(1)
    expect(calls).toEqual([3])
  })

  it('delivers the waiting event on flush', () => {
    const { calls, callback } = recorder<number>()
    const d = createDelivery({ debounceMs: 100 }, callback)
    d.push(1)
    d.flush()
    expect(calls).toEqual([1])
  })
})

describe('throttleMs', () => {
  it('calls at once (leading), then once per window with the latest event (trailing)', () => {
    const { calls, callback } = recorder<number>()
    const d = createDelivery({ throttleMs: 100 }, callback)
    d.push(1)
    expect(calls).toEqual([1])
    d.push(2)
    d.push(3)
    vi.advanceTimersByTime(99)
    expect(calls).toEqual([1])
    vi.advanceTimersByTime(1)
    expect(calls).toEqual([1, 3])
    // The trailing call opened a window: the next event waits for its end.
    d.push(4)
    expect(calls).toEqual([1, 3])
    vi.advanceTimersByTime(100)
    expect(calls).toEqual([1, 3, 4])
    // A window with nothing in it ends the busy period; the next event is leading again.
    vi.advanceTimersByTime(100)
    d.push(5)
    expect(calls).toEqual([1, 3, 4, 5])
    d.close()
  })

  it('never calls twice within one window under a steady stream', () => {
    const times: number[] = []
    const d = createDelivery({ throttleMs: 50 }, () => times.push(Date.now()))
    for (let i = 0; i < 100; i++) {
      d.push(i)
      vi.advanceTimersByTime(7)
    }
    d.close()
    for (let i = 1; i < times.length - 1; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(50)
    expect(times.length).toBeGreaterThan(10)
  })

  it('flushes the trailing event on close', () => {
    const { calls, callback } = recorder<number>()
    const d = createDelivery({ throttleMs: 100 }, callback)
    d.push(1)
    d.push(2)
    d.close()
    expect(calls).toEqual([1, 2])
  })
})

describe('enabled', () => {
  it('false holds the subscription and delivers nothing', () => {
    const { calls, callback } = recorder()
    const d = createDelivery({ enabled: false, batch: { maxSize: 1 } }, callback)
    d.push(1)
    d.close()
    expect(calls).toEqual([])
  })
})

describe('a throwing callback', () => {
  it('is rethrown outside the delivery and does not stop it', async () => {
    const thrown: unknown[] = []
    const original = globalThis.queueMicrotask
    globalThis.queueMicrotask = (task) => original(() => {
      try {
        task()
      } catch (error) {
        thrown.push(error)
      }
    })
    try {
      const { calls, callback } = recorder<number>()
      const d = createDelivery({}, (v: number) => {
        if (v === 1) throw new Error('app bug')
        callback(v)
      })
      d.push(1)
      d.push(2)
      await Promise.resolve()
      expect(calls).toEqual([2])
      expect(thrown).toHaveLength(1)
    } finally {
      globalThis.queueMicrotask = original
    }
  })
})

describe('validation', () => {
  const bad: [string, unknown][] = [
    ['maxSize 0', { batch: { maxSize: 0 } }],
    ['negative maxSize', { batch: { maxSize: -1 } }],
    ['fractional maxSize', { batch: { maxSize: 1.5 } }],
    ['negative maxWaitMs', { batch: { maxWaitMs: -1 } }],
    ['infinite maxWaitMs', { batch: { maxWaitMs: Infinity } }],
    ['NaN debounce', { debounceMs: NaN }],
    ['negative throttle', { throttleMs: -5 }],
    ['debounce with throttle', { debounceMs: 10, throttleMs: 10 }],
    ['batch with debounce', { batch: {}, debounceMs: 10 }],
    ['non-function transform', { transform: 'x' }],
    ['non-boolean enabled', { enabled: 'no' }],
    ['non-object', 5],
  ]
  it.each(bad)('refuses %s with invalid-argument', (_name, options) => {
    expect(() => validateDeliveryOptions(options, 'on()')).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  })

  it('accepts valid options', () => {
    expect(() => validateDeliveryOptions({ batch: { maxSize: 1, maxWaitMs: 0 }, transform: (x: unknown) => x, enabled: true }, 'on()')).not.toThrow()
    expect(() => validateDeliveryOptions(undefined, 'on()')).not.toThrow()
  })
})

describe('types', () => {
  it('arrays with batch, the transform output otherwise', () => {
    expectTypeOf<Delivered<{ a: 1 }, { batch: {} }>>().toEqualTypeOf<{ a: 1 }[]>()
    expectTypeOf<Delivered<{ a: 1 }, { transform: (p: { a: 1 }) => string }>>().toEqualTypeOf<string>()
    expectTypeOf<Delivered<{ a: 1 }, { transform: (p: { a: 1 }) => string; batch: {} }>>().toEqualTypeOf<string[]>()
    expectTypeOf<Delivered<{ a: 1 }, {}>>().toEqualTypeOf<{ a: 1 }>()
  })
})

/** Compiled by `npm run typecheck` (tsconfig.tests.json), never called: the callback types of both styles. */
export function deliveryTypeChecks(realtime: SharedRealtime, channel: SharedChannel): void {
  type Order = { id: number; total: number }
  const filter = { event: 'INSERT', schema: 'public', table: 'orders' } as const
  channel.on<Order>('postgres_changes', filter, (rows) => expectTypeOf(rows).toEqualTypeOf<PostgresChangesPayload<Order>[]>(), { batch: { maxSize: 10 } })
  channel.on<Order>('postgres_changes', filter, (change) => expectTypeOf(change).toEqualTypeOf<PostgresChangesPayload<Order>>(), { debounceMs: 10 })
  channel.on('broadcast', { event: 'e' }, (text: string) => text, { transform: (p) => String(p.payload) })
  channel.on('broadcast', { event: 'e' }, (texts: string[]) => texts, { transform: (p) => String(p.payload), batch: {} })
  realtime.subscribe<Order>('orders', { event: 'INSERT', table: 'orders', batch: {}, callback: (rows) => expectTypeOf(rows).toEqualTypeOf<PostgresChangesPayload<Order>[]>() })
  realtime.subscribe<Order>('orders', { event: 'INSERT', table: 'orders', callback: (row) => expectTypeOf(row).toEqualTypeOf<PostgresChangesPayload<Order>>() })
  realtime.subscribe('orders', { event: 'INSERT', table: 'orders', transform: (p) => p.eventType, callback: (type) => expectTypeOf(type).toEqualTypeOf<'INSERT' | 'UPDATE' | 'DELETE'>() })
}
