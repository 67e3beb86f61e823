import { describe, expect, it } from 'vitest'
import { countedDeliveries, routeEcho, routeServerEvent, type Routable } from '../../../src/channels/router.ts'
import { postgresFilterKey } from '../../../src/channels/join-spec.ts'
import type { BindingSpec, PostgresChangesFilterSpec } from '../../../src/protocol/wire.ts'

const insertsOnTodos: PostgresChangesFilterSpec = { event: 'INSERT', schema: 'public', table: 'todos' }
const sub = (id: string, bindings: BindingSpec[], self = false): Routable => ({ id, bindings, self })
const chat = sub('chat', [{ id: 1, type: 'broadcast', filter: { event: 'message' } }, { id: 2, type: 'broadcast', filter: { event: '*' } }])
const typing = sub('typing', [{ id: 7, type: 'broadcast', filter: { event: 'TYPING' } }], true)
const db = sub('db', [{ id: 3, type: 'postgres_changes', filter: insertsOnTodos }, { id: 4, type: 'system', filter: {} }])
const people = sub('people', [{ id: 5, type: 'presence', filter: { event: 'join' } }])
const all = [chat, typing, db, people]

describe('router', () => {
  it('routes a broadcast to matching subscriptions only, with the ids of the bindings it matched (event names case-insensitive)', () => {
    expect(routeServerEvent(all, 'broadcast', 'message')).toEqual([{ to: chat, bindingIds: [1, 2] }])
    expect(routeServerEvent(all, 'broadcast', 'typing')).toEqual([
      { to: chat, bindingIds: [2] },
      { to: typing, bindingIds: [7] },
    ])
  })

  it('routes postgres changes by filter key and system messages to every system binding', () => {
    expect(routeServerEvent(all, 'postgres_changes', undefined, postgresFilterKey(insertsOnTodos))).toEqual([{ to: db, bindingIds: [3] }])
    expect(routeServerEvent(all, 'postgres_changes', undefined, postgresFilterKey({ ...insertsOnTodos, table: 'other' }))).toEqual([])
    expect(routeServerEvent(all, 'system', undefined)).toEqual([{ to: db, bindingIds: [4] }])
  })

  it('gives presence to every subscription (each mirrors the state), matched or not, and does not count it', () => {
    const deliveries = routeServerEvent(all, 'presence', 'sync')
    expect(deliveries.map((d) => [d.to.id, d.bindingIds])).toEqual([['chat', []], ['typing', []], ['db', []], ['people', []]])
    expect(routeServerEvent(all, 'presence', 'join').find((d) => d.to === people)?.bindingIds).toEqual([5])
    expect(countedDeliveries('presence', deliveries)).toBe(0)
    expect(countedDeliveries('broadcast', routeServerEvent(all, 'broadcast', 'typing'))).toBe(2)
  })

  it('echoes a sent broadcast to the other subscriptions, and to the sender only with broadcast.self', () => {
    expect(routeEcho(all, 'chat', 'typing')).toEqual([{ to: typing, bindingIds: [7] }])
    expect(routeEcho(all, 'typing', 'typing')).toEqual([
      { to: chat, bindingIds: [2] },
      { to: typing, bindingIds: [7] },
    ])
    expect(routeEcho(all, null, 'message')).toEqual([{ to: chat, bindingIds: [1, 2] }])
  })
})
