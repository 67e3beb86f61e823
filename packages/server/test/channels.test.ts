import { describe, expect, it } from 'vitest'
import { createJwtVerifier } from '../src/index.ts'
import { collector, realtimeClient, subscribe, wait } from './support/clients.ts'
import { is, openRaw } from './support/raw-socket.ts'
import { setupServer } from './support/setup.ts'

const verifier = createJwtVerifier()
const todos = { event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.1' }
const allTodos = { event: '*', schema: 'public', table: 'todos' }

describe('join', () => {
  it('echoes postgres_changes in order with stable integer ids, and [] without bindings', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const reply = await socket.join('realtime:room:1', { config: { postgres_changes: [todos, allTodos] } }, '6')
    const [first, second] = reply[4].response.postgres_changes
    expect(reply).toEqual(['6', '6', 'realtime:room:1', 'phx_reply', { status: 'ok', response: { postgres_changes: [first, second] } }])
    expect(first).toEqual({ ...todos, id: expect.any(Number) })
    expect(second).toEqual({ ...allTodos, id: expect.any(Number) })
    expect(Number.isInteger(first.id) && first.id !== second.id).toBe(true)
    const again = await socket.join('realtime:room:2', { config: { postgres_changes: [allTodos] } })
    expect(again[4].response.postgres_changes[0].id).toBe(second.id)
    expect((await socket.join('realtime:room:3', { config: {} }))[4]).toEqual({ status: 'ok', response: { postgres_changes: [] } })
  })

  it('refuses an empty subtopic with TopicNameRequired and other topics with unmatched topic', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    expect((await socket.join('realtime:'))[4]).toEqual({ status: 'error', response: { reason: 'TopicNameRequired: You must provide a topic name' } })
    expect((await socket.join('room:1'))[4]).toEqual({ status: 'error', response: { reason: 'unmatched topic' } })
  })

  it('sends join errors only after channelErrorDelayMs', async () => {
    const server = await setupServer({ channelErrorDelayMs: 300 })
    const socket = await openRaw(server)
    const started = Date.now()
    await socket.join('realtime:')
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
  })

  it('a second phx_join of a joined topic closes the old join_ref first', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:dup', {}, '1')
    socket.send(['5', '5', 'realtime:dup', 'phx_join', {}])
    expect(await socket.next()).toEqual(['1', '1', 'realtime:dup', 'phx_close', {}])
    expect(await socket.next()).toEqual(['5', '5', 'realtime:dup', 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }])
    expect(server.stats().channels).toEqual({ 'realtime:dup': 1 })
  })

  it('phx_leave gets an ok reply then phx_close with the join ref', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:bye', {}, '3')
    socket.send(['3', '9', 'realtime:bye', 'phx_leave', {}])
    expect(await socket.next()).toEqual(['3', '9', 'realtime:bye', 'phx_reply', { status: 'ok', response: {} }])
    expect(await socket.next()).toEqual(['3', '3', 'realtime:bye', 'phx_close', {}])
    expect(server.stats().channels).toEqual({})
  })

  it('a push to a topic not joined gets {"reason":"unmatched topic"}', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    socket.send(['1', '2', 'realtime:nope', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }])
    expect(await socket.next()).toEqual(['1', '2', 'realtime:nope', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }])
  })

  it('sends presence_state after the ok reply when presence is enabled, and not otherwise', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:p', { config: { presence: { enabled: true } } }, '1')
    expect(await socket.next()).toEqual([null, null, 'realtime:p', 'presence_state', {}])
    await socket.join('realtime:q', { config: { presence: { enabled: false } } }, '2')
    await socket.none(is('presence_state'))
  })

  it('uses access_token, then user_token, then the connect key, with the real InvalidJWTToken reasons', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const expired = await verifier.sign({ role: 'authenticated', exp: Math.floor(Date.now() / 1000) - 10 })
    const reason = async (payload: object) => (await socket.join('realtime:t', payload))[4].response.reason
    expect(await reason({ access_token: expired })).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago$/)
    expect(await reason({ user_token: expired })).toMatch(/^InvalidJWTToken: Token has expired/)
    expect(await reason({ access_token: 'nope' })).toBe('MalformedJWT: The token provided is not a valid JWT')
    const noRole = await verifier.sign({ role: undefined as unknown as string })
    expect(await reason({ access_token: noRole })).toBe('InvalidJWTToken: Fields `role` and `exp` are required in JWT')
    const foreign = await createJwtVerifier('x'.repeat(40)).sign({ role: 'anon' })
    expect(await reason({ access_token: foreign })).toBe('JwtSignatureError: Failed to validate JWT signature')
    // `sb_…` keys fall back to the connect key.
    expect((await socket.join('realtime:t', { access_token: 'sb_publishable_x' }))[4].status).toBe('ok')
  })

  it('refuses private channels to anon and admits authenticated and service_role users', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const denied = await socket.join('realtime:secret', { config: { private: true } })
    expect(denied[4]).toEqual({ status: 'error', response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: secret' } })
    const user = await verifier.sign({ role: 'authenticated', sub: 'u1' })
    expect((await socket.join('realtime:secret', { config: { private: 'true' }, access_token: user }))[4].status).toBe('ok')
    expect((await socket.join('realtime:other', { config: { private: true }, access_token: server.serviceRoleKey }))[4].status).toBe('ok')
  })

  it('public and private channels of one name are different rooms', async () => {
    const server = await setupServer()
    const user = await verifier.sign({ role: 'authenticated' })
    const pub = await openRaw(server)
    const priv = await openRaw(server)
    const sender = await openRaw(server)
    await pub.join('realtime:r', {}, '1')
    await priv.join('realtime:r', { config: { private: true }, access_token: user }, '1')
    await sender.join('realtime:r', { config: { private: true }, access_token: user }, '1')
    sender.send(['1', '2', 'realtime:r', 'broadcast', { type: 'broadcast', event: 'e', payload: { only: 'private' } }])
    expect(await priv.next(is('broadcast'))).toMatchObject([null, null, 'realtime:r', 'broadcast', { payload: { only: 'private' } }])
    await pub.none(is('broadcast'))
  })

  it('joins through the official client report SUBSCRIBED, and a refused join CHANNEL_ERROR with the reason', async () => {
    const server = await setupServer()
    const client = realtimeClient(server)
    const ok = subscribe(client.channel('fine'))
    await ok.when('SUBSCRIBED')
    const refused = subscribe(client.channel('secret', { config: { private: true } }))
    const error = await refused.when('CHANNEL_ERROR')
    expect(error?.message).toBe('Unauthorized: You do not have permissions to read from this Channel topic: secret')
  })
})

