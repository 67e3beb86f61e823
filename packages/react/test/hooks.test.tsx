/** The hooks against a fake client (real SharedChannel objects, stub hub): StrictMode, identities, filters, unmount. */
import { useEffect, useState, type ReactNode } from 'react'
import { act, render, renderHook } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  SharedRealtimeProvider,
  useBroadcast,
  useChannel,
  usePostgresChanges,
  usePresence,
  usePresenceState,
  useRealtimeStatus,
  useRealtimeSubscription,
  useResync,
  useSharedRealtime,
  useUpdateAvailable,
} from '../src/index.ts'
import { createFakeRealtime, type FakeRealtime } from './support/fake-realtime.ts'

afterEach(() => {
  vi.useRealTimers()
})

/**
 * Render options: the provider, in StrictMode. (A <StrictMode> returned by the wrapper component does
 * not double-invoke effects in React 19; RTL's `reactStrictMode` puts it at the root, where it does.)
 */
function inStrictMode(client: FakeRealtime) {
  return {
    wrapper: ({ children }: { children: ReactNode }) => <SharedRealtimeProvider client={client}>{children}</SharedRealtimeProvider>,
    reactStrictMode: true,
  }
}

/** Lets released channels go (they leave a microtask after their last user). */
const settle = () => act(async () => {
  await Promise.resolve()
  await Promise.resolve()
})

const broadcast = (event: string, payload: unknown) => ({ type: 'broadcast', event, payload })
const change = (id: number) => ({ schema: 'public', table: 'orders', commit_timestamp: 't', errors: null, eventType: 'INSERT', new: { id }, old: {} })

describe('provider', () => {
  it('hooks outside a provider throw an error naming the provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const hooks: (() => unknown)[] = [() => useSharedRealtime(), () => useRealtimeStatus(), () => useChannel('x'), () => useBroadcast('x', 'e')]
    for (const hook of hooks) {
      expect(() => renderHook(hook)).toThrow(/inside <SharedRealtimeProvider client=\{…\}>/)
    }
  })

  it('useSharedRealtime returns the client', () => {
    const client = createFakeRealtime()
    const { result } = renderHook(() => useSharedRealtime(), inStrictMode(client))
    expect(result.current).toBe(client)
  })
})

describe('StrictMode', () => {
  it('the test setup really runs effects twice (so the tests below can fail)', () => {
    const log: string[] = []
    function Probe() {
      useEffect(() => {
        log.push('mount')
        return () => void log.push('unmount')
      }, [])
      return null
    }
    render(<Probe />, inStrictMode(createFakeRealtime()))
    expect(log).toEqual(['mount', 'unmount', 'mount'])
  })

  it('joins once and shows no CLOSED/SUBSCRIBED flicker across the double mount', async () => {
    const client = createFakeRealtime()
    const seen: string[] = []
    function Room() {
      const { status } = useChannel('room')
      useBroadcast('room', 'msg', () => {})
      usePresenceState('room')
      seen.push(status)
      return <p>{status}</p>
    }
    const view = render(<Room />, inStrictMode(client))
    await settle()
    expect(client.joins).toEqual(['room'])
    expect(client.leaves).toEqual([])
    act(() => client.ack('room'))
    expect(view.container.textContent).toBe('SUBSCRIBED')
    expect(seen).not.toContain('CLOSED')
    expect(new Set(seen)).toEqual(new Set(['idle', 'joining', 'SUBSCRIBED']))
    // Several components on one channel still join once.
    view.rerender(<><Room /><Room /></>)
    await settle()
    expect(client.joins).toEqual(['room'])
  })

  it('tracks presence once through the double mount and untracks nothing in between', async () => {
    const client = createFakeRealtime()
    const { unmount } = renderHook(() => usePresence('room', { user: 'ann' }), inStrictMode(client))
    await settle()
    expect(client.tracks).toEqual([{ topic: 'room', payload: { user: 'ann' } }])
    unmount()
    await settle()
    expect(client.leaves).toEqual(['room'])
  })
})

