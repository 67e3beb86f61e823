import { describe, expect, it } from 'vitest'
import type { StoredBroadcast } from '../../../src/db/types.ts'
import type { ChannelJoin } from '../../../src/realtime/channel.ts'
import { encodeUserBroadcast } from '../../../src/realtime/codec.ts'
import { deliverStored, routeStored, type StoredBroadcastHost } from '../../../src/realtime/stored-broadcast-router.ts'
import { fakeJoin, fakeSubscriber } from '../../support/fake-channel.ts'

const stored: StoredBroadcast = { id: 'm1', topic: 'orders', event: 'INSERT', payload: { n: 1 }, private: false, insertedAt: '2026-01-01T00:00:00.000Z' }

function host(joins: ChannelJoin[], options: { over?: boolean; maxBytes?: number } = {}) {
  const room = new Set(joins)
  const counted: number[] = []
  const logs: string[] = []
  const h: StoredBroadcastHost = {
    room: (key) => (joins[0]?.roomKey === key ? room : undefined),
    overEventRate: () => options.over ?? false,
    maxPayloadBytes: () => options.maxBytes ?? 1_000_000,
    countDeliveries: (_room, n) => void counted.push(n),
    log: (m) => void logs.push(m),
  }
  return { h, counted, logs }
}

describe('stored broadcast router', () => {
  it('sends to every readable channel of the room except those that got it replayed, and counts them', () => {
    const v1 = fakeSubscriber('1.0.0')
    const replayed = fakeSubscriber('1.0.0')
    const joins = [fakeJoin(v1, 'realtime:orders'), fakeJoin(replayed, 'realtime:orders', { replayedIds: new Set(['m1']) })]
    const { h, counted } = host(joins)
    routeStored(h, stored)
    expect(v1.pushes).toEqual([{ topic: 'realtime:orders', event: 'broadcast', payload: { type: 'broadcast', event: 'INSERT', payload: { n: 1 }, meta: { id: 'm1' } } }])
    expect(replayed.pushes).toEqual([])
    expect(counted).toEqual([1])
  })

  it('goes to the private room only for private messages, and skips channels that may not read broadcasts', () => {
    const reader = fakeSubscriber('1.0.0')
    const refused = fakeSubscriber('1.0.0')
    const joins = [
      fakeJoin(reader, 'realtime:orders', { private: true, policies: { broadcast: { read: true }, presence: {} } }),
      fakeJoin(refused, 'realtime:orders', { private: true, policies: { broadcast: { read: false }, presence: {} } }),
    ]
    routeStored(host(joins).h, stored)
    expect(reader.pushes).toEqual([])
    routeStored(host(joins).h, { ...stored, private: true })
    expect(reader.pushes).toHaveLength(1)
    expect(refused.pushes).toEqual([])
  })

  it('drops the message over the events quota, and over the payload limit with a log line', () => {
    const socket = fakeSubscriber()
    const join = fakeJoin(socket, 'realtime:orders')
    routeStored(host([join], { over: true }).h, stored)
    const small = host([join], { maxBytes: 3 })
    routeStored(small.h, stored)
    expect(socket.pushes).toEqual([])
    expect(socket.binaries).toEqual([])
    expect(small.logs).toEqual(['UnableToBroadcastChanges: payload of message m1 on realtime:orders is over the size limit'])
  })

  it('sends live messages to vsn 2 as binary user broadcasts with meta, replays as text with replayed: true', () => {
    const socket = fakeSubscriber('2.0.0')
    const join = fakeJoin(socket, 'realtime:orders')
    deliverStored(join, stored, false)
    expect(socket.binaries).toEqual([encodeUserBroadcast('realtime:orders', 'INSERT', { n: 1 }, 1, { id: 'm1' })])
    expect(socket.binaries[0][0]).toBe(4)
    deliverStored(join, stored, true)
    expect(socket.pushes).toEqual([{ topic: 'realtime:orders', event: 'broadcast', payload: { type: 'broadcast', event: 'INSERT', payload: { n: 1 }, meta: { replayed: true, id: 'm1' } } }])
  })
})
