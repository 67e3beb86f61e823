import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import { createJwtVerifier } from '../src/index.ts'
import { openRaw } from './support/raw-socket.ts'
import { setupServer, type TestServer } from './support/setup.ts'

/** Attempts an upgrade; resolves with the HTTP refusal or 'open'. */
function attempt(server: TestServer, pathAndQuery: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; type?: string } | 'open'>((resolve, reject) => {
    const ws = new WebSocket(`${server.wsUrl}${pathAndQuery}`, { headers })
    ws.on('open', () => {
      ws.terminate()
      resolve('open')
    })
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }))
    })
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error)
    })
  })
}

const verifier = createJwtVerifier()

describe('handshake', () => {
  it('accepts both websocket paths, with the key in the query or the x-api-key header', async () => {
    const server = await setupServer()
    expect(await attempt(server, `/realtime/v1/websocket?apikey=${server.anonKey}&vsn=2.0.0`)).toBe('open')
    expect(await attempt(server, `/socket/websocket?apikey=${server.anonKey}&vsn=1.0.0`)).toBe('open')
    expect(await attempt(server, '/realtime/v1/websocket?vsn=2.0.0', { 'x-api-key': server.anonKey })).toBe('open')
  })

  it('the x-api-key header wins over the query parameter', async () => {
    const server = await setupServer()
    expect(await attempt(server, `/realtime/v1/websocket?apikey=garbage`, { 'x-api-key': server.anonKey })).toBe('open')
    expect(await attempt(server, `/realtime/v1/websocket?apikey=${server.anonKey}`, { 'x-api-key': 'garbage' })).toEqual({
      status: 401,
      body: '{"error":"The token provided is not a valid JWT"}',
      type: 'application/json',
    })
  })

  it.each([
    ['a missing key', async () => '', 'API key is missing'],
    ['a non-JWT key', async () => 'apikey=not-a-jwt', 'The token provided is not a valid JWT'],
    [
      'a key signed with another secret',
      async () => `apikey=${await createJwtVerifier('another-secret-that-is-at-least-32-chars-long').sign({ role: 'anon' })}`,
      'Failed to validate JWT signature',
    ],
    ['a key without role', async () => `apikey=${await verifier.sign({ role: undefined as unknown as string })}`, 'Fields `role` and `exp` are required in JWT'],
  ])('refuses %s with 401 and the real JSON body', async (_name, query, error) => {
    const server = await setupServer()
    const result = await attempt(server, `/realtime/v1/websocket?${await query()}&vsn=2.0.0`)
    expect(result).toMatchObject({ status: 401, type: 'application/json' })
    expect(JSON.parse((result as { body: string }).body)).toEqual({ error })
  })

  it('refuses an expired key with "Token has expired"', async () => {
    const server = await setupServer()
    const expired = await verifier.sign({ role: 'anon', exp: Math.floor(Date.now() / 1000) - 30 })
    const result = await attempt(server, `/realtime/v1/websocket?apikey=${expired}&vsn=2.0.0`)
    expect(result).toMatchObject({ status: 401 })
    expect(JSON.parse((result as { body: string }).body).error).toMatch(/^Token has expired \d+ seconds ago$/)
  })

  it('answers a refused handshake only after connectErrorDelayMs', async () => {
    const server = await setupServer({ connectErrorDelayMs: 300 })
    const started = Date.now()
    expect(await attempt(server, '/realtime/v1/websocket?vsn=2.0.0')).toMatchObject({ status: 401 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
  })

  it('treats an absent vsn as 1.0.0 and refuses an unknown one with 403 and an empty body', async () => {
    const server = await setupServer()
    const legacy = await openRaw(server, { vsn: null })
    legacy.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '1' })
    expect(await legacy.next()).toEqual({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '1' })
    expect(await attempt(server, `/realtime/v1/websocket?apikey=${server.anonKey}&vsn=3.0.0`)).toMatchObject({ status: 403, body: '' })
  })

  it('answers 404 on other paths', async () => {
    const server = await setupServer()
    expect(await attempt(server, `/realtime/v1/other?apikey=${server.anonKey}`)).toMatchObject({ status: 404 })
  })

  it('refuses with 429 "Too many connected users" at the cap of sockets with a joined channel', async () => {
    const server = await setupServer({ limits: { maxConcurrentUsers: 1 } })
    // A socket without channels is not a user yet.
    const idle = await openRaw(server)
    expect(await attempt(server, `/realtime/v1/websocket?apikey=${server.anonKey}&vsn=2.0.0`)).toBe('open')
    expect(await idle.join('realtime:a')).toMatchObject([expect.any(String), expect.any(String), 'realtime:a', 'phx_reply', { status: 'ok' }])
    const refused = await attempt(server, `/realtime/v1/websocket?apikey=${server.anonKey}&vsn=2.0.0`)
    expect(refused).toEqual({ status: 429, body: '{"error":"Too many connected users"}', type: 'application/json' })
  })
})

describe('heartbeat and idle timeout', () => {
  it('replies ok to a heartbeat on topic phoenix with the same ref', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    socket.send([null, '7', 'phoenix', 'heartbeat', {}])
    expect(await socket.next()).toEqual([null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
    expect(server.stats().heartbeats).toBe(1)
  })

  it('closes 1000 after idleTimeoutMs without inbound frames; inbound frames keep it open', async () => {
    const server = await setupServer({ idleTimeoutMs: 300 })
    const quiet = await openRaw(server)
    const chatty = await openRaw(server)
    const beat = setInterval(() => chatty.send([null, '1', 'phoenix', 'heartbeat', {}]), 100)
    try {
      const started = Date.now()
      expect(await quiet.closed).toEqual({ code: 1000, reason: '' })
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
      await new Promise((r) => setTimeout(r, 200))
      expect(chatty.ws.readyState).toBe(WebSocket.OPEN)
    } finally {
      clearInterval(beat)
    }
  })
})