describe('callbacks and filters', () => {
  it('a callback whose identity changes every render does not resubscribe; the latest one is called', async () => {
    const client = createFakeRealtime()
    const calls: string[] = []
    const { rerender } = renderHook(({ tag }) => useBroadcast('chat', 'msg', (m) => calls.push(`${tag}:${m.payload.text}`)), {
      ...inStrictMode(client),
      initialProps: { tag: 'a' },
    })
    await settle()
    for (const tag of ['b', 'c', 'd']) rerender({ tag })
    await settle()
    expect(client.joins).toEqual(['chat'])
    act(() => client.deliver('chat', broadcast('msg', { text: 'hi' })))
    expect(calls).toEqual(['d:hi'])
  })

  it('changing the filter resubscribes exactly once; the same filter again does nothing', async () => {
    const client = createFakeRealtime()
    const got: number[] = []
    const { rerender, result } = renderHook(
      ({ shop }) => usePostgresChanges({ event: 'INSERT', table: 'orders', filter: `shop=eq.${shop}` }, (c) => got.push(c.new.id as number)),
      { ...inStrictMode(client), initialProps: { shop: 1 } },
    )
    await settle()
    expect(client.joins).toEqual(['postgres:public:orders:INSERT:shop=eq.1'])
    rerender({ shop: 2 })
    await settle()
    rerender({ shop: 2 })
    await settle()
    expect(client.joins).toEqual(['postgres:public:orders:INSERT:shop=eq.1', 'postgres:public:orders:INSERT:shop=eq.2'])
    expect(client.leaves).toEqual(['postgres:public:orders:INSERT:shop=eq.1'])
    act(() => client.ack('postgres:public:orders:INSERT:shop=eq.2'))
    expect(result.current.status).toBe('SUBSCRIBED')
    act(() => client.deliver('postgres:public:orders:INSERT:shop=eq.2', change(7)))
    expect(got).toEqual([7])
  })

  it('changing the filter of a named channel also resubscribes exactly once, on a fresh channel', async () => {
    const client = createFakeRealtime()
    const got: number[] = []
    const { rerender } = renderHook(
      ({ shop }) => usePostgresChanges({ channel: 'orders', event: 'INSERT', table: 'orders', filter: `shop=eq.${shop}` }, (c) => got.push(c.new.id as number)),
      { ...inStrictMode(client), initialProps: { shop: 1 } },
    )
    await settle()
    const first = client.channels.get('orders')
    rerender({ shop: 2 })
    await settle()
    expect(client.joins).toEqual(['orders', 'orders'])
    expect(client.leaves).toEqual(['orders'])
    const second = client.channels.get('orders')!
    expect(second).not.toBe(first)
    expect(second.subscribeRequest()?.bindings).toMatchObject([{ type: 'postgres_changes', filter: { filter: 'shop=eq.2' } }])
    act(() => client.deliver('orders', change(9)))
    expect(got).toEqual([9])
  })

  it('unmount releases the channel and flushes a waiting batch instead of dropping it', async () => {
    const client = createFakeRealtime()
    const batches: number[][] = []
    const { unmount } = renderHook(
      () => usePostgresChanges({ channel: 'orders', event: 'INSERT', table: 'orders', batch: { maxSize: 10, maxWaitMs: 60_000 } }, (rows) => batches.push(rows.map((r) => r.new.id as number))),
      inStrictMode(client),
    )
    await settle()
    act(() => {
      client.deliver('orders', change(1))
      client.deliver('orders', change(2))
    })
    expect(batches).toEqual([])
    unmount()
    expect(batches).toEqual([[1, 2]])
    await settle()
    expect(client.leaves).toEqual(['orders'])
    expect(client.channels.size).toBe(0)
  })
})

describe('delivery options in hooks', () => {
  it('throttles, transforms, reports a throwing transform to onError, and enabled:false holds without delivering', async () => {
    vi.useFakeTimers()
    const client = createFakeRealtime()
    const typing: string[] = []
    const errors: string[] = []
    const { rerender } = renderHook(
      ({ enabled }) =>
        useBroadcast('room', 'typing', (user: string) => typing.push(user), {
          throttleMs: 1000,
          enabled,
          transform: (m) => {
            if (m.payload.bad) throw new Error('bad')
            return String(m.payload.user)
          },
          onError: (e) => errors.push(e.code),
        }),
      { ...inStrictMode(client), initialProps: { enabled: true } },
    )
    await settle()
    act(() => {
      for (const user of ['a', 'b', 'c']) client.deliver('room', broadcast('typing', { user }))
      client.deliver('room', broadcast('typing', { bad: true }))
    })
    expect(typing).toEqual(['a'])
    expect(errors).toEqual(['transform-failed'])
    act(() => void vi.advanceTimersByTime(1000))
    expect(typing).toEqual(['a', 'c'])
    rerender({ enabled: false })
    act(() => void vi.advanceTimersByTime(5000))
    act(() => client.deliver('room', broadcast('typing', { user: 'd' })))
    act(() => void vi.advanceTimersByTime(5000))
    expect(typing).toEqual(['a', 'c'])
    expect(client.joins).toEqual(['room'])
  })

  it('refuses invalid options while rendering with invalid-argument', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const client = createFakeRealtime()
    expect(() => renderHook(() => useBroadcast('room', 'e', () => {}, { debounceMs: 10, throttleMs: 10 }), inStrictMode(client))).toThrow(
      expect.objectContaining({ code: 'invalid-argument' }),
    )
  })

  it('useRealtimeSubscription takes the managers’ options shape, debounced', async () => {
    vi.useFakeTimers()
    const client = createFakeRealtime()
    const got: number[] = []
    renderHook(() => useRealtimeSubscription({ channel: 'orders', table: 'orders', event: '*', debounceMs: 250, transform: (c) => c.new.id as number, callback: (id: number) => got.push(id) }), {
      ...inStrictMode(client),
    })
    await settle()
    act(() => {
      for (let id = 1; id <= 3; id++) client.deliver('orders', change(id))
    })
    act(() => void vi.advanceTimersByTime(250))
    expect(got).toEqual([3])
  })

  it('a throwing transform without onError shows in the client health (reportError)', async () => {
    const client = createFakeRealtime()
    renderHook(() => useBroadcast('room', 'x', () => {}, { transform: () => { throw new Error('no') } }), inStrictMode(client))
    await settle()
    act(() => client.deliver('room', broadcast('x', {})))
    expect(client.reported.map((e) => e.code)).toEqual(['transform-failed'])
  })
})

