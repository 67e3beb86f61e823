import { describe, expect, it } from 'vitest'
import { collector, realtimeClient, subscribe, wait } from './support/clients.ts'
import { is, openRaw } from './support/raw-socket.ts'
import { setupServer } from './support/setup.ts'

const track = (joinRef: string, ref: string, topic: string, payload: unknown) => [joinRef, ref, topic, 'presence', { type: 'presence', event: 'track', payload }]

describe('presence on the wire', () => {
  it('track replies ok and sends presence_diff to every subscriber, the tracker included', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    const b = await openRaw(server)
    await a.join('realtime:p', { config: { presence: { key: 'user-a', enabled: true } } }, '1')
    await b.join('realtime:p', { config: { presence: { key: 'user-b', enabled: true } } }, '1')
    a.send(track('1', '2', 'realtime:p', { name: 'ada' }))
    expect(await a.next(is('phx_reply'))).toEqual(['1', '2', 'realtime:p', 'phx_reply', { status: 'ok', response: {} }])
    const diff = { joins: { 'user-a': { metas: [{ name: 'ada', phx_ref: expect.any(String) }] } }, leaves: {} }
    expect((await a.next(is('presence_diff')))[4]).toEqual(diff)
    expect((await b.next(is('presence_diff')))[4]).toEqual(diff)

    // A later subscriber gets the state on join.
    const c = await openRaw(server)
    await c.join('realtime:p', { config: { presence: { enabled: true } } }, '1')
    expect((await c.next(is('presence_state')))[4]).toEqual({ 'user-a': { metas: [{ name: 'ada', phx_ref: expect.any(String) }] } })
  })

  it('re-track leaves the old meta and joins the new one; untrack and leave send leaves', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    const b = await openRaw(server)
    await a.join('realtime:p', { config: { presence: { key: 'k', enabled: true } } }, '1')
    await b.join('realtime:p', { config: { presence: { enabled: true } } }, '1')
    a.send(track('1', '2', 'realtime:p', { v: 1 }))
    const first = (await b.next(is('presence_diff')))[4].joins.k.metas[0]
    a.send(track('1', '3', 'realtime:p', { v: 2 }))
    const update = (await b.next(is('presence_diff')))[4]
    expect(update).toEqual({
      joins: { k: { metas: [{ v: 2, phx_ref: expect.any(String), phx_ref_prev: first.phx_ref }] } },
      leaves: { k: { metas: [first] } },
    })
    a.send(['1', '4', 'realtime:p', 'presence', { type: 'presence', event: 'untrack' }])
    expect((await b.next(is('presence_diff')))[4]).toEqual({ joins: {}, leaves: { k: { metas: [update.joins.k.metas[0]] } } })

    a.send(track('1', '5', 'realtime:p', { v: 3 }))
    await b.next(is('presence_diff'))
    a.ws.close()
    expect((await b.next(is('presence_diff')))[4]).toMatchObject({ joins: {}, leaves: { k: { metas: [{ v: 3 }] } } })
  })

  it('tracking the same payload again is a no-op (ok reply, no diff)', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    await a.join('realtime:p', { config: { presence: { key: 'k', enabled: true } } }, '1')
    a.send(track('1', '2', 'realtime:p', { same: true }))
    await a.next(is('presence_diff'))
    a.send(track('1', '3', 'realtime:p', { same: true }))
    expect(await a.next((f) => is('phx_reply')(f) && f[1] === '3')).toEqual(['1', '3', 'realtime:p', 'phx_reply', { status: 'ok', response: {} }])
    await a.none(is('presence_diff'))
  })

  it('refuses a non-map track payload with the real reason', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    await a.join('realtime:p', {}, '1')
    a.send(track('1', '2', 'realtime:p', [1, 2]))
    expect(await a.next(is('phx_reply'))).toEqual(['1', '2', 'realtime:p', 'phx_reply', { status: 'error', response: { reason: 'Presence track payload must be a map' } }])
  })

  it('a track enables presence even with enabled:false (diffs arrive, no state push)', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    await a.join('realtime:p', { config: { presence: { key: 'x', enabled: false } } }, '1')
    a.send(track('1', '2', 'realtime:p', { here: 1 }))
    expect((await a.next(is('presence_diff')))[4].joins.x.metas[0]).toMatchObject({ here: 1 })
    await a.none(is('presence_state'))
  })

  it('without a key each join gets a generated UUID key; one key from several sockets gives several metas', async () => {
    const server = await setupServer()
    const a = await openRaw(server)
    const b = await openRaw(server)
    await a.join('realtime:p', { config: { presence: { enabled: true } } }, '1')
    a.send(track('1', '2', 'realtime:p', {}))
    const key = Object.keys((await a.next(is('presence_diff')))[4].joins)[0]
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    await b.join('realtime:q', { config: { presence: { key: 'same', enabled: true } } }, '1')
    const c = await openRaw(server)
    await c.join('realtime:q', { config: { presence: { key: 'same', enabled: true } } }, '1')
    b.send(track('1', '2', 'realtime:q', { who: 'b' }))
    c.send(track('1', '2', 'realtime:q', { who: 'c' }))
    await c.next(is('presence_diff'))
    await c.next(is('presence_diff'))
    const d = await openRaw(server)
    await d.join('realtime:q', { config: { presence: { enabled: true } } }, '1')
    const state = (await d.next(is('presence_state')))[4]
    expect(state.same.metas.map((m: { who: string }) => m.who).sort()).toEqual(['b', 'c'])
  })
})

describe('presence with the official client', () => {
  it('sync, join and leave events and presenceState()', async () => {
    const server = await setupServer()
    const alice = realtimeClient(server)
    const bob = realtimeClient(server)
    const events = collector<{ event: string; key?: string }>()
    const chA = alice.channel('lobby', { config: { presence: { key: 'alice' } } })
    chA.on('presence', { event: 'sync' }, () => events.push({ event: 'sync' }))
    chA.on('presence', { event: 'join' }, ({ key }) => events.push({ event: 'join', key }))
    chA.on('presence', { event: 'leave' }, ({ key }) => events.push({ event: 'leave', key }))
    await subscribe(chA).when('SUBSCRIBED')
    expect(await chA.track({ online_at: 't1' })).toBe('ok')

    const chB = bob.channel('lobby', { config: { presence: { key: 'bob' } } })
    await subscribe(chB).when('SUBSCRIBED')
    expect(await chB.track({ online_at: 't2' })).toBe('ok')
    const deadline = Date.now() + 2000
    while (Object.keys(chA.presenceState()).length < 2 && Date.now() < deadline) await wait(20)
    expect(chA.presenceState()).toEqual({
      alice: [{ online_at: 't1', presence_ref: expect.any(String) }],
      bob: [{ online_at: 't2', presence_ref: expect.any(String) }],
    })
    expect(events.items).toContainEqual({ event: 'join', key: 'alice' })
    expect(events.items).toContainEqual({ event: 'join', key: 'bob' })
    expect(events.items).toContainEqual({ event: 'sync' })

    await bob.removeChannel(chB)
    while (!events.items.some((e) => e.event === 'leave') && Date.now() < deadline + 2000) await wait(20)
    expect(events.items).toContainEqual({ event: 'leave', key: 'bob' })
    expect(Object.keys(chA.presenceState())).toEqual(['alice'])
  })
})
