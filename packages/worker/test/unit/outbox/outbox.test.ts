import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStore, clear } from 'idb-keyval'
import { Outbox } from '../../../src/outbox/outbox.ts'
import { createMemoryOutboxStore } from '../../../src/outbox/outbox-store-memory.ts'
import type { OutboxEntry, OutboxStore } from '../../../src/outbox/outbox-entry.ts'
import { createIdbOutboxStore } from '../../../src/outbox/outbox-store-idb.ts'

let now = 1_000
const clock = () => now

function entry(outbox: Outbox, id: string, patch: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    id,
    seq: outbox.nextSeq(),
    project: 'p',
    topic: 'room',
    private: false,
    event: 'msg',
    payload: { id },
    user: 'alice',
    createdAt: now,
    expiresAt: null,
    ...patch,
  }
}

function make(store: OutboxStore = createMemoryOutboxStore(), maxSize = 100) {
  return new Outbox({ project: 'p', store, maxSize, now: clock })
}

beforeEach(() => {
  now = 1_000
})

describe('outbox', () => {
  it('keeps entries in arrival order per topic and user', () => {
    const outbox = make()
    outbox.enqueue(entry(outbox, 'a'))
    outbox.enqueue(entry(outbox, 'b', { topic: 'other' }))
    outbox.enqueue(entry(outbox, 'c'))
    outbox.enqueue(entry(outbox, 'd', { user: 'bob' }))
    expect(outbox.pending('room', 'alice').map((e) => e.id)).toEqual(['a', 'c'])
    expect(outbox.pending('room', 'bob').map((e) => e.id)).toEqual(['d'])
    expect([...outbox.topics('alice').keys()]).toEqual(['room', 'other'])
  })

  it('drops the oldest past maxSize and counts them', () => {
    const outbox = make(undefined, 3)
    for (const id of ['a', 'b', 'c', 'd', 'e']) outbox.enqueue(entry(outbox, id))
    expect(outbox.pending('room', 'alice').map((e) => e.id)).toEqual(['c', 'd', 'e'])
    expect(outbox.health()).toMatchObject({ size: 3, dropped: 2 })
    outbox.maxSize = 1
    expect(outbox.pending('room', 'alice').map((e) => e.id)).toEqual(['e'])
    expect(outbox.health().dropped).toBe(4)
  })

  it('expires entries past their ttl instead of sending them', () => {
    const outbox = make()
    outbox.enqueue(entry(outbox, 'gps', { expiresAt: now + 30_000 }))
    outbox.enqueue(entry(outbox, 'chat'))
    expect(outbox.nextExpiry()).toBe(31_000)
    now += 30_000
    expect(outbox.pending('room', 'alice').map((e) => e.id)).toEqual(['chat'])
    expect(outbox.hasPending('room', 'alice')).toBe(true)
    // Reading writes nothing: the owner's expiry timer (armed at nextExpiry) removes and counts.
    expect(outbox.health()).toMatchObject({ expired: 0, size: 2 })
    expect(outbox.expire()).toBe(1)
    expect(outbox.health()).toMatchObject({ expired: 1, size: 1, oldestAgeMs: 30_000 })
  })

  it('discards other users entries on sign-out or user switch', () => {
    const outbox = make()
    outbox.enqueue(entry(outbox, 'a'))
    outbox.enqueue(entry(outbox, 'b', { user: 'bob' }))
    expect(outbox.discardOtherUsers('bob')).toBe(1)
    expect(outbox.entries().map((e) => e.id)).toEqual(['b'])
  })

  it('falls back to memory when the store fails, and says so', async () => {
    const failing: OutboxStore = {
      kind: 'indexeddb',
      load: async () => {
        throw new Error('QuotaExceededError')
      },
      put: async () => {
        throw new Error('QuotaExceededError')
      },
      remove: async () => {},
    }
    const errors: unknown[] = []
    const outbox = new Outbox({ project: 'p', store: failing, maxSize: 10, now: clock, onStoreError: (e) => errors.push(e) })
    await outbox.load()
    expect(outbox.storage).toBe('memory')
    outbox.enqueue(entry(outbox, 'a'))
    expect(outbox.size).toBe(1)
    expect(errors).toHaveLength(1)
  })
})

describe('IndexedDB outbox store', () => {
  const useStore = createStore('shared-realtime-test', 'outbox')

  afterEach(async () => {
    await clear(useStore)
  })

  it('survives a new outbox (a restarted worker) and keeps order', async () => {
    const first = make(createIdbOutboxStore(useStore))
    await first.load()
    for (const id of ['a', 'b', 'c']) first.enqueue(entry(first, id))
    first.remove(first.entries()[1])
    await new Promise((r) => setTimeout(r, 20))
    const second = make(createIdbOutboxStore(useStore))
    await second.load()
    expect(second.pending('room', 'alice').map((e) => e.id)).toEqual(['a', 'c'])
    expect(second.storage).toBe('indexeddb')
    // New entries go after the restored ones.
    second.enqueue(entry(second, 'd'))
    expect(second.entries().map((e) => e.id)).toEqual(['a', 'c', 'd'])
    expect(second.entries()[2].seq).toBeGreaterThan(second.entries()[1].seq)
  })

  it('keeps projects apart', async () => {
    const store = createIdbOutboxStore(useStore)
    const a = new Outbox({ project: 'a', store, maxSize: 10, now: clock })
    a.enqueue({ ...entry(a, 'x'), project: 'a' })
    await new Promise((r) => setTimeout(r, 20))
    const b = new Outbox({ project: 'b', store, maxSize: 10, now: clock })
    await b.load()
    expect(b.size).toBe(0)
  })
})
