/**
 * Connection resilience (issue 4), each failure provoked through the local server's control API or
 * the DevTools Protocol, with several tabs of one context sharing the socket.
 */
import { expect, test, type Page } from '@playwright/test'
import { createJwtVerifier } from '../packages/server/src/auth.ts'
import { freeze } from '../test-support/devtools.ts'
import { channelIn, dev, eventsIn, hubEpoch, killSharedWorker, openTab, openTabs, outsideListener, resetServer, subscribeIn } from './support.ts'

const FAST = { heartbeatIntervalMs: 1000, timeoutMs: 1000, backoffInitialMs: 200, backoffMaxMs: 600, breakerResetMs: 1000 }

test.beforeEach(async () => {
  await resetServer()
})

test.afterEach(async () => {
  await dev('refuse', { ms: 0 })
  await dev('stall', { ms: 0 })
})

const status = (page: Page) => page.evaluate(() => window.realtime.getHealthStatus().status)

async function listenAll(tabs: Page[], topic: string) {
  for (const tab of tabs) await subscribeIn(tab, 'feed', topic, [{ type: 'broadcast', filter: { event: '*' } }])
  for (const tab of tabs) {
    await tab.evaluate(() => {
      const resyncs: typeof window.__resyncs = (window.__resyncs = [])
      const receivedAt: number[] = (window.__receivedAt = [])
      window.__channels.feed.onResync((notice) => resyncs.push(notice))
      window.__channels.feed.on('broadcast', { event: 'tick' }, () => receivedAt.push(Date.now()))
    })
  }
}

/** Sends from outside until every tab has received one more event: recovery proven by delivery. Returns the sender. */
async function expectEveryTabReceives(tabs: Page[], topic: string) {
  const sender = await outsideListener(topic)
  const before = await Promise.all(tabs.map((t) => eventsIn(t, 'feed').then((e) => e.length)))
  const marker = `m-${Date.now()}`
  await expect
    .poll(
      async () => {
        await sender.send('ping', { marker })
        const counts = await Promise.all(tabs.map((t) => eventsIn(t, 'feed').then((e) => e.filter((m) => m.payload?.marker === marker).length)))
        return counts.every((n) => n > 0)
      },
      { timeout: 20_000, intervals: [250] },
    )
    .toBe(true)
  expect((await Promise.all(tabs.map((t) => eventsIn(t, 'feed').then((e) => e.length)))).every((n, i) => n > before[i])).toBe(true)
  return sender
}

/** Records every connection state the tab's mirror passes through. */
async function recordStates(page: Page) {
  await page.evaluate(() => {
    const states: string[] = (window.__states = [])
    window.realtime.onStateChange((s) => states.push(s.status))
  })
  return () => page.evaluate(() => window.__states)
}

for (const code of [undefined, 1000, 1012] as const) {
  test(`recovers when the server closes every socket (${code ?? 'abrupt, 1006'}) and tells tabs to resync`, async ({ context }) => {
    const topic = `drop-${code ?? 'abrupt'}-${Date.now()}`
    const tabs = await openTabs(context, 3, FAST)
    await listenAll(tabs, topic)
    const before = (await dev('stats')).socketsTotal
    const states = await recordStates(tabs[0])
    await dev('drop', code === undefined ? {} : { code })
    const sender = await expectEveryTabReceives(tabs, topic)
    const stats = await dev('stats')
    expect(stats.sockets).toBe(2) // the shared socket + the outside sender
    expect(stats.channels[`realtime:${topic}`]).toBe(2)
    expect(stats.socketsTotal).toBeGreaterThan(before)
    await sender.close()
    expect(await states()).toEqual(expect.arrayContaining(['reconnecting', 'connecting', 'connected']))
    for (const tab of tabs) {
      await expect.poll(() => tab.evaluate(() => window.__resyncs.length)).toBeGreaterThan(0)
      const statuses = await tab.evaluate(() => window.__statuses.feed)
      expect(statuses.slice(-2)).toEqual(['CHANNEL_ERROR', 'SUBSCRIBED'])
    }
  })
}

