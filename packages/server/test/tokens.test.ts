import { describe, expect, it } from 'vitest'
import { createJwtVerifier } from '../src/index.ts'
import { collector, realtimeClient, subscribe } from './support/clients.ts'
import { is, openRaw } from './support/raw-socket.ts'
import { setupServer } from './support/setup.ts'

const verifier = createJwtVerifier()
const nowSeconds = () => Math.floor(Date.now() / 1000)
/** A token that expires at the next second boundary (within 1 s). */
const shortToken = () => verifier.sign({ role: 'authenticated', exp: nowSeconds() + 1 })

describe('access_token pushes', () => {
  it('are never answered; equal, null and sb_ values are ignored', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const token = await verifier.sign({ role: 'authenticated' })
    await socket.join('realtime:t', { access_token: token }, '1')
    for (const value of [token, null, 'sb_publishable_abc', await verifier.sign({ role: 'authenticated', sub: 'other' })]) {
      socket.send(['1', '2', 'realtime:t', 'access_token', { access_token: value }])
    }
    await socket.none()
    expect(server.stats().channels).toEqual({ 'realtime:t': 1 })
  })

  it.each([
    ['not a JWT', async () => 'garbage', 'The token provided is not a valid JWT'],
    ['empty', async () => '', 'The token provided is not a valid JWT'],
    ['expired', async () => verifier.sign({ role: 'authenticated', exp: nowSeconds() - 5 }), /^Token has expired \d+ seconds ago$/],
    ['without role', async () => verifier.sign({ role: undefined as unknown as string }), 'Fields `role` and `exp` are required in JWT'],
  ])('an invalid one (%s) closes that channel with a system error; the socket stays', async (_name, make, message) => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:t', {}, '4')
    await socket.join('realtime:other', {}, '5')
    socket.send(['4', '6', 'realtime:t', 'access_token', { access_token: await make() }])
    const system = await socket.next()
    expect(system.slice(0, 4)).toEqual([null, null, 'realtime:t', 'system'])
    expect(system[4]).toMatchObject({ extension: 'system', status: 'error', channel: 't' })
    expect(system[4].message).toMatch(message)
    expect(await socket.next()).toEqual(['4', '4', 'realtime:t', 'phx_close', {}])
    expect(server.stats().channels).toEqual({ 'realtime:other': 1 })
    socket.send([null, '9', 'phoenix', 'heartbeat', {}])
    expect(await socket.next()).toEqual([null, '9', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  })

  // The real server (realtime_channel.ex, token_handling_test.exs) says "You do not have permissions"
  // when no read policy allows the new token, and "You no longer have permission" only when one of
  // broadcast/presence read was revoked while the other still allows it (rls-conformance.test.ts).
  it('an anon token on a private channel revokes it', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:priv', { config: { private: true }, access_token: await verifier.sign({ role: 'authenticated' }) }, '1')
    socket.send(['1', '2', 'realtime:priv', 'access_token', { access_token: await verifier.sign({ role: 'anon' }) }])
    expect((await socket.next(is('system')))[4].message).toBe('You do not have permissions to read from this Channel topic: priv')
    await socket.next(is('phx_close'))
  })
})

describe('token expiry', () => {
  it('closes the channel with "Token has expired N seconds ago" when its token expires; the socket stays', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:exp', { access_token: await shortToken() }, '1')
    const system = await socket.next(is('system'), 2500)
    expect(system).toEqual([null, null, 'realtime:exp', 'system', { extension: 'system', status: 'error', message: expect.stringMatching(/^Token has expired [01] seconds ago$/), channel: 'exp' }])
    expect(await socket.next()).toEqual(['1', '1', 'realtime:exp', 'phx_close', {}])
    socket.send([null, '2', 'phoenix', 'heartbeat', {}])
    expect(await socket.next()).toEqual([null, '2', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  })

  it('a refreshed token pushed before expiry keeps the channel', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:exp', { access_token: await shortToken() }, '1')
    socket.send(['1', '2', 'realtime:exp', 'access_token', { access_token: await verifier.sign({ role: 'authenticated' }) }])
    await socket.none(() => true, 1500)
    expect(server.stats().channels).toEqual({ 'realtime:exp': 1 })
  })

  it('the official client sees the system message and CLOSED; setAuth() refreshes', async () => {
    const server = await setupServer()
    const client = realtimeClient(server)
    await client.setAuth(await shortToken()) // realtime-js defect: the first join lacks the token otherwise
    const systems = collector()
    const expiring = client.channel('expiring').on('system', {}, (m) => systems.push(m))
    const log = subscribe(expiring)
    await log.when('SUBSCRIBED')
    expect(await systems.next(2500)).toMatchObject({ extension: 'system', status: 'error', message: expect.stringMatching(/^Token has expired/) })
    await log.when('CLOSED')

    await client.setAuth(await shortToken())
    const kept = client.channel('kept')
    const keptLog = subscribe(kept)
    await keptLog.when('SUBSCRIBED')
    await client.setAuth(await verifier.sign({ role: 'authenticated' }, 3600))
    await new Promise((r) => setTimeout(r, 1500))
    expect(keptLog.statuses).toEqual(['SUBSCRIBED'])
  })

  it('POST /_dev/expire-tokens closes every channel with the expiry message', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:a', {}, '1')
    await socket.join('realtime:b', {}, '2')
    expect(await server.control('expire-tokens', {})).toEqual({ status: 200, body: { closed: 2 } })
    for (const [topic, ref] of [['realtime:a', '1'], ['realtime:b', '2']]) {
      expect((await socket.next(is('system', topic)))[4]).toEqual({ extension: 'system', status: 'error', message: 'Token has expired 0 seconds ago', channel: topic.slice(9) })
      expect(await socket.next(is('phx_close', topic))).toEqual([ref, ref, topic, 'phx_close', {}])
    }
    expect(socket.ws.readyState).toBe(socket.ws.OPEN)
  })
})
