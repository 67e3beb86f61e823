/**
 * Gap-free recovery through replay (issue #15), in the browser: three tabs of one SharedWorker on a
 * private channel fed by a trigger that calls `realtime.send`, rows inserted at a steady rate while
 * the socket is dropped (and kept down a moment), or while the worker is killed. Afterwards every
 * tab has every message exactly once, in order, and heard one `onResync` with `complete: true`.
 * Also a tab frozen until the hub dropped its events: caught up from the hub's log when it wakes.
 */
import { expect, test, type Page } from '@playwright/test'
import { createJwtVerifier } from '../packages/server/src/auth.ts'
import { freeze } from '../test-support/devtools.ts'
import { dev, killSharedWorker, hubEpoch, openTabs, resetServer, subscribeIn } from './support.ts'

const FAST = { heartbeatIntervalMs: 1000, timeoutMs: 1000, backoffInitialMs: 200, backoffMaxMs: 600, breakerResetMs: 1000 }
/** One row per 150 ms: an outage of a few seconds stays well under the replay's 25 rows. */
const INTERVAL_MS = 150

test.beforeAll(async () => {
  await dev('sql', {
    query: `create table if not exists public.replay_ticks (topic text not null, n int not null, primary key (topic, n));
            create or replace function public.replay_ticks_send() returns trigger language plpgsql as $$
            begin
              perform realtime.send(jsonb_build_object('n', new.n), 'tick', new.topic, true);
              return null;
            end $$;
            drop trigger if exists replay_ticks_send on public.replay_ticks;
            create trigger replay_ticks_send after insert on public.replay_ticks for each row execute function public.replay_ticks_send();`,
  })
})

test.beforeEach(async () => {
  await resetServer()
})

/** Inserts rows n = 1, 2, … at a steady rate until stopped; resolves with the last n once stopped. */
function steadyInserts(topic: string) {
  let n = 0
  let stopped = false
  const done = (async () => {
    while (!stopped) {
      n++
      await dev('sql', { query: 'insert into public.replay_ticks (n, topic) values ($1, $2)', params: [n, topic] })
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS))
    }
    return n
  })()
  return {
    count: () => n,
    stop: () => {
      stopped = true
      return done
    },
  }
}

async function signedInTabs(context: Parameters<typeof openTabs>[0], topic: string): Promise<Page[]> {
  const tabs = await openTabs(context, 3, FAST)
  for (const tab of tabs) {
    const token = await createJwtVerifier().sign({ role: 'authenticated', sub: crypto.randomUUID() })
    await tab.evaluate((token) => window.realtime.setAuth(token), token)
    await subscribeIn(tab, 'ticks', topic, [{ type: 'broadcast', filter: { event: 'tick' } }], { private: true })
    await tab.evaluate(() => {
      window.__notices = []
      window.__channels.ticks.onResync((notice) => window.__notices.push({ ...notice, gotBefore: window.__events.ticks.length }))
    })
  }
  return tabs
}

const ticksIn = (tab: Page) => tab.evaluate(() => window.__events.ticks.map((e) => e.payload.n as number))
const noticesIn = (tab: Page) => tab.evaluate(() => window.__notices)

/** Every tab got 1..last exactly once and in order, and one complete notice after the replayed rows. */
async function expectGapFilled(tabs: Page[], last: number, reason: string) {
  const all = Array.from({ length: last }, (_, i) => i + 1)
  for (const tab of tabs) {
    await expect.poll(() => ticksIn(tab).then((t) => t.length)).toBeGreaterThanOrEqual(last)
    expect(await ticksIn(tab)).toEqual(all)
    const notices = await noticesIn(tab)
    expect(notices).toEqual([expect.objectContaining({ reason, complete: true })])
    expect(notices[0].replayed).toBeLessThan(25)
  }
}

test('a dropped socket: every tab gets every message once and in order, and one complete resync', async ({ context }) => {
  const topic = `replay-drop-${Date.now()}`
  const tabs = await signedInTabs(context, topic)
  const inserts = steadyInserts(topic)
  await expect.poll(() => ticksIn(tabs[0]).then((t) => t.length)).toBeGreaterThanOrEqual(5)
  // Kept down for a second: the rows of that second can only come back through the replay.
  await dev('refuse', { ms: 1000 })
  await dev('drop', {})
  await expect.poll(() => noticesIn(tabs[2]).then((n) => n.length), { timeout: 20_000 }).toBe(1)
  const dropped = inserts.count()
  await expect.poll(() => inserts.count()).toBeGreaterThan(dropped + 3)
  const last = await inserts.stop()
  await expectGapFilled(tabs, last, 'rejoined')
  for (const tab of tabs) expect((await noticesIn(tab))[0].replayed).toBeGreaterThan(0)
})

test('a killed worker: the new one fills the gap from what the tabs bring, once per tab, in order', async ({ context }) => {
  const topic = `replay-kill-${Date.now()}`
  const tabs = await signedInTabs(context, topic)
  const inserts = steadyInserts(topic)
  await expect.poll(() => ticksIn(tabs[0]).then((t) => t.length)).toBeGreaterThanOrEqual(5)
  const epoch = await hubEpoch(tabs[0])
  await killSharedWorker(tabs[0])
  for (const tab of tabs) await expect.poll(() => hubEpoch(tab), { timeout: 10_000 }).not.toBe(epoch)
  await expect.poll(() => noticesIn(tabs[2]).then((n) => n.length), { timeout: 20_000 }).toBe(1)
  const restarted = inserts.count()
  await expect.poll(() => inserts.count()).toBeGreaterThan(restarted + 3)
  const last = await inserts.stop()
  await expectGapFilled(tabs, last, 'hub-restarted')
})

test('a stalled tab: what the hub dropped for it is delivered from its log when it wakes, once, in order', async ({ context }) => {
  const topic = `replay-stall-${Date.now()}`
  const [frozen, ...awake] = await signedInTabs(context, topic)
  const thaw = await freeze(frozen)
  const insert = (n: number) => dev('sql', { query: 'insert into public.replay_ticks (n, topic) values ($1, $2)', params: [n, topic] })
  // One row at a time, so that each leaves the hub as a batch of its own: after 256 unacknowledged
  // batches the frozen tab is stalled and its events are dropped.
  let n = 0
  const stalled = async () => (await awake[0].evaluate(() => window.realtime.healthCheck())).some((f) => f.id === 'stalled-tabs')
  while (!(n % 20 === 0 && n > 0 && (await stalled()))) await insert(++n)
  // Fewer rows after the stall than the hub's log keeps (64), so the catch-up can be complete.
  for (const end = n + 20; n < end; ) await insert(++n)
  await expect.poll(() => ticksIn(awake[0]).then((t) => t.length)).toBe(n)
  await thaw()
  await expect.poll(() => noticesIn(frozen).then((x) => x.length), { timeout: 15_000 }).toBe(1)
  await insert(++n)
  for (const tab of [frozen, ...awake]) {
    await expect.poll(() => ticksIn(tab).then((t) => t.length)).toBe(n)
    expect(await ticksIn(tab)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
  }
  const [notice] = await noticesIn(frozen)
  expect(notice).toMatchObject({ reason: 'tab-stalled', complete: true })
  expect(notice.replayed).toBeGreaterThanOrEqual(20)
  for (const tab of awake) expect(await noticesIn(tab)).toEqual([])
})
