/**
 * Leader election without SharedWorker (issue 16): SharedWorker is removed by an init script, so the
 * tabs elect a leader with Web Locks; its hub serves every tab over BroadcastChannel.
 */
import { expect, test, type Page } from '@playwright/test'
import { dev, eventsIn, newMarker, openTabWithoutSharedWorker, outsideListener, resetServer, subscribeIn, untilMarker } from './support.ts'

test.beforeAll(async () => {
  await dev('sql', { query: 'create table if not exists public.e2e_leader (id bigint primary key, note text)' })
  // Already a member when an earlier worker of this run added it.
  await dev('sql', { query: 'alter publication supabase_realtime add table public.e2e_leader' }).catch(() => {})
})

test.beforeEach(async () => {
  await resetServer()
})

const modeOf = (tab: Page) => tab.evaluate(() => ({ mode: window.realtime.getHealthStatus().mode, leaderEpoch: window.realtime.getHealthStatus().leaderEpoch }))

test('five tabs without SharedWorker share one socket through an elected leader', async ({ context }) => {
  const tabs: Page[] = []
  for (let i = 0; i < 5; i++) tabs.push(await openTabWithoutSharedWorker(context))
  for (const tab of tabs) await subscribeIn(tab, 'lobby', 'lobby', [{ type: 'broadcast', filter: { event: '*' } }])
  const stats = await dev('stats')
  expect(stats.sockets).toBe(1)
  expect(stats.channels).toEqual({ 'realtime:lobby': 1 })
  await expect.poll(() => tabs[4].evaluate(() => window.realtime.getHealthStatus().tabCount)).toBe(5)
  const modes = await Promise.all(tabs.map(modeOf))
  expect(modes.map((m) => m.mode).sort()).toEqual(['follower', 'follower', 'follower', 'follower', 'leader'])
  expect(new Set(modes.map((m) => m.leaderEpoch)).size).toBe(1)
  expect(modes[0].leaderEpoch).toEqual(expect.any(Number))

  const outside = await outsideListener('lobby')
  const marker = newMarker()
  await outside.send('hello', marker)
  for (const tab of tabs) expect(await untilMarker(() => eventsIn(tab, 'lobby'), marker)).toHaveLength(1)

  // Other code on the origin posting on the election's channels: ignored, counted, nothing breaks.
  await tabs[0].evaluate(() => {
    const control = new BroadcastChannel('shared-realtime:leader:v1')
    for (const junk of ['hi', { sr: 2, kind: 'connect', link: 'x' }, { sr: 1, kind: 'leader' }, null]) control.postMessage(junk)
    control.close()
  })
  await subscribeIn(tabs[1], 'after', 'after-junk', [{ type: 'broadcast', filter: { event: '*' } }])
  await expect.poll(() => tabs[1].evaluate(() => window.realtime.getHealthStatus().ignoredMessages)).toBeGreaterThanOrEqual(4)
  const again = newMarker()
  await outside.send('hello', again)
  for (const tab of tabs) expect(await untilMarker(() => eventsIn(tab, 'lobby'), again)).toHaveLength(2)
  await outside.close()
})

interface SendResult {
  tab: number
  k: number
  result: string
}

/**
 * Each tab sends `{tab, k}` every `everyMs` without waiting for the previous send, and reports each
 * outcome to the test process at once (a crashed tab cannot be asked afterwards).
 */
async function startStream(tab: Page, index: number, topic: string, results: SendResult[], everyMs: number) {
  await tab.exposeBinding('__report', (_source, r: SendResult) => void results.push(r))
  await tab.evaluate(
    ({ index, topic, everyMs }) => {
      const report = (window as unknown as { __report(r: unknown): void }).__report
      const channel = window.realtime.channel(topic)
      channel.subscribe()
      let k = 0
      const timer = setInterval(() => {
        const n = k++
        channel.send({ type: 'broadcast', event: 'm', payload: { tab: index, k: n } }).then(
          (result) => report({ tab: index, k: n, result }),
          (error) => report({ tab: index, k: n, result: `error:${(error as { code?: string }).code}` }),
        )
      }, everyMs)
      ;(window as unknown as { __stop(): void }).__stop = () => clearInterval(timer)
    },
    { index, topic, everyMs },
  )
}

