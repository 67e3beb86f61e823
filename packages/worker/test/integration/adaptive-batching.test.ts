/**
 * Adaptive batching through the real hub and tab clients against the local server: a stream above
 * the threshold engages it (health says so), every tab still gets every event once and in order, and
 * a quiet spell releases it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { RealtimeClient } from '@supabase/supabase-js'
import { createServer } from '../../../server/src/index.ts'
import { eventually, setupHub, subscribed, type HubHandle, type TestServer } from '../support/setup.ts'

let server: TestServer
let handle: HubHandle | undefined
let sender: RealtimeClient | undefined

beforeAll(async () => {
  server = (await createServer({ port: 0, limits: false, connectErrorDelayMs: 0, channelErrorDelayMs: 0 })) as never
})

afterAll(async () => {
  await server?.close()
})

afterEach(async () => {
  await sender?.disconnect()
  await handle?.cleanup()
})

describe('adaptive batching with the real hub', () => {
  it('engages under a stream above the threshold, loses and reorders nothing, and releases when it goes quiet', async () => {
    // A low threshold, so a modest stream from Node is well above it: 8 tabs × ~200 events/s.
    handle = setupHub(server, {}, { adaptiveBatching: { aboveDeliveriesPerSecond: 200 } })
    const tabs = Array.from({ length: 8 }, () => handle!.openTab())
    const got = tabs.map(() => [] as number[])
    await Promise.all(tabs.map((t, i) => subscribed(t.channel('stream').on('broadcast', { event: 'n' }, (m) => got[i]!.push(m.payload.n)))))
    expect(tabs[0]!.getHealthStatus().deliveryBatching).toBe(false)

    sender = new RealtimeClient(`${server.url.replace('http', 'ws')}/realtime/v1`, { params: { apikey: server.anonKey }, transport: WebSocket as never })
    const out = sender.channel('stream')
    await subscribed(out)
    // Stream (about 200/s) until every tab's health says batching is engaged, then 100 more events.
    let total = 0
    let engagedAt: number | null = null
    while (total < 4_000 && (engagedAt === null || total < engagedAt + 100)) {
      total++
      void out.send({ type: 'broadcast', event: 'n', payload: { n: total } })
      if (total % 2 === 0) await new Promise((r) => setTimeout(r, 10))
      if (engagedAt === null && tabs.every((t) => t.getHealthStatus().deliveryBatching)) engagedAt = total
    }
    expect(engagedAt, 'every tab sees deliveryBatching').not.toBeNull()
    await eventually(() => got.every((g) => g.length === total), { what: `${total} events in every tab` })
    const expected = Array.from({ length: total }, (_, i) => i + 1)
    for (const g of got) expect(g).toEqual(expected)

    // Quiet for more than a window; the next event is judged at a low rate and releases it.
    await new Promise((r) => setTimeout(r, 700))
    void out.send({ type: 'broadcast', event: 'n', payload: { n: total + 1 } })
    await eventually(() => tabs.every((t) => !t.getHealthStatus().deliveryBatching), { what: 'deliveryBatching released' })
    await eventually(() => got.every((g) => g.at(-1) === total + 1))
  })
})
