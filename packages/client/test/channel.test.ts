/** SharedChannel on its own, with a stub host: delivery by binding id, de-duplication, presence mirror. */
import { describe, expect, it } from 'vitest'
import { SharedChannel } from '../src/channel.ts'
import { stubHost } from './support/stub-host.ts'
import { MESSAGE_ID_FIELD } from '../../worker/src/protocol/wire.ts'
import { encodePayload } from '../../worker/src/protocol/delivery.ts'

const host = stubHost

describe('SharedChannel', () => {
  it('calls exactly the bindings the hub matched, and drops a message id it has already delivered', async () => {
    const h = host()
    const got: unknown[] = []
    const other: unknown[] = []
    const channel = new SharedChannel(h, 'room')
      .on('broadcast', { event: 'chat' }, (p) => got.push(p))
      .on('broadcast', { event: 'other' }, (p) => other.push(p))
      .subscribe()
    const subscriptionId = channel.subscriptionId!
    const message = { type: 'broadcast', event: 'chat', payload: { text: 'hi', [MESSAGE_ID_FIELD]: 'm-1' } }
    channel.handle({ type: 'channel/event', subscriptionId, bindingIds: [1], payload: encodePayload(message) })
    // A replay after a lost acknowledgement carries the same id: the app sees it once.
    channel.handle({ type: 'channel/event', subscriptionId, bindingIds: [1], payload: encodePayload(message) })
    channel.handle({ type: 'channel/event', subscriptionId, bindingIds: [1], payload: encodePayload({ ...message, payload: { text: 'again', [MESSAGE_ID_FIELD]: 'm-2' } }) })
    expect(got).toEqual([
      { type: 'broadcast', event: 'chat', payload: { text: 'hi' } },
      { type: 'broadcast', event: 'chat', payload: { text: 'again' } },
    ])
    expect(other).toEqual([])
  })

  it('mirrors presence state for a synchronous presenceState()', () => {
    const h = host()
    const channel = new SharedChannel(h, 'room').on('presence', { event: 'sync' }, () => {}).subscribe()
    expect(channel.presenceState()).toEqual({})
    channel.handle({ type: 'channel/event', subscriptionId: channel.subscriptionId!, bindingIds: [1], payload: encodePayload({ event: 'sync' }), presence: { u1: [{ presence_ref: 'r', n: 1 }] } })
    expect(channel.presenceState()).toEqual({ u1: [{ presence_ref: 'r', n: 1 }] })
  })

  it('reports statuses and refuses presence/postgres bindings after subscribe(), as supabase-js does', () => {
    const h = host()
    const statuses: string[] = []
    const channel = new SharedChannel(h, 'room').subscribe((s) => statuses.push(s))
    channel.handle({ type: 'channel/status', subscriptionId: channel.subscriptionId!, status: 'SUBSCRIBED' })
    expect(channel.state).toBe('joined')
    expect(() => channel.on('presence', { event: 'sync' }, () => {})).toThrow('cannot add `presence` callbacks for realtime:room after `subscribe()`.')
    expect(() => channel.on('broadcast', { event: 'late' }, () => {})).not.toThrow()
    channel.handle({
      type: 'channel/status',
      subscriptionId: channel.subscriptionId!,
      status: 'CHANNEL_ERROR',
      error: { code: 'connection-lost', message: 'socket closed: 1006', retryable: true },
    })
    expect(statuses).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR'])
    expect(channel.state).toBe('errored')
  })

  it('passes a filter builder as its string, as supabase-js does', () => {
    const h = host()
    new SharedChannel(h, 'orders')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'orders', filter: { build: () => 'id=eq.1' } as never }, () => {})
      .subscribe()
    expect(h.joined[0]).toMatchObject({ bindings: [{ type: 'postgres_changes', filter: { filter: 'id=eq.1' } }] })
  })
})
