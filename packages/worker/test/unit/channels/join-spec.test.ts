import { describe, expect, it } from 'vitest'
import { channelConfigOf, joinCovers, matchingBindingIds, mergeJoinSpec, postgresFilterKey } from '../../../src/channels/join-spec.ts'
import type { BindingSpec } from '../../../src/protocol/wire.ts'

const insertTodos: BindingSpec = { id: 1, type: 'postgres_changes', filter: { event: 'INSERT', schema: 'public', table: 'todos' } }
const allTodos: BindingSpec = { id: 2, type: 'postgres_changes', filter: { event: '*', schema: 'public', table: 'todos' } }

describe('join spec', () => {
  it('merges bindings of every tab into one ordered, de-duplicated union', () => {
    const spec = mergeJoinSpec(
      [
        { config: {}, bindings: [insertTodos, { id: 3, type: 'broadcast', filter: { event: 'cursor' } }] },
        { config: { presence: { key: 'user-1' } }, bindings: [{ ...insertTodos, id: 9 }, allTodos] },
      ],
      'fallback',
    )
    expect(spec.postgres).toEqual([insertTodos.filter, allTodos.filter])
    expect(spec.presenceKey).toBe('user-1')
    expect(spec.presenceEnabled).toBe(false)
  })

  it('enables presence when any tab listens to presence, with one key for the socket', () => {
    const spec = mergeJoinSpec([{ config: {}, bindings: [{ id: 1, type: 'presence', filter: { event: 'sync' } }] }], 'hub-key')
    expect(spec).toMatchObject({ presenceEnabled: true, presenceKey: 'hub-key' })
    expect(channelConfigOf(spec)).toEqual({ broadcast: { ack: true, self: false }, presence: { key: 'hub-key', enabled: true }, private: false })
  })

  it('knows when a joined channel already covers a new subscription', () => {
    const joined = mergeJoinSpec([{ config: {}, bindings: [insertTodos, allTodos] }], 'k')
    expect(joinCovers(joined, mergeJoinSpec([{ config: {}, bindings: [allTodos] }], 'k'))).toBe(true)
    const extra: BindingSpec = { id: 5, type: 'postgres_changes', filter: { event: 'DELETE', schema: 'public', table: 'todos' } }
    expect(joinCovers(joined, mergeJoinSpec([{ config: {}, bindings: [extra] }], 'k'))).toBe(false)
    expect(joinCovers(joined, mergeJoinSpec([{ config: {}, bindings: [{ id: 6, type: 'presence', filter: { event: '*' } }] }], 'k'))).toBe(false)
  })

  it('matches bindings by supabase-js rules', () => {
    const bindings: BindingSpec[] = [
      { id: 1, type: 'broadcast', filter: { event: 'Cursor' } },
      { id: 2, type: 'broadcast', filter: { event: '*' } },
      { id: 3, type: 'broadcast', filter: { event: 'chat' } },
      { id: 4, type: 'system', filter: {} },
      insertTodos,
      { ...allTodos, id: 6 },
    ]
    expect(matchingBindingIds(bindings, 'broadcast', 'cursor')).toEqual([1, 2])
    expect(matchingBindingIds(bindings, 'system', undefined)).toEqual([4])
    expect(matchingBindingIds(bindings, 'postgres_changes', undefined, postgresFilterKey(allTodos.filter as never))).toEqual([6])
  })
})
