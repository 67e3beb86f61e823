import { describe, expect, it } from 'vitest'
import { collector, realtimeClient, subscribe, supabaseClient, wait } from './support/clients.ts'
import { is, nextRef, openRaw, parseUserBroadcast, userBroadcastPush } from './support/raw-socket.ts'
import { setupServer } from './support/setup.ts'

describe.each(['1.0.0', '2.0.0'] as const)('broadcast with the official client, vsn %s', (vsn) => {
  it('delivers JSON payloads to the other subscribers, not to the sender without self', async () => {
    const server = await setupServer()
    const a = realtimeClient(server, { vsn })
    const b = realtimeClient(server, { vsn })
    const got = { a: collector(), b: collector() }
    const chA = a.channel('room:1').on('broadcast', { event: 'cursor' }, (m) => got.a.push(m))
    const chB = b.channel('room:1').on('broadcast', { event: 'cursor' }, (m) => got.b.push(m))
    await Promise.all([subscribe(chA).when('SUBSCRIBED'), subscribe(chB).when('SUBSCRIBED')])
    expect(await chA.send({ type: 'broadcast', event: 'cursor', payload: { x: 9, y: 'é' } })).toBe('ok')
    expect(await got.b.next()).toEqual({ type: 'broadcast', event: 'cursor', payload: { x: 9, y: 'é' } })
    await wait(100)
    expect(got.a.items).toEqual([])
  })

  it('echoes to the sender with self:true and acknowledges only with ack:true', async () => {
    const server = await setupServer()
    const a = realtimeClient(server, { vsn })
    const got = collector()
    const ch = a.channel('room:self', { config: { broadcast: { self: true, ack: true } } }).on('broadcast', { event: 'e' }, (m) => got.push(m))
    await subscribe(ch).when('SUBSCRIBED')
    expect(await ch.send({ type: 'broadcast', event: 'e', payload: { n: 1 } })).toBe('ok')
    expect(await got.next()).toMatchObject({ event: 'e', payload: { n: 1 } })
  })
})

describe('acks on the wire', () => {
  it('sends no reply to a broadcast push without ack', async () => {
    const server = await setupServer()
    const raw = await openRaw(server)
    await raw.join('realtime:noack', { config: { broadcast: { self: false, ack: false } } }, '1')
    raw.send(['1', '2', 'realtime:noack', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }])
    await raw.none(is('phx_reply'))
  })

  it('answers [join_ref, ref, topic, "phx_reply", ok] to a broadcast push with ack', async () => {
    const server = await setupServer()
    const raw = await openRaw(server)
    await raw.join('realtime:ack', { config: { broadcast: { ack: 'true' } } }, '1')
    raw.send(['1', '2', 'realtime:ack', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }])
    expect(await raw.next(is('phx_reply'))).toEqual(['1', '2', 'realtime:ack', 'phx_reply', { status: 'ok', response: {} }])
  })
})

describe('binary payloads', () => {
  it('relays an ArrayBuffer broadcast to vsn 2 clients as raw bytes', async () => {
    const server = await setupServer()
    const a = realtimeClient(server)
    const b = realtimeClient(server)
    const got = collector()
    const chA = a.channel('bin', { config: { broadcast: { ack: true } } })
    const chB = b.channel('bin').on('broadcast', { event: 'blob' }, (m) => got.push(m))
    await Promise.all([subscribe(chA).when('SUBSCRIBED'), subscribe(chB).when('SUBSCRIBED')])
    const bytes = new Uint8Array([0, 1, 2, 254, 255])
    expect(await chA.send({ type: 'broadcast', event: 'blob', payload: bytes.buffer })).toBe('ok')
    const message = await got.next()
    expect(message.payload).toBeInstanceOf(ArrayBuffer)
    expect([...new Uint8Array(message.payload)]).toEqual([0, 1, 2, 254, 255])
  })

  it('sends kind 4 frames with the documented layout and accepts kind 3 pushes', async () => {
    const server = await setupServer()
    const sender = await openRaw(server)
    const receiver = await openRaw(server)
    await sender.join('realtime:room:1', { config: { broadcast: { ack: true } } }, '6')
    await receiver.join('realtime:room:1', {}, '3')
    sender.sendRaw(userBroadcastPush({ joinRef: '6', ref: '7', topic: 'realtime:room:1', event: 'cursor', payload: '{"x":9,"y":"é"}', encoding: 1, meta: '{"persist":{"ttl":60}}' }))
    expect(await sender.next(is('phx_reply'))).toEqual(['6', '7', 'realtime:room:1', 'phx_reply', { status: 'ok', response: {} }])
    const frame = parseUserBroadcast(await receiver.nextBinary())
    expect(frame).toMatchObject({ kind: 4, encoding: 1, topic: 'realtime:room:1', event: 'cursor', meta: '' })
    expect(JSON.parse(frame.payload.toString('utf8'))).toEqual({ x: 9, y: 'é' })

    sender.sendRaw(userBroadcastPush({ joinRef: '6', ref: '8', topic: 'realtime:room:1', event: 'raw', payload: Buffer.from([1, 2, 3]), encoding: 0 }))
    const rawFrame = parseUserBroadcast(await receiver.nextBinary())
    expect(rawFrame).toMatchObject({ kind: 4, encoding: 0, event: 'raw' })
    expect([...rawFrame.payload]).toEqual([1, 2, 3])
  })

  it('never sends binary kinds 0, 1 or 2: replies and pushes stay text', async () => {
    const server = await setupServer()
    const socket = await openRaw(server)
    await socket.join('realtime:k', { config: { broadcast: { self: true, ack: true }, presence: { enabled: true } } }, '1')
    socket.sendRaw(userBroadcastPush({ joinRef: '1', ref: '2', topic: 'realtime:k', event: 'e', payload: '{}', encoding: 1 }))
    socket.send(['1', '3', 'realtime:k', 'presence', { type: 'presence', event: 'track', payload: { a: 1 } }])
    await socket.next(is('presence_diff'))
    await socket.next((f) => is('phx_reply')(f) && f[1] === '3')
    for (const frame of socket.frames) if (frame.kind === 'binary') expect(frame.data[0]).toBe(4)
  })

  it('vsn 1 subscribers get JSON binary broadcasts as text and never raw-byte ones', async () => {
    const server = await setupServer()
    const sender = await openRaw(server)
    const legacy = await openRaw(server, { vsn: '1.0.0' })
    await sender.join('realtime:mix', {}, '1')
    await legacy.join('realtime:mix', {}, '2')
    sender.sendRaw(userBroadcastPush({ joinRef: '1', ref: '2', topic: 'realtime:mix', event: 'bytes', payload: Buffer.from([7]), encoding: 0 }))
    sender.sendRaw(userBroadcastPush({ joinRef: '1', ref: '3', topic: 'realtime:mix', event: 'json', payload: '{"ok":true}', encoding: 1 }))
    expect(await legacy.next((f) => f.event === 'broadcast')).toEqual({
      topic: 'realtime:mix',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'json', payload: { ok: true } },
      ref: null,
    })
    await legacy.none((f) => f.event === 'broadcast')
    expect(legacy.frames.filter((f) => f.kind === 'binary')).toEqual([])
  })
})