test('reconnects when heartbeats stall', async ({ context }) => {
  const topic = `stall-${Date.now()}`
  const tabs = await openTabs(context, 2, FAST)
  await listenAll(tabs, topic)
  const before = (await dev('stats')).socketsTotal
  const states = await recordStates(tabs[0])
  await dev('stall', { ms: 3000 })
  await expect.poll(states, { timeout: 10_000 }).toContain('reconnecting')
  const sender = await expectEveryTabReceives(tabs, topic)
  await sender.close()
  expect((await dev('stats')).socketsTotal).toBeGreaterThan(before)
  const lastError = await tabs[1].evaluate(() => window.realtime.getHealthStatus().lastError)
  expect(lastError?.message).toMatch(/heartbeat|socket closed|ping/)
})

test('a channel closed for token expiry rejoins with a fresh token from a tab', async ({ context }) => {
  const topic = `expiry-${Date.now()}`
  const signer = createJwtVerifier()
  const first = await signer.sign({ role: 'authenticated', sub: 'u1' })
  const fresh = await signer.sign({ role: 'authenticated', sub: 'u1', session: 2 })
  const tab = await openTab(context, FAST)
  // A client with an accessToken callback, as an app with supabase auth has.
  await tab.evaluate(async (token) => {
    const { supabaseUrl, anonKey, options } = window.demoConfig
    window.__token = token
    window.__auth = window.createSharedRealtime(supabaseUrl, anonKey, { ...options, accessToken: async () => window.__token })
    window.__statuses = { auth: [] }
    window.__events = { auth: [] }
    window.__channels = {}
  }, first)
  await tab.evaluate((topic) => {
    const channel = window.__auth.channel(topic).on('broadcast', { event: '*' }, (m) => window.__events.auth.push(m))
    window.__channels.auth = channel
    return new Promise<void>((resolve) => channel.subscribe((s) => (window.__statuses.auth.push(s), s === 'SUBSCRIBED' && resolve())))
  }, topic)
  const joinsBefore = (await dev('stats')).joinsTotal
  await tab.evaluate((token) => (window.__token = token), fresh)
  await dev('expire-tokens', {})
  await expect.poll(() => tab.evaluate(() => window.__statuses.auth.slice(-2)), { timeout: 10_000 }).toEqual(['CHANNEL_ERROR', 'SUBSCRIBED'])
  expect((await dev('stats')).joinsTotal).toBeGreaterThan(joinsBefore)
  const sender = await outsideListener(topic)
  await expect
    .poll(async () => {
      await sender.send('after', { ok: true })
      return tab.evaluate(() => window.__events.auth.length)
    })
    .toBeGreaterThan(0)
  await sender.close()
})

test('a join refused as unauthorized is reported with its code and not retried until the token changes', async ({ context }) => {
  const topic = `private-${Date.now()}`
  const tab = await openTab(context, FAST)
  const error = await tab.evaluate(
    (topic) =>
      new Promise<{ code: string; retryable: boolean; message: string }>((resolve) => {
        window.__channels = { secret: window.realtime.channel(topic, { config: { private: true } }) }
        window.__statuses = { secret: [] }
        window.__channels.secret.subscribe((status, err) => {
          window.__statuses.secret.push(status)
          if (status === 'CHANNEL_ERROR' && err) resolve({ code: err.code, retryable: err.retryable, message: err.message })
        })
      }),
    topic,
  )
  expect(error).toMatchObject({ code: 'unauthorized', retryable: false })
  expect(error.message).toContain('Unauthorized: You do not have permissions to read from this Channel topic')
  const joins = (await dev('stats')).joinsTotal
  // A time window, not a barrier: a retry would come from a backoff timer (≤ 600 ms here), not a message.
  await tab.waitForTimeout(1500)
  expect((await dev('stats')).joinsTotal).toBe(joins)
  const findings = await tab.evaluate(() => window.realtime.healthCheck())
  expect(findings.map((f) => f.id)).toContain('channels-in-error')
  // Signing in fixes it: the hub rejoins with the new token.
  const token = await createJwtVerifier().sign({ role: 'authenticated', sub: 'u2' })
  await tab.evaluate((token) => window.realtime.setAuth(token), token)
  await expect.poll(() => tab.evaluate(() => window.__statuses.secret.at(-1))).toBe('SUBSCRIBED')
})