for (const how of ['close', 'crash'] as const) {
  test(`the leader tab ${how === 'close' ? 'closes' : 'crashes'} under a stream of sends and inserts: a new leader, one socket, nothing acknowledged lost`, async ({ context }) => {
    test.setTimeout(90_000)
    const topic = `leader-${how}-${Date.now()}`
    const observer = await outsideListener(topic, 'm')
    const tabs: Page[] = []
    for (let i = 0; i < 5; i++) tabs.push(await openTabWithoutSharedWorker(context, { timeoutMs: 2000, heartbeatIntervalMs: 1000, hubCheckIntervalMs: 500 }))
    for (const [i, tab] of tabs.entries()) {
      await subscribeIn(tab, 'rows', `rows-${topic}`, [{ type: 'postgres_changes', filter: { event: 'INSERT', schema: 'public', table: 'e2e_leader' } }])
      await subscribeIn(tab, 'room', `room-${topic}`, [{ type: 'presence', filter: { event: 'sync' } }])
      await tab.evaluate((i) => window.__channels.room.track({ tab: i }), i)
    }
    for (const tab of tabs) {
      await expect.poll(() => tab.evaluate(() => Object.values(window.__channels.room.presenceState()).flat().length)).toBe(1)
    }
    const modes = await Promise.all(tabs.map(modeOf))
    const leaderIndex = modes.findIndex((m) => m.mode === 'leader')
    expect(leaderIndex).toBeGreaterThanOrEqual(0)
    const oldEpoch = modes[leaderIndex].leaderEpoch!
    const survivors = tabs.filter((_, i) => i !== leaderIndex)
    for (const tab of survivors) await tab.evaluate(() => window.realtime.onHubConnect((info) => info.restarted && ((window as unknown as { __reconnectedAt: number }).__reconnectedAt = Date.now())))

    const results: SendResult[] = []
    for (const [i, tab] of tabs.entries()) await startStream(tab, i, topic, results, 60)
    let rowId = Date.now() * 10
    const inserting = setInterval(() => void dev('sql', { query: `insert into public.e2e_leader values (${++rowId}, 'r')` }).catch(() => {}), 100)
    await new Promise((r) => setTimeout(r, 1500))

    const killedAt = Date.now()
    if (how === 'close') await tabs[leaderIndex].close()
    else {
      const cdp = await context.newCDPSession(tabs[leaderIndex])
      void cdp.send('Page.crash').catch(() => {})
    }
    // A new leader among the survivors, with a larger epoch, that every survivor follows.
    await expect.poll(async () => (await Promise.all(survivors.map(modeOf))).filter((m) => m.mode === 'leader').length, { timeout: 10_000 }).toBe(1)
    await expect.poll(async () => new Set((await Promise.all(survivors.map(modeOf))).map((m) => m.leaderEpoch)).size).toBe(1)
    const newEpoch = (await modeOf(survivors[0])).leaderEpoch!
    expect(newEpoch).toBeGreaterThan(oldEpoch)
    const reconnectedAt = await Promise.all(survivors.map((t) => t.evaluate(() => (window as unknown as { __reconnectedAt?: number }).__reconnectedAt ?? null)))
    await new Promise((r) => setTimeout(r, 1500))
    clearInterval(inserting)
    for (const tab of survivors) await tab.evaluate(() => (window as unknown as { __stop(): void }).__stop())
    console.log(`failover (${how}): every survivor on the new leader ${Math.max(...reconnectedAt.map((t) => (t ?? Infinity) - killedAt))} ms after the leader went`)

    // One socket for the browser again (the dead leader's is gone), plus the observer's own.
    await expect.poll(() => dev('stats').then((s) => s.sockets), { timeout: 10_000 }).toBe(2)
    // Subscriptions restored in every survivor: a new row and a new broadcast reach each of them.
    const lastRow = 1_000_000 + Date.now() % 1_000_000
    await dev('sql', { query: `insert into public.e2e_leader values (${lastRow}, 'after')` })
    for (const tab of survivors) await expect.poll(() => eventsIn(tab, 'rows').then((e) => e.some((r) => r.new?.id === lastRow))).toBe(true)
    // Presence restored: the shared socket has one presence per topic (the latest track of any tab,
    // merged-presence.ts); after the failover every survivor sees it again, tracked by a survivor.
    for (const tab of survivors) {
      await expect
        .poll(() => tab.evaluate(() => Object.values(window.__channels.room.presenceState()).flat().map((p) => (p as unknown as { tab: number }).tab)))
        .toEqual([expect.any(Number)])
      const [tracker] = await tab.evaluate(() => Object.values(window.__channels.room.presenceState()).flat().map((p) => (p as unknown as { tab: number }).tab))
      expect(tracker).not.toBe(leaderIndex)
    }

    // Every send a survivor saw acknowledged or queued arrives; none more than twice (twice only for one
    // in flight on the dead leader's socket), and the first arrivals of each tab are in its send order.
    await expect.poll(() => results.filter((r) => r.tab !== leaderIndex).length).toBeGreaterThan(0)
    const settled = (tab: number) => results.filter((r) => r.tab === tab && (r.result === 'ok' || r.result === 'queued')).map((r) => r.k)
    const arrivals = () => observer.received.map((m) => m.payload as { tab: number; k: number })
    for (const i of [0, 1, 2, 3, 4]) {
      if (i === leaderIndex) continue
      const want = settled(i)
      await expect.poll(() => want.every((k) => arrivals().some((a) => a.tab === i && a.k === k)), { timeout: 15_000 }).toBe(true)
    }
    await new Promise((r) => setTimeout(r, 500))
    const counts = new Map<string, number>()
    for (const a of arrivals()) counts.set(`${a.tab}:${a.k}`, (counts.get(`${a.tab}:${a.k}`) ?? 0) + 1)
    const twice = [...counts.values()].filter((n) => n === 2).length
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2)
    for (const i of [0, 1, 2, 3, 4]) {
      if (i === leaderIndex) continue
      const firsts: number[] = []
      for (const a of arrivals()) if (a.tab === i && !firsts.includes(a.k)) firsts.push(a.k)
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b))
    }
    const outcomes = results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.result]: (acc[r.result] ?? 0) + 1 }), {})
    console.log(`failover (${how}): ${arrivals().length} arrivals, ${twice} twice; outcomes ${JSON.stringify(outcomes)}`)
    await observer.close()
  })
}

