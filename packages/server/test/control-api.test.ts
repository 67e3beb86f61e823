import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createJwtVerifier } from '../src/index.ts'
import { realtimeClient, subscribe } from './support/clients.ts'
import { is, openRaw } from './support/raw-socket.ts'
import { setupServer } from './support/setup.ts'

describe('control API', () => {
  it('requires the service_role key (401 otherwise)', async () => {
    const server = await setupServer()
    expect((await server.control('stats', undefined, { token: null })).status).toBe(401)
    expect((await server.control('stats', undefined, { token: server.anonKey })).status).toBe(401)
    expect((await server.control('reset', {}, { token: 'garbage' })).status).toBe(401)
    const user = await createJwtVerifier().sign({ role: 'authenticated' })
    expect(await server.control('stats', undefined, { token: user })).toEqual({
      status: 401,
      body: { error: 'the control API needs Authorization: Bearer <service_role key>' },
    })
    expect((await server.control('nope', {})).status).toBe(404)
  })

  it('GET /_dev/stats reports sockets, channels, counters and quota use; POST /_dev/reset zeroes counters', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    const b = await openRaw(server)
    await a.join('realtime:room', {}, '1')
    await b.join('realtime:room', {}, '1')
    await b.join('realtime:other', {}, '2')
    a.send([null, '3', 'phoenix', 'heartbeat', {}])
    await a.next(is('phx_reply', 'phoenix'))
    a.send(['1', '4', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }])
    await b.next(is('broadcast'))
    const { status, body } = await server.control('stats')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      sockets: 2,
      socketsTotal: 2,
      channels: { 'realtime:room': 2, 'realtime:other': 1 },
      joinsTotal: 3,
      heartbeats: 1,
      messagesDelivered: 1,
      quotas: {
        concurrentUsers: { used: 2, limit: 200 },
        channelsPerClient: { used: 2, limit: 100 },
        eventsPerSecond: { limit: 100 },
        joinsPerSecond: { limit: 100 },
        windowMs: 60_000,
      },
    })
    expect(body.framesIn).toBe(5)
    expect(body.framesOut).toBeGreaterThanOrEqual(5)
    expect(body).toEqual(JSON.parse(JSON.stringify(server.stats())))

    expect(await server.control('reset', {})).toEqual({ status: 200, body: { ok: true } })
    expect((await server.control('stats')).body).toMatchObject({ sockets: 2, socketsTotal: 0, joinsTotal: 0, framesIn: 0, messagesDelivered: 0 })
  })

  it('POST /_dev/drop terminates every socket abruptly (1006) by default', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    const b = await openRaw(server)
    expect(await server.control('drop', {})).toEqual({ status: 200, body: { dropped: 2 } })
    expect((await a.closed).code).toBe(1006)
    expect((await b.closed).code).toBe(1006)
    expect(server.stats().sockets).toBe(0)
  })

  it('POST /_dev/drop {code: 1012} sends "Server requested disconnect" on every channel first', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    await a.join('realtime:x', {}, '1')
    await a.join('realtime:y', {}, '2')
    await server.control('drop', { code: 1012 })
    for (const sub of ['x', 'y']) {
      expect(await a.next(is('system', `realtime:${sub}`))).toEqual([null, null, `realtime:${sub}`, 'system', { extension: 'system', status: 'ok', message: 'Server requested disconnect', channel: sub }])
    }
    expect((await a.closed).code).toBe(1012)
  })

  it('POST /_dev/drop with another code closes with it; bad codes are 400', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    await server.control('drop', { code: 4001 })
    expect((await a.closed).code).toBe(4001)
    for (const code of ['x', 1005, 1015, 2000, 5000, 1000.5]) {
      expect(await server.control('drop', { code })).toMatchObject({ status: 400, body: { error: expect.stringContaining('"code"') } })
    }
  })

  it('counts the bytes of every frame in and out', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    await server.control('reset', {})
    const beat = JSON.stringify([null, '1', 'phoenix', 'heartbeat', {}])
    a.send(beat)
    const reply = await a.next()
    const body = (await server.control('stats')).body
    expect(body.bytesIn).toBe(Buffer.byteLength(beat))
    expect(body.bytesOut).toBe(Buffer.byteLength(JSON.stringify(reply)))
    expect(body.framesOut).toBe(1)
  })

  it('spares sockets opened with dev_fault_exempt=1 from drop, stall, refuse, latency and expire-tokens', async () => {
    const server = await setupServer()
    const plain = await openRaw(server)
    const exempt = await openRaw(server, { query: { dev_fault_exempt: '1' } })
    await plain.join('realtime:x', {}, '1')
    await exempt.join('realtime:x', {}, '1')
    expect((await server.control('stats')).body).toMatchObject({ sockets: 2, faultExemptSockets: 1 })

    expect(await server.control('expire-tokens', {})).toEqual({ status: 200, body: { closed: 1 } })
    await plain.next(is('phx_close'))
    await exempt.none(is('phx_close'), 100)

    await server.control('stall', { ms: 5_000 })
    await server.control('latency', { ms: 5_000 })
    await server.control('refuse', { ms: 5_000 })
    const started = Date.now()
    exempt.send([null, '2', 'phoenix', 'heartbeat', {}])
    expect(await exempt.next(is('phx_reply', 'phoenix'))).toEqual([null, '2', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
    expect(Date.now() - started).toBeLessThan(1_000)
    const another = await openRaw(server, { query: { dev_fault_exempt: '1' } })

    expect(await server.control('drop', {})).toEqual({ status: 200, body: { dropped: 1 } })
    await new Promise((r) => setTimeout(r, 50))
    expect(server.stats()).toMatchObject({ sockets: 2, faultExemptSockets: 2 })
    another.send([null, '3', 'phoenix', 'heartbeat', {}])
    await another.next(is('phx_reply', 'phoenix'))
  })

  it('POST /_dev/stall answers no heartbeat for ms', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    expect((await server.control('stall', { ms: 300 })).status).toBe(200)
    a.send([null, '1', 'phoenix', 'heartbeat', {}])
    await a.none(() => true, 150)
    await new Promise((r) => setTimeout(r, 200))
    a.send([null, '2', 'phoenix', 'heartbeat', {}])
    expect(await a.next()).toEqual([null, '2', 'phoenix', 'phx_reply', { status: 'ok', response: {} }])
  })

  it('POST /_dev/refuse refuses upgrades with 503 for ms', async () => {
    const server = await setupServer()
    await server.control('refuse', { ms: 300 })
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.wsUrl}/realtime/v1/websocket?apikey=${server.anonKey}&vsn=2.0.0`)
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.on('open', () => resolve(101))
      ws.on('error', () => {})
    })
    expect(status).toBe(503)
    await new Promise((r) => setTimeout(r, 350))
    await openRaw(server)
  })

  it('POST /_dev/latency delays every outgoing frame and keeps their order', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    await a.join('realtime:l', { config: { broadcast: { self: true } } }, '1')
    await server.control('latency', { ms: 200 })
    const started = Date.now()
    for (let i = 0; i < 5; i++) a.send(['1', String(i), 'realtime:l', 'broadcast', { type: 'broadcast', event: 'e', payload: { i } }])
    const order: number[] = []
    for (let i = 0; i < 5; i++) order.push((await a.next(is('broadcast')))[4].payload.i)
    expect(order).toEqual([0, 1, 2, 3, 4])
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    await server.control('latency', { ms: 0 })
    const again = Date.now()
    a.send([null, '9', 'phoenix', 'heartbeat', {}])
    await a.next(is('phx_reply'))
    expect(Date.now() - again).toBeLessThan(150)
  })

  it.each(['stall', 'refuse', 'latency'])('POST /_dev/%s refuses a missing or negative ms with 400', async (path) => {
    const server = await setupServer()
    expect(await server.control(path, {})).toEqual({ status: 400, body: { error: '"ms" must be a number of milliseconds from 0 to 86400000' } })
    expect((await server.control(path, { ms: -1 })).status).toBe(400)
  })

  it('bad bodies are 400 with a clear error', async () => {
    const server = await setupServer()
    expect(await server.control('stall', '{nope')).toEqual({ status: 400, body: { error: 'body is not valid JSON' } })
    expect(await server.control('stall', '[1]')).toEqual({ status: 400, body: { error: 'body must be a JSON object' } })
  })

  it('POST /_dev/sql runs db.query and returns {rows, fields}; errors are 400', async () => {
    const server = await setupServer()
    server.fakeDb.query = async (sql: string) => {
      if (sql.includes('boom')) throw new Error('syntax error at or near "boom"')
      return { rows: [{ one: 1 }], fields: [{ name: 'one', dataTypeID: 23 }] } as never
    }
    expect(await server.control('sql', { query: 'select 1 as one', params: [] })).toEqual({
      status: 200,
      body: { rows: [{ one: 1 }], fields: [{ name: 'one', dataTypeID: 23 }] },
    })
    expect(await server.control('sql', { query: 'boom' })).toEqual({ status: 400, body: { error: 'syntax error at or near "boom"' } })
    expect((await server.control('sql', {})).status).toBe(400)
    expect((await server.control('sql', { query: 'select 1', params: 'x' })).status).toBe(400)
  })

  it('GET and POST /_dev/limits read and change limits at runtime', async () => {
    const server = await setupServer()
    expect((await server.control('limits')).body.maxChannelsPerClient).toBe(100)
    expect((await server.control('limits', { maxChannelsPerClient: 1 })).body.maxChannelsPerClient).toBe(1)
    const socket = await openRaw(server)
    await socket.join('realtime:a')
    expect((await socket.join('realtime:b'))[4].response.reason).toBe('ChannelRateLimitReached: Too many channels')
    expect(await server.control('limits', { maxChannelsPerClient: 0 })).toEqual({ status: 400, body: { error: 'limit "maxChannelsPerClient" must be a positive number' } })
    expect((await server.control('limits', { bogus: 1 })).status).toBe(400)
  })

  it('the official client reconnects and rejoins after a drop', async () => {
    const server = await setupServer()
    const client = realtimeClient(server)
    const log = subscribe(client.channel('again'))
    await log.when('SUBSCRIBED')
    await server.control('drop', {})
    await log.when('CHANNEL_ERROR')
    const deadline = Date.now() + 4000
    while (log.statuses.filter((s) => s === 'SUBSCRIBED').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(log.statuses.filter((s) => s === 'SUBSCRIBED')).toHaveLength(2)
  })
})
