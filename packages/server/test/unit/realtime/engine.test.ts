import { describe, expect, it } from 'vitest'
import { createJwtVerifier } from '../../../src/auth.ts'
import { RealtimeEngine } from '../../../src/realtime/engine.ts'
import { encodeUserBroadcast } from '../../../src/realtime/codec.ts'
import { NO_LIMITS, type Limits } from '../../../src/realtime/limits.ts'
import { createFakeDatabase, todoInsert } from '../../support/fake-database.ts'
import { fakeJoin, fakeSubscriber, type FakeSubscriber } from '../../support/fake-channel.ts'
import { createManualClock } from '../../support/manual-clock.ts'

function setup(limits: Partial<Limits> = {}) {
  const db = createFakeDatabase()
  const clock = createManualClock(1_000_000)
  const logs: string[] = []
  const engine = new RealtimeEngine<FakeSubscriber>({
    db,
    verifier: createJwtVerifier(),
    limits: { ...NO_LIMITS, ...limits },
    idleTimeoutMs: 60_000,
    channelErrorDelayMs: 0,
    clock,
    log: (m) => logs.push(m),
  })
  /** A socket with one channel on `topic`, registered and in its room. */
  const member = (topic: string, options: Parameters<typeof fakeJoin>[2] = {}, vsn: '1.0.0' | '2.0.0' = '2.0.0') => {
    const socket = fakeSubscriber(vsn)
    engine.connect(socket)
    const join = fakeJoin(socket, topic, options)
    engine.addToRoom(join)
    return { socket, join }
  }
  return { engine, db, clock, logs, member }
}

