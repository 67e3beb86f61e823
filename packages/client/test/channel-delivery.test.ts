/** Delivery options through both API styles: channel.on(…, options) on a stub host, and the manager style. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SharedChannel } from '../src/channel.ts'
import { stubHost } from './support/stub-host.ts'
import { ManagedSubscriptions } from '../src/managed-subscriptions.ts'
import { encodePayload } from '@shared-realtime/worker/protocol'

const host = stubHost

function emit(channel: SharedChannel, bindingIds: number[], payload: unknown): void {
  channel.handle({ type: 'channel/event', subscriptionId: channel.subscriptionId!, bindingIds, payload: encodePayload(payload) })
}

const row = (id: number) => ({ schema: 'public', table: 'items', commit_timestamp: 't', errors: null, eventType: 'INSERT', new: { id }, old: {} })

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

describe('channel.on(type, filter, callback, options)', () => {
  it('batches Postgres changes: every row, in order, none merged or dropped; flushed on unsubscribe', async () => {
    const h = host()
    const batches: number[][] = []
    const channel = new SharedChannel(h, 'items')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (rows) => batches.push(rows.map((r) => r.new.id as number)), {
        batch: { maxSize: 3, maxWaitMs: 100 },
      })
      .subscribe()
    for (let id = 1; id <= 5; id++) emit(channel, [1], row(id))
    expect(batches).toEqual([[1, 2, 3]])
    await channel.unsubscribe()
    expect(batches).toEqual([[1, 2, 3], [4, 5]])
  })

  it('transforms with types, and one throwing transform reaches the health (host) without stopping other bindings', () => {
    const h = host()
    const texts: string[] = []
    const raw: unknown[] = []
    const channel = new SharedChannel(h, 'chat')
      .on('broadcast', { event: 'msg' }, (text: string) => texts.push(text.toUpperCase()), {
        transform: (p) => {
          if (p.payload.bad) throw new Error('cannot parse')
          return String(p.payload.text)
        },
      })
      .on('broadcast', { event: 'msg' }, (p) => raw.push(p.payload))
      .subscribe()
    emit(channel, [1, 2], { type: 'broadcast', event: 'msg', payload: { text: 'hi' } })
    emit(channel, [1, 2], { type: 'broadcast', event: 'msg', payload: { bad: true } })
    emit(channel, [1, 2], { type: 'broadcast', event: 'msg', payload: { text: 'yo' } })
    expect(texts).toEqual(['HI', 'YO'])
    expect(raw).toHaveLength(3)
    expect(h.reported.map((e) => e.code)).toEqual(['transform-failed'])
  })

  it('throttles a noisy broadcast and flushes the trailing event on teardown (client close)', () => {
    const h = host()
    const got: number[] = []
    const channel = new SharedChannel(h, 'typing').on('broadcast', { event: 't' }, (p) => got.push(p.payload.n), { throttleMs: 100 }).subscribe()
    for (let n = 1; n <= 5; n++) emit(channel, [1], { type: 'broadcast', event: 't', payload: { n } })
    expect(got).toEqual([1])
    channel.teardown()
    expect(got).toEqual([1, 5])
  })

  it('debounces, and enabled: false delivers nothing', () => {
    const h = host()
    const latest: number[] = []
    const none: unknown[] = []
    const channel = new SharedChannel(h, 'gps')
      .on('broadcast', { event: 'pos' }, (p) => latest.push(p.payload.n), { debounceMs: 50 })
      .on('broadcast', { event: 'pos' }, (p) => none.push(p), { enabled: false })
      .subscribe()
    for (let n = 1; n <= 3; n++) emit(channel, [1, 2], { type: 'broadcast', event: 'pos', payload: { n } })
    vi.advanceTimersByTime(50)
    expect(latest).toEqual([3])
    expect(none).toEqual([])
  })

  it('refuses invalid options at the call with invalid-argument, and adds no binding', () => {
    const channel = new SharedChannel(host(), 'room')
    for (const options of [{ batch: { maxSize: 0 } }, { debounceMs: -1 }, { throttleMs: Infinity }, { debounceMs: 5, throttleMs: 5 }, { transform: 42 }]) {
      expect(() => channel.on('broadcast', { event: 'x' }, () => {}, options as never)).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    }
    channel.on('broadcast', { event: 'x' }, () => {})
    expect(channel.subscribe().subscribeRequest()!.bindings).toHaveLength(1)
  })
})

describe('realtime.subscribe(key, { …, ...options })', () => {
  function setup() {
    const h = host()
    const removed: string[] = []
    const channels = new Map<string, SharedChannel>()
    const managed = new ManagedSubscriptions({
      channel: (name) => {
        const c = new SharedChannel(h, name)
        channels.set(name, c)
        return c
      },
      removeChannel: async (c) => void removed.push(c.subTopic),
      reportError: h.reportError,
    })
    return { h, managed, channels, removed }
  }

  it('gives each callback its own delivery, flushes a batch on unsubscribe and validates options', () => {
    const { managed, channels, removed } = setup()
    const batched: number[][] = []
    const single: number[] = []
    const offBatch = managed.add('items', { event: 'INSERT', table: 'items', batch: { maxSize: 10, maxWaitMs: 1000 }, callback: (rows: any[]) => batched.push(rows.map((r) => r.new.id as number)) })
    const offSingle = managed.add('items', { event: 'INSERT', table: 'items', transform: (p: any) => p.new.id as number, callback: (id: number) => single.push(id) })
    expect(() => managed.add('items', { event: 'INSERT', table: 'items', callback: () => {}, debounceMs: -1 })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    const channel = channels.get('items')!.subscribe()
    emit(channel, [1], row(1))
    emit(channel, [1], row(2))
    expect(single).toEqual([1, 2])
    expect(batched).toEqual([])
    offBatch()
    expect(batched).toEqual([[1, 2]])
    offSingle()
    expect(removed).toEqual(['items'])
  })
})