test('the tabs carry on when the worker is killed: a new worker, the same subscriptions', async ({ context }) => {
  const topic = `kill-${Date.now()}`
  const tabs = await openTabs(context, 3, FAST)
  await listenAll(tabs, topic)
  const epoch = await hubEpoch(tabs[0])
  await killSharedWorker(tabs[0])
  for (const tab of tabs) await expect.poll(() => hubEpoch(tab), { timeout: 10_000 }).not.toBe(epoch)
  const sender = await expectEveryTabReceives(tabs, topic)
  const stats = await dev('stats')
  expect(stats.channels[`realtime:${topic}`]).toBe(2) // the new worker's channel + the outside sender
  expect(stats.sockets).toBe(2)
  await sender.close()
  // Calls made after the kill do not hang: they are answered by the new worker.
  expect(await tabs[2].evaluate(() => window.realtime.getHealthStatus().tabCount)).toBe(3)
})

test('the circuit breaker opens after repeated refusals and half-opens after resetMs', async ({ context }) => {
  await dev('refuse', { ms: 600_000 })
  const tab = await openTab(context, { ...FAST, breakerThreshold: 3, breakerResetMs: 2000 })
  await channelIn(tab, 'c', `breaker-${Date.now()}`)
  await expect.poll(() => tab.evaluate(() => window.realtime.getHealthStatus().circuit), { timeout: 10_000 }).toBe('open')
  expect(await status(tab)).toBe('circuit-open')
  const attempts = (await dev('stats')).socketsTotal
  // A time window, not a barrier: while the breaker is open nothing sends, so only time can show no attempt.
  await tab.waitForTimeout(800)
  expect((await dev('stats')).socketsTotal).toBe(attempts) // no attempt while open
  await dev('refuse', { ms: 0 })
  const states: string[] = await tab.evaluate(
    () =>
      new Promise((resolve) => {
        const seen: string[] = []
        const off = window.realtime.onHealthChange((h) => {
          const label = `${h.status}/${h.circuit}`
          if (seen.at(-1) !== label) seen.push(label)
          if (h.status === 'connected') {
            off()
            resolve(seen)
          }
        })
      }),
  )
  // The first attempt after resetMs is the breaker's half-open probe; it succeeded.
  expect(states.at(-1)).toBe('connected/half-open')
  expect(states).not.toContain('circuit-open/open')
})

test('reconnect attempts of separate browsers are spread by jitter', async ({ browser }) => {
  const contexts = await Promise.all(Array.from({ length: 4 }, () => browser.newContext()))
  const tabs = await Promise.all(contexts.map((c) => openTab(c, { backoffInitialMs: 3000, backoffMaxMs: 3000, breakerResetMs: 1000 })))
  const topic = `jitter-${Date.now()}`
  for (const tab of tabs) await subscribeIn(tab, 'feed', topic, [{ type: 'broadcast', filter: { event: '*' } }])
  for (const tab of tabs) {
    await tab.evaluate(() => {
      const connectedAt: number[] = (window.__connectedAt = [])
      window.realtime.onStateChange((s) => s.status === 'connected' && connectedAt.push(Date.now()))
    })
  }
  await dev('drop', {})
  for (const tab of tabs) await expect.poll(() => tab.evaluate(() => window.__connectedAt.length), { timeout: 10_000 }).toBe(1)
  const times = await Promise.all(tabs.map((t) => t.evaluate(() => window.__connectedAt[0])))
  const spread = Math.max(...times) - Math.min(...times)
  // Full jitter over [0, 3000): four lockstep clients would reconnect within a few ms of each other.
  expect(spread).toBeGreaterThan(150)
  await Promise.all(contexts.map((c) => c.close()))
})

