import { describe, expect, it } from 'vitest'
import { createJwtVerifier } from '../src/index.ts'
import type { StoredBroadcast } from '../src/db/types.ts'
import { createFakeDatabase } from './support/fake-database.ts'
import { is, openRaw, parseUserBroadcast } from './support/raw-socket.ts'
import { setupServer } from './support/setup.ts'

/** Routing of stored (database) broadcasts, on a fake database that emits them at will. */
const verifier = createJwtVerifier()
const stored = (n: number, topic = 'feed', isPrivate = true): StoredBroadcast => ({
  id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
  topic,
  event: 'tick',
  payload: { n },
  private: isPrivate,
  insertedAt: '2026-01-01T00:00:00.000',
})

async function serverWithReplay(rows: StoredBroadcast[], options: Parameters<typeof setupServer>[0] = {}) {
  const db = createFakeDatabase((sql) =>
    sql.includes('realtime_local.replay')
      ? { rows: rows.map((r) => ({ id: r.id, event: r.event, payload: r.payload, inserted_at: r.insertedAt })), fields: [] }
      : { rows: [], fields: [] },
  )
  return { db, server: await setupServer({ ...options, database: db }) }
}

describe('stored broadcasts', () => {
  it('a replayed message arriving live again is not sent twice; later ones are', async () => {
    const { db, server } = await serverWithReplay([stored(1), stored(2)])
    const socket = await openRaw(server)
    const token = await verifier.sign({ role: 'authenticated' })
    const reply = await socket.join('realtime:feed', { config: { private: true, broadcast: { replay: { since: 0, limit: 5 } } }, access_token: token }, '1')
    expect(reply[4].status).toBe('ok')
    const replayed = [await socket.next(is('broadcast')), await socket.next(is('broadcast'))]
    expect(replayed.map((f) => f[4])).toEqual([
      { type: 'broadcast', event: 'tick', payload: { n: 1 }, meta: { replayed: true, id: stored(1).id } },
      { type: 'broadcast', event: 'tick', payload: { n: 2 }, meta: { replayed: true, id: stored(2).id } },
    ])
    db.emitBroadcast(stored(2))
    db.emitBroadcast(stored(3))
    const live = parseUserBroadcast(await socket.nextBinary())
    expect(JSON.parse(live.payload.toString('utf8'))).toEqual({ n: 3 })
    expect(JSON.parse(live.meta)).toEqual({ id: stored(3).id })
    expect(socket.frames).toEqual([])
  })

  it('reaches vsn 1.0.0 sockets as text with meta', async () => {
    const { db, server } = await serverWithReplay([])
    const socket = await openRaw(server, { vsn: '1.0.0' })
    await socket.join('realtime:feed', { config: { private: true }, access_token: await verifier.sign({ role: 'authenticated' }) })
    db.emitBroadcast(stored(7))
    expect(await socket.next((f) => f.event === 'broadcast')).toEqual({
      topic: 'realtime:feed',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'tick', payload: { n: 7 }, meta: { id: stored(7).id } },
      ref: null,
    })
  })

  it('drops a message over the payload size limit and routes the next one', async () => {
    const { db, server } = await serverWithReplay([], { limits: { maxPayloadSizeKb: 1 } })
    const socket = await openRaw(server)
    await socket.join('realtime:feed', { config: { private: true }, access_token: await verifier.sign({ role: 'authenticated' }) })
    db.emitBroadcast({ ...stored(1), payload: { big: 'x'.repeat(2000) } })
    db.emitBroadcast(stored(2))
    expect(JSON.parse(parseUserBroadcast(await socket.nextBinary()).payload.toString('utf8'))).toEqual({ n: 2 })
    expect(server.logs.some((l) => l.includes('over the size limit'))).toBe(true)
  })

  it('goes only to the channels of its privacy (private = false: public channels)', async () => {
    const { db, server } = await serverWithReplay([])
    const pub = await openRaw(server)
    await pub.join('realtime:feed', {})
    db.emitBroadcast(stored(1, 'feed', true))
    db.emitBroadcast(stored(2, 'feed', false))
    expect(JSON.parse(parseUserBroadcast(await pub.nextBinary()).payload.toString('utf8'))).toEqual({ n: 2 })
    expect(server.stats().messagesDelivered).toBe(1)
  })
})