test('a leader tab hidden for 4 minutes hands over to a visible tab: a new leader, one socket, everyone still receives', async ({ context }) => {
  test.setTimeout(60_000)
  // Playwright keeps its pages visible: a page can hide itself here (document.visibilityState, as Chrome has it).
  await context.addInitScript(() => {
    let hidden = false
    Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') })
    Object.defineProperty(document, 'hidden', { get: () => hidden })
    ;(window as unknown as { __setHidden(h: boolean): void }).__setHidden = (h) => {
      hidden = h
      document.dispatchEvent(new Event('visibilitychange'))
    }
  })
  await context.clock.install()
  const tabs = [await openTabWithoutSharedWorker(context), await openTabWithoutSharedWorker(context)]
  for (const tab of tabs) await subscribeIn(tab, 'lobby', 'lobby', [{ type: 'broadcast', filter: { event: '*' } }])
  const before = await Promise.all(tabs.map(modeOf))
  expect(before.map((m) => m.mode)).toEqual(['leader', 'follower'])
  await tabs[0].evaluate(() => (window as unknown as { __setHidden(h: boolean): void }).__setHidden(true))
  await context.clock.fastForward('04:05')
  await expect.poll(() => Promise.all(tabs.map(async (tab) => (await modeOf(tab)).mode))).toEqual(['follower', 'leader'])
  const after = await Promise.all(tabs.map(modeOf))
  expect(after[1].leaderEpoch).toBeGreaterThan(before[0].leaderEpoch!)
  expect(after[0].leaderEpoch).toBe(after[1].leaderEpoch)
  await expect.poll(async () => (await dev('stats')).sockets).toBe(1)
  const outside = await outsideListener('lobby')
  const marker = newMarker()
  await outside.send('hello', marker)
  for (const tab of tabs) expect(await untilMarker(() => eventsIn(tab, 'lobby'), marker)).toHaveLength(1)
  await outside.close()
})
