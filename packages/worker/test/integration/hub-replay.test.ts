/**
 * Gap-free recovery through replay (issue #15) against the local server: three tabs on a private
 * channel fed by `realtime.send`; the socket is dropped and kept down while rows are written, and
 * every tab still gets every message once, in order, then one complete resync notice.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../../../server/src/index.ts'
import { createJwtVerifier } from '../../../server/src/auth.ts'
import type { ResyncNotice, SharedRealtime } from '../../../client/src/index.ts'
import { dev, eventually, setupHub, subscribed, type HubHandle, type TestServer } from '../support/setup.ts'

let server: TestServer
let handle: HubHandle

beforeAll(async () => {
  server = (await createServer({ port: 0, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })) as never
})

afterAll(async () => {
  await server?.close()
})

afterEach(async () => {
  await handle?.cleanup()
  await dev(server, 'reset', {})
})

const send = (topic: string, from: number, to: number) =>
  dev(server, 'sql', { query: Array.from({ length: to - from + 1 }, (_, i) => `select realtime.send('{"n": ${from + i}}'::jsonb, 'tick', '${topic}', true);`).join('\n') })

/** A signed-in tab subscribed to the private `topic`, recording the `n` of each broadcast and its resync notices. */
async function listener(tab: SharedRealtime, topic: string) {
  await tab.setAuth(await createJwtVerifier().sign({ role: 'authenticated', sub: crypto.randomUUID() }))
  const got: number[] = []
  const notices: ResyncNotice[] = []
  const channel = tab.channel(topic, { config: { private: true } }).on('broadcast', { event: 'tick' }, (m) => got.push(m.payload.n))
  channel.onResync((notice) => notices.push({ ...notice, ...{ gotBefore: got.length } }))
  await subscribed(channel)
  return { got, notices }
}

/** Quick reconnects, and no circuit breaker opening while the server refuses them. */
const FAST = { backoff: { initialMs: 100, maxMs: 300 }, circuitBreaker: { enabled: false } }

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('recovery through replay', () => {
  it('fills a socket outage: every tab gets every message once and in order, then one complete notice', async () => {
    handle = setupHub(server, {}, FAST)
    const topic = `replay-${crypto.randomUUID().slice(0, 8)}`
    const tabs = await Promise.all([0, 1, 2].map(() => listener(handle.openTab(), topic)))
    await send(topic, 1, 5)
    await eventually(() => tabs.every((t) => t.got.length === 5), { what: 'the first five messages' })
    // Keep the hub out while rows are written: they can only come back through the replay.
    await dev(server, 'refuse', { ms: 600 })
    await dev(server, 'drop', {})
    await send(topic, 6, 15)
    await eventually(() => tabs.every((t) => t.notices.length === 1), { what: 'a resync notice in every tab', timeoutMs: 15_000 })
    await send(topic, 16, 18)
    await eventually(() => tabs.every((t) => t.got.length === 18), { what: 'all eighteen messages' })
    for (const tab of tabs) {
      expect(tab.got).toEqual(range(1, 18))
      expect(tab.notices).toEqual([expect.objectContaining({ reason: 'rejoined', replayed: 10, complete: true, gotBefore: 15 })])
    }
  })

  it('says complete: false when more rows were written during the outage than one replay returns', async () => {
    handle = setupHub(server, {}, FAST)
    const topic = `replay-${crypto.randomUUID().slice(0, 8)}`
    const tab = await listener(handle.openTab(), topic)
    await send(topic, 1, 2)
    await eventually(() => tab.got.length === 2)
    await dev(server, 'refuse', { ms: 600 })
    await dev(server, 'drop', {})
    await send(topic, 3, 40)
    await eventually(() => tab.notices.length === 1, { what: 'the resync notice', timeoutMs: 15_000 })
    // The newest 25 came, oldest first; the 13 before them are lost and the notice says so.
    expect(tab.got).toEqual([1, 2, ...range(16, 40)])
    expect(tab.notices[0]).toMatchObject({ replayed: 25, complete: false })
  })
})