describe('engine', () => {
  it('fans a broadcast out to the room: the sender only with self, private channels only when they may read', () => {
    const { engine, member } = setup()
    const sender = member('realtime:r')
    const other = member('realtime:r')
    const selfish = member('realtime:r', { self: true })
    const elsewhere = member('realtime:elsewhere')
    const delivered = engine.broadcast('public:realtime:r', 'realtime:r', 'e', { x: 1 }, sender.join, 'text')
    engine.broadcast('public:realtime:r', 'realtime:r', 'e', { x: 2 }, selfish.join, 'text')
    expect(delivered).toBe(2)
    expect(sender.socket.pushes.map((p) => p.payload)).toEqual([{ type: 'broadcast', event: 'e', payload: { x: 2 } }])
    expect(other.socket.pushes).toHaveLength(2)
    expect(selfish.socket.pushes.map((p) => (p.payload as { payload: unknown }).payload)).toEqual([{ x: 1 }, { x: 2 }])
    expect(elsewhere.socket.pushes).toEqual([])

    const refused = member('realtime:p', { private: true, policies: { broadcast: { read: false }, presence: {} } })
    const allowed = member('realtime:p', { private: true, policies: { broadcast: { read: true }, presence: {} } })
    expect(engine.broadcast('private:realtime:p', 'realtime:p', 'e', {}, null, 'text')).toBe(1)
    expect([refused.socket.pushes.length, allowed.socket.pushes.length]).toEqual([0, 1])
    expect(engine.stats().messagesDelivered).toBe(6)
  })

  it('sends binary broadcasts to vsn 2 as kind 4 frames; vsn 1 gets JSON ones as text and raw bytes never', () => {
    const { engine, member } = setup()
    const v2 = member('realtime:b')
    const v1 = member('realtime:b', {}, '1.0.0')
    expect(engine.broadcast('public:realtime:b', 'realtime:b', 'j', { a: 1 }, null, 1)).toBe(2)
    expect(v2.socket.binaries).toEqual([encodeUserBroadcast('realtime:b', 'j', { a: 1 }, 1)])
    expect(v1.socket.pushes.map((p) => p.payload)).toEqual([{ type: 'broadcast', event: 'j', payload: { a: 1 } }])
    const bytes = new Uint8Array([1, 2, 3]).buffer
    expect(engine.broadcast('public:realtime:b', 'realtime:b', 'raw', bytes, null, 0)).toBe(1)
    expect(v2.socket.binaries).toHaveLength(2)
    expect(v1.socket.pushes).toHaveLength(1)
  })

  it('closes every channel of a room whose deliveries go over the events quota', () => {
    const { engine, member } = setup({ maxEventsPerSecond: 1, windowMs: 1_000 })
    const a = member('realtime:q')
    const b = member('realtime:q')
    engine.broadcast('public:realtime:q', 'realtime:q', 'e', {}, null, 'text')
    expect(a.socket.closedChannels).toEqual([{ topic: 'realtime:q', reason: 'Too many messages per second' }])
    expect(b.socket.closedChannels).toEqual([{ topic: 'realtime:q', reason: 'Too many messages per second' }])
  })

  it('sends presence diffs to presence-enabled readers, the tracker included, and a leave when a channel leaves its room', () => {
    const { engine, member } = setup()
    const tracker = member('realtime:p')
    const watcher = member('realtime:p', { presenceEnabled: true })
    const deaf = member('realtime:p')
    engine.track(tracker.join, { name: 'ada' })
    expect(tracker.join.presenceEnabled).toBe(true)
    const state = engine.presenceState('public:realtime:p')
    expect(Object.keys(state)).toEqual([tracker.join.presenceKey])
    expect(tracker.socket.pushes.map((p) => p.event)).toEqual(['presence_diff'])
    expect(watcher.socket.pushes.map((p) => p.event)).toEqual(['presence_diff'])
    expect(deaf.socket.pushes).toEqual([])
    engine.removeFromRoom(tracker.join)
    expect(watcher.socket.pushes).toHaveLength(2)
    expect((watcher.socket.pushes[1].payload as { leaves: object }).leaves).toHaveProperty(tracker.join.presenceKey)
    expect(engine.presenceState('public:realtime:p')).toEqual({})
    expect(engine.rooms.get('public:realtime:p')?.has(tracker.join)).toBe(false)
  })

  it('counts through its methods, reports them in stats, and reset zeroes them and lifts the faults', () => {
    const { engine, member } = setup()
    const { socket } = member('realtime:s')
    expect(engine.connect(fakeSubscriber())).toBe(2)
    engine.countFrameIn(10)
    engine.countFrameOut(7)
    engine.countFrameOut(3)
    engine.countHeartbeat()
    engine.faults.latencyMs = 50
    expect(engine.stats()).toMatchObject({ sockets: 2, socketsTotal: 2, joinsTotal: 1, framesIn: 1, bytesIn: 10, framesOut: 2, bytesOut: 10, heartbeats: 1, channels: { 'realtime:s': 1 } })
    expect(engine.concurrentUsers()).toBe(1)
    engine.reset()
    expect(engine.stats()).toMatchObject({ sockets: 2, socketsTotal: 0, joinsTotal: 0, framesIn: 0, framesOut: 0, heartbeats: 0 })
    expect(engine.faults).toEqual({ stallUntil: 0, refuseUntil: 0, latencyMs: 0 })
    engine.disconnect(socket)
    expect(engine.stats().sockets).toBe(1)
  })

  it('routes database events in order and holds them while a serial task runs', async () => {
    const { engine, db, member } = setup()
    const { socket } = member('realtime:orders')
    let release!: () => void
    const task = engine.serially(() => new Promise<void>((resolve) => (release = resolve)))
    db.emitBroadcast({ id: 'm1', topic: 'orders', event: 'e', payload: {}, private: false, insertedAt: '' })
    await Promise.resolve()
    expect(socket.binaries).toEqual([])
    release()
    await task
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(socket.binaries).toHaveLength(1)
  })

  it('close() stops the database feeds and closes every socket with 1001', () => {
    const { engine, db } = setup()
    const closed: number[] = []
    const socket = { ...fakeSubscriber(), close: (code: number) => void closed.push(code) }
    engine.connect(socket)
    engine.close()
    expect(closed).toEqual([1001])
    expect([db.listeners(), db.broadcastListeners()]).toEqual([0, 0])
    db.emit(todoInsert({ id: 1 }))
  })
})