describe('postgres_changes', () => {
  it('confirms with a system message "Subscribed to PostgreSQL" after the ok reply', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:db', { config: { postgres_changes: [todos] } }, '1')
    expect(await socket.next(is('system'))).toEqual([
      null,
      null,
      'realtime:db',
      'system',
      { extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: 'db' },
    ])
  })

  it('reports a malformed filter as a system error and keeps the channel open', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const reply = await socket.join('realtime:bad', { config: { postgres_changes: [{ event: '*', schema: 'public', table: 'todos', filter: 'id=in.1,2' }] } }, '1')
    expect(reply[4].status).toBe('ok')
    const system = await socket.next(is('system'))
    expect(system[4]).toMatchObject({ extension: 'postgres_changes', status: 'error', channel: 'bad' })
    expect(system[4].message).toMatch(/^Error parsing `filter` params: /)
    socket.send(['1', '2', 'realtime:bad', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }])
    await socket.none(is('phx_reply'))
    expect(server.stats().channels).toEqual({ 'realtime:bad': 1 })
  })

  it('routes changes with the matching binding ids, once per channel, in commit order', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    const reply = await socket.join('realtime:db', { config: { postgres_changes: [todos, allTodos, { event: 'DELETE', schema: 'public', table: 'todos' }] } }, '1')
    const [insertOne, all] = reply[4].response.postgres_changes.map((b: { id: number }) => b.id)
    await socket.next(is('system'))
    const change = (type: 'INSERT' | 'UPDATE', id: number) => ({
      schema: 'public',
      table: 'todos',
      type,
      commit_timestamp: '2026-01-01T00:00:00.000Z',
      columns: [{ name: 'id', type: 'int8' }],
      record: { id },
      ...(type === 'UPDATE' ? { old_record: { id } } : {}),
      errors: null,
    })
    server.fakeDb.emit(change('INSERT', 1))
    server.fakeDb.emit(change('INSERT', 2))
    server.fakeDb.emit(change('UPDATE', 1))
    server.fakeDb.emit({ ...change('INSERT', 1), table: 'orders' })
    expect(await socket.next(is('postgres_changes'))).toEqual([null, null, 'realtime:db', 'postgres_changes', { ids: [insertOne, all], data: change('INSERT', 1) }])
    expect((await socket.next(is('postgres_changes')))[4]).toEqual({ ids: [all], data: change('INSERT', 2) })
    expect((await socket.next(is('postgres_changes')))[4]).toEqual({ ids: [all], data: change('UPDATE', 1) })
    await socket.none(is('postgres_changes'))
    expect(server.stats().messagesDelivered).toBe(3)
  })

  it('delivers to the official client postgres_changes callbacks', async () => {
    const server = await setupServer()
    const client = realtimeClient(server)
    const got = collector()
    const channel = client.channel('pg').on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (p) => got.push(p))
    await subscribe(channel).when('SUBSCRIBED')
    await wait(50) // "Subscribed to PostgreSQL" follows the reply asynchronously
    server.fakeDb.emit({
      schema: 'public',
      table: 'todos',
      type: 'INSERT',
      commit_timestamp: '2026-01-01T00:00:00.000Z',
      columns: [{ name: 'id', type: 'int8' }, { name: 'done', type: 'bool' }],
      record: { id: 1, done: false },
      errors: null,
    })
    expect(await got.next()).toMatchObject({ eventType: 'INSERT', schema: 'public', table: 'todos', new: { id: 1, done: false }, old: {} })
  })
})
