import { describe, expect, it } from 'vitest'
import { createServer, systemClock, type Clock } from '../src/index.ts'
import { createFakeDatabase } from './support/fake-database.ts'
import { is, openRaw } from './support/raw-socket.ts'
import type { TestServer } from './support/setup.ts'

/** The system clock, counting the timers still pending. */
function countingClock(): Clock & { pending(): number } {
  const live = new Set<unknown>()
  return {
    now: () => systemClock.now(),
    setTimeout(callback, ms) {
      const id = systemClock.setTimeout(() => {
        live.delete(id)
        callback()
      }, ms)
      live.add(id)
      return id
    },
    clearTimeout(id) {
      live.delete(id)
      systemClock.clearTimeout(id)
    },
    pending: () => live.size,
  }
}

describe('server lifecycle', () => {
  it('leaves no timer behind after close, with sockets, channels, presence and delayed errors in flight', async () => {
    const clock = countingClock()
    const db = createFakeDatabase()
    const server = await createServer({ port: 0, database: db, clock, connectErrorDelayMs: 0, channelErrorDelayMs: 10_000 })
    const handle = Object.assign(server, { wsUrl: server.url.replace(/^http/, 'ws') }) as unknown as TestServer
    const socket = await openRaw(handle)
    await socket.join('realtime:a', { config: { presence: { enabled: true } } }, '1')
    socket.send(['1', '2', 'realtime:a', 'presence', { type: 'presence', event: 'track', payload: { x: 1 } }])
    await socket.next(is('presence_diff'))
    socket.send(['3', '3', 'realtime:', 'phx_join', {}]) // its error reply waits 10 s
    await new Promise((r) => setTimeout(r, 50))
    expect(clock.pending()).toBeGreaterThan(0)
    await server.close()
    expect((await socket.closed).code).toBe(1001)
    expect(clock.pending()).toBe(0)
    expect(db.listeners()).toBe(0)
    expect(db.broadcastListeners()).toBe(0)
    expect(db.closed).toBe(false) // an injected database belongs to the caller
    await server.close() // idempotent
  })

  it('rejects when the port is taken, and closes what it opened', async () => {
    const db = createFakeDatabase()
    const first = await createServer({ port: 0, database: db })
    try {
      await expect(createServer({ port: first.port, database: db })).rejects.toThrow(/EADDRINUSE/)
      expect(db.listeners()).toBe(1)
    } finally {
      await first.close()
    }
  })
})
