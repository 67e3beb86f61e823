import { describe, expect, it } from 'vitest'
import { is, openRaw, userBroadcastPush, type RawSocket } from './support/raw-socket.ts'
import { setupServer, type TestServer } from './support/setup.ts'

/** The socket still answers heartbeats, and so does a bystander. */
async function stillServing(server: TestServer, socket: RawSocket, bystander: RawSocket) {
  socket.send([null, 'hb', 'phoenix', 'heartbeat', {}])
  expect(await socket.next((f) => f[1] === 'hb')).toEqual([null, 'hb', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  bystander.send([null, 'hb2', 'phoenix', 'heartbeat', {}])
  expect(await bystander.next((f) => f[1] === 'hb2')).toEqual([null, 'hb2', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  expect(server.stats().sockets).toBeGreaterThanOrEqual(2)
}

describe('bad input', () => {
  it.each([
    ['not JSON', '{oops'],
    ['a JSON object on vsn 2', '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"1"}'],
    ['an array of the wrong arity', '[null,"1","phoenix","heartbeat"]'],
    ['a non-string topic', '[null,"1",5,"heartbeat",{}]'],
    ['a JSON scalar', '42'],
    ['null', 'null'],
  ])('drops %s with a log line; nothing is sent and the socket stays', async (_name, frame) => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const bystander = await openRaw(server)
    socket.sendRaw(frame)
    await socket.none()
    expect(server.logs.some((l) => l.startsWith('MalformedWebSocketMessage'))).toBe(true)
    await stillServing(server, socket, bystander)
  })

  it('drops vsn 1 frames without topic, event or payload', async () => {
    const server = await setupServer()
    const socket = await openRaw(server, { vsn: '1.0.0' })
    socket.send({ topic: 'phoenix', event: 'heartbeat', ref: '1' })
    socket.send(['x'])
    await socket.none()
    socket.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '2' })
    expect(await socket.next()).toEqual({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '2' })
  })

  it('logs and drops an unknown event on a joined topic, as the real server does', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:u', {}, '1')
    socket.send(['1', '2', 'realtime:u', 'whatever', {}])
    await socket.none()
    expect(server.logs).toContain('Unexpected message from client of type `whatever` on realtime:u')
  })

  it('answers an unknown presence event with an error and a presence push without event with ok', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:u', {}, '1')
    socket.send(['1', '3', 'realtime:u', 'presence', { type: 'presence', event: 'dance' }])
    expect(await socket.next()).toEqual(['1', '3', 'realtime:u', 'phx_reply', { status: 'error', response: {} }])
    socket.send(['1', '4', 'realtime:u', 'presence', { type: 'presence' }])
    expect(await socket.next()).toEqual(['1', '4', 'realtime:u', 'phx_reply', { status: 'ok', response: {} }])
  })

  it.each([
    ['kind 0 (push)', Buffer.from([0, 1, 1, 1, 1, 0, 0, 0])],
    ['kind 1 (reply)', Buffer.from([1, 0, 0, 0, 0, 0, 0])],
    ['kind 2 (broadcast)', Buffer.from([2, 0, 0, 0, 0])],
    ['a short header', Buffer.from([3, 1])],
    ['lengths past the end', Buffer.from([3, 200, 0, 0, 0, 0, 1, 49])],
    ['an unknown encoding', userBroadcastPush({ joinRef: '1', ref: '2', topic: 'realtime:b', event: 'e', payload: '{}', encoding: 1 }).fill(9, 6, 7)],
    ['invalid JSON payload', userBroadcastPush({ joinRef: '1', ref: '2', topic: 'realtime:b', event: 'e', payload: '{nope', encoding: 1 })],
    ['invalid UTF-8 in the topic', Buffer.concat([Buffer.from([3, 1, 1, 2, 1, 0, 1]), Buffer.from('12'), Buffer.from([0xff, 0xfe]), Buffer.from('e{}')])],
  ])('drops a binary frame with %s', async (_name, frame) => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const bystander = await openRaw(server)
    await socket.join('realtime:b', { config: { broadcast: { self: true, ack: true } } }, '1')
    await bystander.join('realtime:b', {}, '1')
    socket.sendRaw(frame)
    await socket.none()
    await bystander.none()
    await stillServing(server, socket, bystander)
  })

  it('closes 1009 on a frame over 5,000,000 bytes; other sockets are unaffected', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const bystander = await openRaw(server)
    socket.sendRaw('x'.repeat(5_000_001))
    expect((await socket.closed).code).toBe(1009)
    bystander.send([null, '1', 'phoenix', 'heartbeat', {}])
    expect(await bystander.next()).toEqual([null, '1', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  })

  it('survives odd join payloads (config not an object, null bindings, payload a string)', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const bystander = await openRaw(server)
    expect((await socket.join('realtime:o1', { config: 'yes' }))[4]).toEqual({ status: 'ok', response: { postgres_changes: [] } })
    expect((await socket.join('realtime:o2', 'hello'))[4].status).toBe('ok')
    expect((await socket.join('realtime:o3', null))[4].status).toBe('ok')
    const withNull = await socket.join('realtime:o4', { config: { postgres_changes: [null, 5] } }, '9')
    expect(withNull[4].status).toBe('ok')
    expect((await socket.next(is('system', 'realtime:o4')))[4]).toMatchObject({ extension: 'postgres_changes', status: 'error', message: expect.stringMatching(/^No subscription params provided/) })
    expect((await socket.join('realtime:o5', { config: { broadcast: 1, presence: 'x', private: 'nope' } }))[4].status).toBe('ok')
    await stillServing(server, socket, bystander)
  })

  it('survives odd pushes on joined topics (payload null, broadcast without event, access_token object)', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const bystander = await openRaw(server)
    await socket.join('realtime:z', { config: { broadcast: { ack: true } } }, '1')
    socket.send(['1', '2', 'realtime:z', 'broadcast', null])
    expect((await socket.next())[4]).toEqual({ status: 'error', response: { reason: 'broadcast payload must have an event' } })
    socket.send(['1', '3', 'realtime:z', 'presence', null])
    expect((await socket.next())[4]).toEqual({ status: 'ok', response: {} })
    socket.send(['1', '4', 'realtime:z', 'access_token', { access_token: { nested: true } }])
    socket.send(['1', '5', 'realtime:z', 'access_token', 'str'])
    socket.send(['1', '6', 'realtime:z', 'phx_leave', null])
    expect(await socket.next()).toEqual(['1', '6', 'realtime:z', 'phx_reply', { status: 'ok', response: {} }])
    await stillServing(server, socket, bystander)
  })

  it('survives a client vanishing mid-handshake and plain HTTP on the websocket path', async () => {
    const server = await setupServer({ connectErrorDelayMs: 100 })
    const net = await import('node:net')
    const sock = net.connect(server.port, '127.0.0.1')
    await new Promise((r) => sock.once('connect', r))
    sock.write(`GET /realtime/v1/websocket?vsn=2.0.0 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`)
    sock.destroy()
    await new Promise((r) => setTimeout(r, 150))
    const response = await fetch(`${server.url}/realtime/v1/websocket`)
    expect(response.status).toBe(404)
    const socket = await openRaw(server)
    const bystander = await openRaw(server)
    await stillServing(server, socket, bystander)
  })
})