test('with every tab frozen for longer than two heartbeats the socket stays up, and events arrive in order on resume', async ({ context }) => {
  const topic = `frozen-${Date.now()}`
  const tabs = await openTabs(context, 2, { heartbeatIntervalMs: 1000, timeoutMs: 1000 })
  await listenAll(tabs, topic)
  const sender = await outsideListener(topic)
  const before = await dev('stats')
  // Frozen and paused in the debugger: the tab runs nothing at all, which is what a frozen or
  // discarded tab means for the hub (test-support/devtools.ts says why the lifecycle state is not enough).
  const thaws = await Promise.all(tabs.map((t) => freeze(t)))
  for (let n = 0; n < 10; n++) {
    await sender.send('tick', { n })
    // Not a "nothing more arrived" check: the sends are spread over three heartbeats of the frozen tabs.
    await new Promise((r) => setTimeout(r, 300))
  }
  const during = await dev('stats')
  expect(during.socketsTotal).toBe(before.socketsTotal)
  expect(during.heartbeats - before.heartbeats).toBeGreaterThanOrEqual(2)
  const resumedAt = Date.now()
  for (const thaw of thaws) await thaw()
  for (const tab of tabs) {
    await expect.poll(() => eventsIn(tab, 'feed').then((e) => e.length)).toBe(10)
    expect((await eventsIn(tab, 'feed')).map((m) => m.payload.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // The tab really was frozen: nothing ran in it until it resumed.
    const receivedAt = await tab.evaluate(() => window.__receivedAt)
    expect(Math.min(...receivedAt)).toBeGreaterThanOrEqual(resumedAt - 50)
  }
  expect((await dev('stats')).socketsTotal).toBe(before.socketsTotal)
  await sender.close()
})

test('a tab frozen under a stream is marked stalled: the hub drops its backlog, other tabs get everything, and it is told to resync', async ({ context }) => {
  const topic = `stalled-${Date.now()}`
  const [frozen, awake] = await openTabs(context, 2)
  await listenAll([frozen, awake], topic)
  const sender = await outsideListener(topic)
  const thaw = await freeze(frozen)
  // One event every few ms: each leaves the idle worker as its own batch, so the frozen tab falls
  // more than 256 unacknowledged batches behind.
  const total = 600
  for (let n = 0; n < total; n++) {
    await sender.send('tick', { n })
    await new Promise((r) => setTimeout(r, 3)) // spacing, so that each event is a batch of its own
  }
  await expect.poll(() => eventsIn(awake, 'feed').then((e) => e.length), { timeout: 10_000 }).toBe(total)
  const findings = await awake.evaluate(() => window.realtime.healthCheck())
  expect(findings.map((f) => f.id)).toContain('stalled-tabs')

  await thaw()
  await expect.poll(() => frozen.evaluate(() => window.__resyncs.map((r) => r.reason)), { timeout: 10_000 }).toContain('tab-stalled')
  // What it did get is in order and without gaps up to the stall; the rest is what the resync covers.
  const got = (await eventsIn(frozen, 'feed')).map((m) => m.payload.n)
  expect(got.length).toBeLessThan(total)
  expect(got).toEqual(got.map((_, i) => i))
  // After the resync it takes deliveries again.
  await sender.send('tick', { n: total })
  await expect.poll(() => eventsIn(frozen, 'feed').then((e) => e.at(-1)?.payload.n)).toBe(total)
  expect((await awake.evaluate(() => window.realtime.healthCheck())).map((f) => f.id)).not.toContain('stalled-tabs')
  await sender.close()
})

test('offline stops attempts and online reconnects at once', async ({ context }) => {
  const topic = `network-${Date.now()}`
  const tabs = await openTabs(context, 2, FAST)
  await listenAll(tabs, topic)
  const states = await recordStates(tabs[0])
  await context.setOffline(true)
  await expect.poll(() => status(tabs[0])).toBe('offline')
  expect(await tabs[1].evaluate(() => window.realtime.getHealthStatus().quality)).toBe('offline')
  await context.setOffline(false)
  await expect.poll(() => status(tabs[0])).toBe('connected')
  expect(await states()).toEqual(expect.arrayContaining(['offline', 'connecting', 'connected']))
  const sender = await expectEveryTabReceives(tabs, topic)
  await sender.close()
})