describe('status, presence, resync, send', () => {
  it('useRealtimeStatus follows the health snapshot', () => {
    const client = createFakeRealtime()
    const { result } = renderHook(() => useRealtimeStatus(), inStrictMode(client))
    expect(result.current.status).toBe('connecting')
    act(() => client.setHealth({ status: 'connected', tabCount: 3 }))
    expect(result.current).toMatchObject({ status: 'connected', tabCount: 3 })
    act(() => client.setHealth({ status: 'reconnecting' }))
    expect(result.current.status).toBe('reconnecting')
  })

  it('useUpdateAvailable is null until a newer deploy announces itself', () => {
    const client = createFakeRealtime()
    const { result } = renderHook(() => useUpdateAvailable(), inStrictMode(client))
    expect(result.current).toBeNull()
    act(() => client.announceUpdate(3))
    expect(result.current).toEqual({ protocol: 3 })
  })

  it('usePresenceState re-renders on presence events; usePresence re-tracks a changed payload only', async () => {
    const client = createFakeRealtime()
    const { result, rerender } = renderHook(
      ({ typing }) => {
        usePresence('room', { user: 'ann', typing })
        return usePresenceState<{ user: string }>('room')
      },
      { ...inStrictMode(client), initialProps: { typing: false } },
    )
    await settle()
    expect(result.current).toEqual({})
    act(() => client.deliver('room', { type: 'presence', event: 'sync' }, { k1: [{ presence_ref: 'r1', user: 'ann' }] }))
    expect(result.current).toEqual({ k1: [{ presence_ref: 'r1', user: 'ann' }] })
    rerender({ typing: false })
    await settle()
    rerender({ typing: true })
    await settle()
    expect(client.tracks).toEqual([
      { topic: 'room', payload: { user: 'ann', typing: false } },
      { topic: 'room', payload: { user: 'ann', typing: true } },
    ])
  })

  it('useResync calls the latest callback; useBroadcast send() goes through the channel', async () => {
    const client = createFakeRealtime()
    const notices: number[] = []
    const { result } = renderHook(
      () => {
        useResync('room', (n) => notices.push(n.since))
        return useBroadcast('room', 'msg')
      },
      inStrictMode(client),
    )
    await settle()
    const channel = client.channels.get('room')!
    act(() => channel.handle({ type: 'channel/resync', subscriptionId: channel.subscriptionId!, since: 5, until: 9, reason: 'reconnected', replayed: 0, complete: false }))
    expect(notices).toEqual([5])
    await expect(result.current({ text: 'hi' })).resolves.toBe('ok')
  })

  it('a channel the app subscribed itself is not taken over: the hook reports invalid-argument', async () => {
    const client = createFakeRealtime()
    client.channel('mine').subscribe()
    const { result } = renderHook(() => useChannel('mine'), inStrictMode(client))
    await settle()
    expect(result.current).toMatchObject({ channel: null, status: 'CHANNEL_ERROR', error: { code: 'invalid-argument' } })
    expect(result.current.error?.message).toMatch(/subscribed outside the hooks/)
    expect(client.joins).toEqual(['mine'])
  })

  it('a channel that cannot be opened reports a typed error instead of throwing', async () => {
    const client = createFakeRealtime()
    function Both() {
      const [other] = useState(() => ({ event: 'DELETE' as const }))
      const a = usePostgresChanges({ channel: 'shared', event: 'INSERT', table: 'orders' }, () => {})
      const b = usePostgresChanges({ channel: 'shared', table: 'orders', ...other }, () => {})
      return <p>{`${a.status}/${b.status}:${b.error?.code}`}</p>
    }
    const view = render(<Both />, inStrictMode(client))
    await settle()
    expect(view.container.textContent).toBe('joining/CHANNEL_ERROR:invalid-argument')
  })
})
