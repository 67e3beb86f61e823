/**
 * One owner per project outbox among several hubs sharing a store: the owner lock decides who flushes
 * and deletes; others append, nudge the owner, and forget what it removed; ownership passes when the
 * owner ends, and the new owner trusts the store.
 */
import { describe, expect, it } from 'vitest'
import { Outbox } from '../../../src/outbox/outbox.ts'
import { OutboxOwnership } from '../../../src/outbox/outbox-ownership.ts'
import { createWebLocksOwner } from '../../../src/outbox/owner-lock.ts'
import { createChannelOutboxSignal } from '../../../src/outbox/outbox-signal.ts'
import { createMemoryOutboxStore } from '../../../src/outbox/outbox-store-memory.ts'
import type { OutboxEntry, OutboxStore } from '../../../src/outbox/outbox-entry.ts'
import { OUTBOX_CHANNEL_NAME, outboxLockName } from '../../../src/protocol/names.ts'
import { FakeBus, FakeLocks } from '../../support/fake-locks.ts'

const tick = () => new Promise((r) => setTimeout(r, 5))

function origin() {
  return { locks: new FakeLocks(), bus: new FakeBus(), store: createMemoryOutboxStore() }
}

function hubOf(o: ReturnType<typeof origin>, epoch: string, store: OutboxStore = o.store) {
  let changes = 0
  let ownership: OutboxOwnership
  const signal = createChannelOutboxSignal(o.bus.channel(OUTBOX_CHANNEL_NAME))
  const outbox = new Outbox({
    project: 'p',
    store,
    maxSize: 100,
    now: () => 1_000,
    onStored: (entry) => ownership.stored(entry),
    onRemoved: (ids) => ownership.removed(ids),
  })
  ownership = new OutboxOwnership(outbox, { project: 'p', epoch, lock: createWebLocksOwner(o.locks), signal, changed: () => changes++ })
  let seq = 0
  const entry = (id: string, createdAt = 1_000): OutboxEntry => ({ id, seq: ++seq, project: 'p', topic: 't', private: false, event: 'm', payload: { id }, user: null, createdAt, expiresAt: null, hub: epoch })
  return { outbox, ownership, signal, entry, changes: () => changes, ids: () => outbox.pending('t', null).map((e) => e.id) }
}

describe('outbox ownership', () => {
  it('the first hub owns and loads the store; a second only appends and nudges the owner, which loads and flushes', async () => {
    const o = origin()
    await o.store.put({ ...hubOf(o, 'x').entry('left-behind', 500) })
    const a = hubOf(o, 'a')
    await a.ownership.start()
    expect(a.outbox.owner).toBe(true)
    expect(a.ids()).toEqual(['left-behind'])

    const b = hubOf(o, 'b')
    await b.ownership.start()
    expect(b.outbox.owner).toBe(false)
    expect(b.outbox.size).toBe(0)
    await b.outbox.enqueue(b.entry('b1', 2_000))
    await b.outbox.enqueue(b.entry('b2', 2_001))
    // The appender never flushes, but holds its later sends behind its queued ones (per-tab order).
    expect(b.ids()).toEqual([])
    expect(b.outbox.hasPending('t', null)).toBe(true)
    await tick()
    await tick()
    expect(a.ids()).toEqual(['left-behind', 'b1', 'b2'])
    expect(a.changes()).toBeGreaterThan(0)
  })

  it('the owner\'s removals reach the store and the appender, which then stops holding sends back', async () => {
    const o = origin()
    const a = hubOf(o, 'a')
    await a.ownership.start()
    const b = hubOf(o, 'b')
    await b.ownership.start()
    await b.outbox.enqueue(b.entry('b1'))
    await tick()
    const [sent] = a.outbox.pending('t', null)
    expect(a.outbox.remove(sent)).toBe(true)
    await tick()
    await tick()
    expect(await o.store.load('p')).toEqual([])
    expect(b.outbox.hasPending('t', null)).toBe(false)
    expect(b.outbox.size).toBe(0)
  })

  it('a hub that does not own never deletes in the store, even when its copy expires or is capped', async () => {
    const o = origin()
    const a = hubOf(o, 'a')
    await a.ownership.start()
    const b = hubOf(o, 'b')
    await b.ownership.start()
    await b.outbox.enqueue({ ...b.entry('short'), expiresAt: 900 })
    expect(b.outbox.expire()).toBe(1)
    b.outbox.discardOtherUsers('someone-else')
    await tick()
    expect((await o.store.load('p')).map((e) => e.id)).toEqual(['short'])
  })

  it('ownership passes when the owner ends: the next hub adopts the store, resends nothing removed and strands nothing', async () => {
    const o = origin()
    const a = hubOf(o, 'a')
    await a.ownership.start()
    const b = hubOf(o, 'b')
    await b.ownership.start()
    for (const id of ['b1', 'b2', 'b3']) await b.outbox.enqueue(b.entry(id))
    await tick()
    await tick()
    // The owner sends b1 and removes it; it dies before its removal note reaches b.
    a.signal.close()
    a.outbox.remove(a.outbox.pending('t', null)[0])
    await tick()
    expect(b.outbox.size).toBe(3)
    a.ownership.close()
    await tick()
    await tick()
    expect(b.outbox.owner).toBe(true)
    expect(b.ids()).toEqual(['b2', 'b3'])
    expect(o.locks.held(outboxLockName('p'))).toBe(true)
  })

  it('a deposed owner\'s late results neither delete in the store nor notify', async () => {
    const o = origin()
    const a = hubOf(o, 'a')
    await a.ownership.start()
    await a.outbox.enqueue(a.entry('a1'))
    const inFlight = a.outbox.pending('t', null)[0]
    const b = hubOf(o, 'b')
    await b.ownership.start()
    a.ownership.close()
    await tick()
    expect(b.ids()).toEqual(['a1'])
    // The acknowledgement of a1 reaches the old owner after it resigned: memory only.
    a.outbox.remove(inFlight)
    await tick()
    expect((await o.store.load('p')).map((e) => e.id)).toEqual(['a1'])
    expect(b.ids()).toEqual(['a1'])
  })

  it('ignores and counts messages of another shape or version on the channel, without throwing', async () => {
    const o = origin()
    const a = hubOf(o, 'a')
    await a.ownership.start()
    const stranger = o.bus.channel(OUTBOX_CHANNEL_NAME)
    for (const junk of [null, 'hello', { v: 2, type: 'outbox/added', project: 'p', ids: ['x'], from: 'z' }, { v: 1, type: 'outbox/added', project: 'p', ids: [1], from: 'z' }, { v: 1, type: 'other' }]) {
      stranger.postMessage(junk)
    }
    await tick()
    expect(a.signal.ignored).toBe(5)
    expect(a.outbox.owner).toBe(true)
  })

  it('a hub that stops waiting for the lock is never granted it later', async () => {
    const o = origin()
    const a = hubOf(o, 'a')
    await a.ownership.start()
    const b = hubOf(o, 'b')
    await b.ownership.start()
    expect(o.locks.waiting(outboxLockName('p'))).toBe(1)
    b.ownership.close()
    expect(o.locks.waiting(outboxLockName('p'))).toBe(0)
    a.ownership.close()
    await tick()
    expect(o.locks.held(outboxLockName('p'))).toBe(false)
  })
})