describe('payload size', () => {
  it('refuses a broadcast above max_payload_size_in_kb × 1000 + 500 with payload_size_exceeded', async () => {
    const server = await setupServer({ limits: { maxPayloadSizeKb: 1 } })
    const sender = await openRaw(server)
    const receiver = await openRaw(server)
    await sender.join('realtime:big', {}, '1')
    await receiver.join('realtime:big', {}, '2')
    const ref = nextRef()
    sender.send(['1', ref, 'realtime:big', 'broadcast', { type: 'broadcast', event: 'e', payload: { s: 'x'.repeat(1600) } }])
    expect(await sender.next(is('phx_reply'))).toEqual(['1', ref, 'realtime:big', 'phx_reply', { status: 'error', response: 'payload_size_exceeded' }])
    // Just under the limit passes.
    sender.send(['1', nextRef(), 'realtime:big', 'broadcast', { type: 'broadcast', event: 'e', payload: { s: 'x'.repeat(1400) } }])
    expect(await receiver.next(is('broadcast'))).toMatchObject([null, null, 'realtime:big', 'broadcast', { event: 'e' }])
  })
})

describe('REST broadcast', () => {
  it('POST /realtime/v1/api/broadcast delivers a batch and answers 202 with an empty body', async () => {
    const server = await setupServer()
    const receiver = await openRaw(server)
    await receiver.join('realtime:rest', {}, '1')
    const response = await fetch(`${server.url}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: server.anonKey, Authorization: `Bearer ${server.anonKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages: [{ topic: 'rest', event: 'a', payload: { n: 1 } }, { topic: 'rest', event: 'b', payload: { n: 2 } }] }),
    })
    expect(response.status).toBe(202)
    expect(await response.text()).toBe('')
    expect(await receiver.next(is('broadcast'))).toEqual([null, null, 'realtime:rest', 'broadcast', { type: 'broadcast', event: 'a', payload: { n: 1 } }])
    expect(await receiver.next(is('broadcast'))).toMatchObject([null, null, 'realtime:rest', 'broadcast', { event: 'b' }])
  })

  it('refuses a bad key with 401 and a bad body with 4xx', async () => {
    const server = await setupServer()
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${server.url}/realtime/v1/api/broadcast`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body })
    expect((await post({ apikey: 'nope' }, '{"messages":[]}')).status).toBe(401)
    expect((await post({ apikey: server.anonKey }, '{')).status).toBe(400)
    expect((await post({ apikey: server.anonKey }, '{"messages":[{"event":"x"}]}')).status).toBe(422)
  })

  it('single-message httpSend of realtime-js gets 202, JSON and binary', async () => {
    const server = await setupServer()
    const supabase = supabaseClient(server)
    const receiver = realtimeClient(server)
    const got = collector()
    const ch = receiver.channel('single').on('broadcast', { event: '*' }, (m) => got.push(m))
    await subscribe(ch).when('SUBSCRIBED')
    const sender = supabase.channel('single')
    await expect(sender.httpSend('hello', { a: 1 })).resolves.toMatchObject({ success: true })
    expect(await got.next()).toMatchObject({ event: 'hello', payload: { a: 1 } })
    await expect(sender.httpSend('bytes', new Uint8Array([5, 6]).buffer)).resolves.toMatchObject({ success: true })
    const bytes = await got.next()
    expect([...new Uint8Array(bytes.payload)]).toEqual([5, 6])
  })

  it('a send() before the channel is joined falls back to the REST endpoint', async () => {
    const server = await setupServer()
    const receiver = realtimeClient(server)
    const got = collector()
    const ch = receiver.channel('fallback').on('broadcast', { event: 'e' }, (m) => got.push(m))
    await subscribe(ch).when('SUBSCRIBED')
    const supabase = supabaseClient(server)
    expect(await supabase.channel('fallback').send({ type: 'broadcast', event: 'e', payload: { via: 'rest' } })).toBe('ok')
    expect(await got.next()).toMatchObject({ payload: { via: 'rest' } })
  })
})
