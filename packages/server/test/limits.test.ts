import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../src/index.ts'
import { is, openRaw } from './support/raw-socket.ts'
import { setupServer } from './support/setup.ts'

const reasonOf = (reply: any) => reply[4].response.reason
const track = (ref: string, payload: unknown = { n: ref }) => ['1', ref, 'realtime:p', 'presence', { type: 'presence', event: 'track', payload }]

describe('limits', () => {
  it('has the real server defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxConcurrentUsers: 200,
      maxEventsPerSecond: 100,
      maxJoinsPerSecond: 100,
      maxChannelsPerClient: 100,
      maxPresenceEventsPerSecond: 1000,
      maxPayloadSizeKb: 3000,
      maxPresenceCallsPer30s: 5,
      windowMs: 60_000,
    })
  })

  it('ChannelRateLimitReached: Too many channels', async () => {
    const server = await setupServer({ limits: { maxChannelsPerClient: 2 } })
    const socket = await openRaw(server)
    await socket.join('realtime:a')
    await socket.join('realtime:b')
    expect(reasonOf(await socket.join('realtime:c'))).toBe('ChannelRateLimitReached: Too many channels')
    // Another socket has its own budget.
    const other = await openRaw(server)
    expect((await other.join('realtime:c'))[4].status).toBe('ok')
  })

  it('ClientJoinRateLimitReached: Too many joins per second, then the socket closes 1001', async () => {
    const server = await setupServer({ limits: { maxJoinsPerSecond: 2, windowMs: 1000 } })
    const socket = await openRaw(server)
    await socket.join('realtime:a')
    await socket.join('realtime:b')
    expect(reasonOf(await socket.join('realtime:c'))).toBe('ClientJoinRateLimitReached: Too many joins per second')
    expect((await socket.closed).code).toBe(1001)
  })

  it('ConnectionRateLimitReached: Too many connected users at join time', async () => {
    const server = await setupServer({ limits: { maxConcurrentUsers: 1 } })
    const first = await openRaw(server)
    const second = await openRaw(server)
    await first.join('realtime:a')
    expect(reasonOf(await second.join('realtime:a'))).toBe('ConnectionRateLimitReached: Too many connected users')
    // The user already counted may join more channels.
    expect((await first.join('realtime:b'))[4].status).toBe('ok')
  })

  it('Too many messages per second: channels receiving a message get a system error and phx_close', async () => {
    const server = await setupServer({ limits: { maxEventsPerSecond: 3, windowMs: 1000 } })
    const sender = await openRaw(server)
    const receiver = await openRaw(server)
    await sender.join('realtime:busy', {}, '1')
    await receiver.join('realtime:busy', {}, '2')
    const quiet = await openRaw(server)
    await quiet.join('realtime:quiet', {}, '3')
    for (let i = 0; i < 3; i++) sender.send(['1', String(10 + i), 'realtime:busy', 'broadcast', { type: 'broadcast', event: 'e', payload: { i } }])
    expect((await receiver.next(is('system')))[4]).toEqual({ extension: 'system', status: 'error', message: 'Too many messages per second', channel: 'busy' })
    expect(await receiver.next(is('phx_close'))).toEqual(['2', '2', 'realtime:busy', 'phx_close', {}])
    expect((await sender.next(is('system')))[4].message).toBe('Too many messages per second')
    await quiet.none(is('phx_close'))
    expect(server.stats().quotas.eventsPerSecond.limit).toBe(3)
    expect(server.stats().messagesDelivered).toBeGreaterThanOrEqual(2)
  })

  it('Client presence rate limit exceeded on the 6th track/untrack in 30 s', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:p', { config: { presence: { key: 'k' } } }, '1')
    for (let i = 0; i < 5; i++) {
      socket.send(track(String(20 + i)))
      expect(await socket.next((f) => is('phx_reply')(f) && f[1] === String(20 + i))).toMatchObject(['1', String(20 + i), 'realtime:p', 'phx_reply', { status: 'ok', response: {} }])
    }
    socket.send(track('30'))
    expect((await socket.next(is('system')))[4]).toEqual({ extension: 'system', status: 'error', message: 'Client presence rate limit exceeded', channel: 'p' })
    expect(await socket.next(is('phx_close'))).toEqual(['1', '1', 'realtime:p', 'phx_close', {}])
  })

  it('Too many presence messages per second', async () => {
    const server = await setupServer({ limits: { maxPresenceEventsPerSecond: 1, windowMs: 1000 } })
    const socket = await openRaw(server)
    await socket.join('realtime:p', { config: { presence: { key: 'k' } } }, '1')
    // As on the real server, the average is checked before the event is counted: the 3rd track is refused.
    socket.send(track('2'))
    socket.send(track('3'))
    await socket.next((f) => is('phx_reply')(f) && f[1] === '3')
    socket.send(track('4'))
    expect((await socket.next(is('system')))[4].message).toBe('Too many presence messages per second')
    await socket.next(is('phx_close'))
  })

  it('Track message size exceeded', async () => {
    const server = await setupServer({ limits: { maxPayloadSizeKb: 1 } })
    const socket = await openRaw(server)
    await socket.join('realtime:p', {}, '1')
    socket.send(track('2', { big: 'x'.repeat(2000) }))
    expect((await socket.next(is('system')))[4].message).toBe('Track message size exceeded')
    await socket.next(is('phx_close'))
  })

  it('limits: false disables every quota', async () => {
    const server = await setupServer({ limits: false })
    const socket = await openRaw(server)
    for (let i = 0; i < 120; i++) socket.send([String(i), String(i), `realtime:c${i}`, 'phx_join', {}])
    for (let i = 0; i < 120; i++) expect((await socket.next((f) => f[1] === String(i)))[4].status).toBe('ok')
    expect(Object.keys(server.stats().channels)).toHaveLength(120)
    expect(server.stats().quotas.channelsPerClient).toEqual({ used: 120, limit: null })
  })

  it('refuses invalid limit options at start', async () => {
    await expect(setupServer({ limits: { maxEventsPerSecond: -1 } })).rejects.toThrow('limit "maxEventsPerSecond" must be a positive number')
    await expect(setupServer({ limits: { nope: 1 } as never })).rejects.toThrow(/unknown limit "nope"/)
  })
})
