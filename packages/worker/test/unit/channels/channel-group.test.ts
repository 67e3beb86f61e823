/** A channel group on a fake socket and fake server channels, with fake timers: its join effects, routing and leave. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ChannelGroup } from '../../../src/channels/channel-group.ts'
import { setupChannelGroup } from '../../support/channel-group.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

const todos = { event: 'INSERT' as const, schema: 'public', table: 'todos' }

describe('channel group', () => {
  it('joins once with the union of its subscribers, and routes each event to the matching subscriptions only', async () => {
    const { group, socket, subscribe, events, metrics } = setupChannelGroup()
    subscribe('a', [{ id: 1, type: 'postgres_changes', filter: todos }])
    subscribe('b', [{ id: 2, type: 'broadcast', filter: { event: 'chat' } }])
    group.join()
    expect(socket.channels).toHaveLength(1)
    const channel = socket.channels[0]
    expect(channel.listeners.map((l) => l.type)).toEqual(['postgres_changes', 'broadcast', 'system'])
    channel.status('SUBSCRIBED')
    channel.emit('postgres_changes', { eventType: 'INSERT', new: { id: 1 } })
    channel.emit('broadcast', { event: 'chat', payload: { text: 'hi' } })
    await vi.advanceTimersByTimeAsync(1)
    expect(events.map((e) => [e.type, 'subscriptionId' in e ? e.subscriptionId : null, 'bindingIds' in e ? e.bindingIds : null])).toEqual([
      ['channel/status', 'a', null],
      ['channel/status', 'b', null],
      ['channel/event', 'a', [1]],
      ['channel/event', 'b', [2]],
    ])
    expect(metrics.counters).toMatchObject({ joins: 1, messagesIn: 2, deliveries: 2 })
    expect(group.state).toBe('joined')
  })

  it('waits for a fresh token after an expired-token refusal, asks a tab for one, and rejoins on a different token', async () => {
    const { group, socket, subscribe, events, auth, errors } = setupChannelGroup()
    subscribe('a')
    group.join()
    socket.channels[0].emit('system', { status: 'error', message: 'Token has expired 3 seconds ago' })
    socket.channels[0].status('CLOSED')
    expect(group.state).toBe('waiting-token')
    expect(auth.refresh).toHaveBeenCalledWith('token expired')
    expect(errors.map((e) => e.code)).toEqual(['unauthorized'])
    expect(socket.removed).toEqual([socket.channels[0]])
    await vi.advanceTimersByTimeAsync(1)
    expect(events.at(-1)).toMatchObject({ type: 'channel/status', status: 'CHANNEL_ERROR', error: { code: 'unauthorized' } })
    group.join()
    expect(socket.channels).toHaveLength(1) // still waiting: no join on the same token
    auth.current = 'fresh'
    group.tokenChanged()
    expect(group.state).toBe('closed')
    group.join()
    expect(socket.channels).toHaveLength(2)
  })

  it('backs off after a rate-limit refusal, rejoins on a fresh instance, and ignores the old one', async () => {
    const { group, socket, subscribe, events, backoff } = setupChannelGroup()
    subscribe('a')
    group.join()
    socket.channels[0].status('CHANNEL_ERROR', Object.assign(new Error('refused'), { cause: { reason: 'ChannelRateLimitReached: Too many channels' } }))
    expect(group.state).toBe('errored')
    expect(group.lastRefusal).toMatchObject({ retry: 'rate-limit' })
    expect(backoff).toHaveBeenCalledWith(1, true)
    await vi.advanceTimersByTimeAsync(999)
    expect(socket.channels).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(socket.channels).toHaveLength(2)
    socket.channels[1].status('SUBSCRIBED')
    socket.channels[0].emit('broadcast', { event: 'x', payload: {} })
    await vi.advanceTimersByTimeAsync(1)
    expect(events.filter((e) => e.type === 'channel/event')).toEqual([])
    expect(group.lastRefusal).toBeNull()
  })

  it('leaves the server channel after the grace once the last subscriber is gone, and leaves no timer behind', async () => {
    const { group, socket, subscribe, onClosed } = setupChannelGroup({ leaveGraceMs: 500 })
    subscribe('a')
    group.join()
    socket.channels[0].status('SUBSCRIBED')
    group.remove('a')
    expect(group.wanted).toBe(true)
    await vi.advanceTimersByTimeAsync(499)
    expect(onClosed).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(socket.channels[0].unsubscribe).toHaveBeenCalled()
    expect(onClosed).toHaveBeenCalledTimes(1)
    expect(group.wanted).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
    expect(group).toBeInstanceOf(ChannelGroup)
  })
})
