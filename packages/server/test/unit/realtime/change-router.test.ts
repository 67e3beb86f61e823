import { describe, expect, it } from 'vitest'
import type { JwtClaims } from '../../../src/auth.ts'
import { NO_PRIMARY_KEY } from '../../../src/db/change-payload.ts'
import type { LocalDatabase, RowChange } from '../../../src/db/types.ts'
import { routeChange, type ChangeRouterHost } from '../../../src/realtime/change-router.ts'
import type { ChannelJoin } from '../../../src/realtime/channel.ts'
import { fakeJoin, fakeSubscriber } from '../../support/fake-channel.ts'

const change: RowChange = {
  schema: 'public',
  table: 'todos',
  type: 'INSERT',
  commit_timestamp: '2026-01-01T00:00:00.000Z',
  columns: [{ name: 'id', type: 'int8' }, { name: 'title', type: 'text' }, { name: 'secret', type: 'text' }],
  record: { id: 1, title: 'a', secret: 's' },
  errors: null,
}

/** A database whose visibility answer is decided per role; `calls` records the claims of each query. */
function visibilityDb(statusOf: (claims: JwtClaims) => string, options: { fail?: boolean; during?: () => void } = {}) {
  const calls: JwtClaims[][] = []
  const db = {
    async query(_sql: string, params: unknown[]) {
      const claims = (params[5] as string[]).map((c) => JSON.parse(c) as JwtClaims)
      calls.push(claims)
      options.during?.()
      if (options.fail) throw new Error('db down')
      const results = claims.map((c) => ({ status: statusOf(c), columns: ['id', 'title'] }))
      return { rows: [{ v: { rls: false, pk: ['id'], results } }], fields: [] }
    },
  } as unknown as LocalDatabase
  return { db, calls }
}

function host(db: LocalDatabase, joins: ChannelJoin[], overEventRate = false) {
  const rooms = new Map<string, Set<ChannelJoin>>()
  for (const join of joins) rooms.set(join.roomKey, (rooms.get(join.roomKey) ?? new Set()).add(join))
  const counted: number[] = []
  const logs: string[] = []
  const h: ChangeRouterHost = { db, rooms, overEventRate: () => overEventRate, countDatabaseDeliveries: (n) => void counted.push(n), log: (m) => void logs.push(m) }
  return { h, counted, logs }
}

const binding = (id: number, select: string[] | null = null, matches: (c: RowChange) => boolean = () => true) => ({ id, matches, select })

describe('change router', () => {
  it('sends one message per distinct select list with the matching ids, only the readable columns', async () => {
    const socket = fakeSubscriber()
    const join = fakeJoin(socket, 'realtime:a', {
      postgresReady: true,
      postgres: [binding(1), binding(2, ['title']), binding(3, ['title']), binding(4, null, () => false)],
    })
    const { db } = visibilityDb(() => 'visible')
    const { h, counted } = host(db, [join])
    await routeChange(h, change)
    expect(socket.pushes.map((p) => (p.payload as { ids: number[] }).ids)).toEqual([[1], [2, 3]])
    const [all, titled] = socket.pushes.map((p) => (p.payload as { data: { record: unknown } }).data.record)
    expect(all).toEqual({ id: 1, title: 'a' })
    expect(titled).toEqual({ id: 1, title: 'a' })
    expect(socket.pushes.every((p) => p.event === 'postgres_changes' && p.topic === 'realtime:a')).toBe(true)
    expect(counted).toEqual([2])
  })

  it('asks once per distinct claims and skips channels whose row is hidden or whose policy raised', async () => {
    const sockets = [fakeSubscriber(), fakeSubscriber(), fakeSubscriber(), fakeSubscriber()]
    const roles = ['anon', 'anon', 'hidden', 'error']
    const joins = sockets.map((s, i) => fakeJoin(s, 'realtime:a', { postgresReady: true, postgres: [binding(7)], claims: { role: roles[i], exp: 1 } }))
    const { db, calls } = visibilityDb((c) => (c.role === 'anon' ? 'visible' : c.role))
    const { h, logs } = host(db, joins)
    await routeChange(h, change)
    expect(calls).toEqual([[{ role: 'anon', exp: 1 }, { role: 'hidden', exp: 1 }, { role: 'error', exp: 1 }]])
    expect(sockets.map((s) => s.pushes.length)).toEqual([1, 1, 0, 0])
    expect(logs.some((l) => l.includes('raised an error'))).toBe(true)
  })

  it('skips channels not yet subscribed, filters that throw, and channels that ended meanwhile', async () => {
    const waiting = fakeSubscriber()
    fakeJoin(waiting, 'realtime:a', { postgres: [binding(1)] })
    const throwing = fakeSubscriber()
    fakeJoin(throwing, 'realtime:a', { postgresReady: true, postgres: [binding(1, null, () => { throw new Error('bad filter') })] })
    const leaving = fakeSubscriber()
    const leavingJoin = fakeJoin(leaving, 'realtime:a', { postgresReady: true, postgres: [binding(1)] })
    const staying = fakeSubscriber()
    fakeJoin(staying, 'realtime:a', { postgresReady: true, postgres: [binding(1)] })
    const { db } = visibilityDb(() => 'visible', { during: () => leaving.joins.delete(leavingJoin.topic) })
    const { h, counted } = host(db, [...waiting.joins.values(), ...throwing.joins.values(), leavingJoin, ...staying.joins.values()])
    await routeChange(h, change)
    expect([waiting, throwing, leaving, staying].map((s) => s.pushes.length)).toEqual([0, 0, 0, 1])
    expect(counted).toEqual([1])
  })

  it('delivers nothing over the events quota or when the visibility query fails', async () => {
    const socket = fakeSubscriber()
    const join = fakeJoin(socket, 'realtime:a', { postgresReady: true, postgres: [binding(1)] })
    const over = host(visibilityDb(() => 'visible').db, [join], true)
    await routeChange(over.h, change)
    const failing = host(visibilityDb(() => 'visible', { fail: true }).db, [join])
    await routeChange(failing.h, change)
    expect(socket.pushes).toEqual([])
    expect(failing.logs.some((l) => l.includes('not delivered'))).toBe(true)
  })

  it('sends a change of a table without a primary key as captured, without asking the database', async () => {
    const socket = fakeSubscriber()
    const join = fakeJoin(socket, 'realtime:a', { postgresReady: true, postgres: [binding(5)] })
    const { db, calls } = visibilityDb(() => 'visible')
    const { h } = host(db, [join])
    const noKey: RowChange = { ...change, record: undefined, errors: [NO_PRIMARY_KEY] }
    await routeChange(h, noKey)
    expect(calls).toEqual([])
    expect(socket.pushes[0].payload).toEqual({
      ids: [5],
      data: { schema: 'public', table: 'todos', commit_timestamp: change.commit_timestamp, type: 'INSERT', columns: change.columns, errors: [NO_PRIMARY_KEY] },
    })
  })
})
