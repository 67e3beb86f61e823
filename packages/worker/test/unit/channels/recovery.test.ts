/**
 * Gap-free recovery (issue #15) on a channel group with fake server channels and fake timers: the
 * replay the rejoin asks for, the catch-up delivered once per subscriber before the resync notice,
 * `complete`, and the hint a tab brings to a new hub.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { catchUpFrom, CLOCK_SKEW_MARGIN_MS, LOG_MAX_CHARS, REPLAY_LIMIT, REPLAY_SETTLE_MS } from '../../../src/channels/recovery.ts'
import { setupChannelGroup } from '../../support/channel-group.ts'
import type { TabEvent } from '../../../src/protocol/wire.ts'

const T0 = 1_800_000_000_000
const PRIVATE = { config: { private: true } }
const todos = { event: 'INSERT' as const, schema: 'public', table: 'todos' }

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(T0)
})

afterEach(() => {
  vi.useRealTimers()
})

/** A stored broadcast as the server sends it (`meta.id`, and `replayed` when replayed at join). */
const row = (id: string, replayed = false) => ({ type: 'broadcast', event: 'order', payload: { id }, meta: replayed ? { id, replayed: true } : { id } })

/** What the tab got, compactly: `sub:id` per message, `resync sub reason replayed complete` per notice. */
function log(events: TabEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.type === 'channel/event') return [`${e.subscriptionId}:${(JSON.parse((e.payload as { json: string }).json) as { payload: { id: string } }).payload.id}`]
    if (e.type === 'channel/resync') return [`resync ${e.subscriptionId} ${e.reason} ${e.replayed} ${e.complete}`]
    return []
  })
}

async function joinedPrivate(ids: string[] = ['a', 'b']) {
  const setup = setupChannelGroup()
  for (const id of ids) setup.subscribe(id, undefined, PRIVATE)
  setup.group.join()
  setup.socket.channels[0].status('SUBSCRIBED')
  return setup
}

describe('recovery through replay', () => {
  it('rejoins a private channel with replay since the last message minus the skew margin, and catches every subscriber up once before the notice', async () => {
    const { group, socket, events } = await joinedPrivate()
    expect(socket.configs[0].broadcast?.replay).toBeUndefined()
    socket.channels[0].emit('broadcast', row('m1'))
    vi.advanceTimersByTime(1_000)
    const lastAt = Date.now()
    socket.channels[0].emit('broadcast', row('m2'))
    await vi.advanceTimersByTimeAsync(1)
    group.lost('socket closed')
    await vi.advanceTimersByTimeAsync(10_000)
    group.join()
    expect(socket.configs[1].broadcast?.replay).toEqual({ since: lastAt - CLOCK_SKEW_MARGIN_MS, limit: REPLAY_LIMIT })
    const rejoined = socket.channels[1]
    rejoined.status('SUBSCRIBED')
    // The overlap (m1, m2) was delivered before the outage; m3 and m4 are the gap; m5 is live.
    for (const id of ['m1', 'm2', 'm3', 'm4']) rejoined.emit('broadcast', row(id, true))
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events)).toEqual(['a:m1', 'b:m1', 'a:m2', 'b:m2'])
    rejoined.emit('broadcast', row('m5'))
    rejoined.emit('broadcast', row('m5'))
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events).slice(4)).toEqual(['a:m3', 'a:m4', 'resync a rejoined 2 true', 'b:m3', 'b:m4', 'resync b rejoined 2 true', 'a:m5', 'b:m5'])
    const notice = events.find((e) => e.type === 'channel/resync')
    expect(notice).toMatchObject({ since: lastAt + 1, until: lastAt + 10_002 })
    group.dispose()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('ends the replay after REPLAY_SETTLE_MS without a row, and a short replay is complete even without overlap', async () => {
    const { group, socket, events } = await joinedPrivate(['a'])
    group.lost('socket closed')
    group.join()
    socket.channels[1].status('SUBSCRIBED')
    socket.channels[1].emit('broadcast', row('m1', true))
    await vi.advanceTimersByTimeAsync(REPLAY_SETTLE_MS - 1)
    expect(log(events)).toEqual([])
    // The flush to the tab runs one timer turn after the notice.
    await vi.advanceTimersByTimeAsync(2)
    expect(log(events)).toEqual(['a:m1', 'resync a rejoined 1 true'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('says complete: false when a full replay reaches no message the tabs had (the gap is longer than the limit)', async () => {
    const { group, socket, events } = await joinedPrivate(['a'])
    socket.channels[0].emit('broadcast', row('old'))
    group.lost('socket closed')
    group.join()
    socket.channels[1].status('SUBSCRIBED')
    for (let i = 0; i < REPLAY_LIMIT; i++) socket.channels[1].emit('broadcast', row(`r${i}`, true))
    // The limit ends the replay at once: no settle timer needed.
    await vi.advanceTimersByTimeAsync(1)
    const got = log(events)
    expect(got.at(-1)).toBe(`resync a rejoined ${REPLAY_LIMIT} false`)
    expect(got.filter((e) => e.startsWith('a:r'))).toHaveLength(REPLAY_LIMIT)
  })

  it('never says complete when the channel also carries Postgres changes', async () => {
    const { group, socket, subscribe, events } = setupChannelGroup()
    subscribe('a', [{ id: 1, type: 'broadcast', filter: { event: '*' } }, { id: 2, type: 'postgres_changes', filter: todos }], PRIVATE)
    group.join()
    socket.channels[0].status('SUBSCRIBED')
    socket.channels[0].emit('broadcast', row('m1'))
    group.lost('socket closed')
    group.join()
    expect(socket.configs[1].broadcast?.replay).toBeDefined()
    socket.channels[1].status('SUBSCRIBED')
    socket.channels[1].emit('broadcast', row('m1', true))
    socket.channels[1].emit('broadcast', row('m2', true))
    await vi.advanceTimersByTimeAsync(REPLAY_SETTLE_MS + 1)
    expect(log(events)).toEqual(['a:m1', 'a:m2', 'resync a rejoined 1 false'])
  })

  it('never asks a public channel, or one without broadcast listeners, for a replay', async () => {
    const { group, socket, subscribe, events } = setupChannelGroup()
    subscribe('a')
    group.join()
    socket.channels[0].status('SUBSCRIBED')
    socket.channels[0].emit('broadcast', row('m1'))
    group.lost('socket closed')
    group.join()
    socket.channels[1].status('SUBSCRIBED')
    await vi.advanceTimersByTimeAsync(1)
    expect(socket.configs[1].broadcast?.replay).toBeUndefined()
    expect(log(events)).toEqual(['a:m1', 'resync a rejoined 0 false'])

    const presenceOnly = setupChannelGroup()
    presenceOnly.subscribe('p', [{ id: 1, type: 'presence', filter: { event: 'sync' } }], PRIVATE)
    presenceOnly.group.join()
    presenceOnly.socket.channels[0].status('SUBSCRIBED')
    presenceOnly.group.lost('socket closed')
    presenceOnly.group.join()
    expect(presenceOnly.socket.configs[1].broadcast?.replay).toBeUndefined()
  })

  it("joins first with the app's own replay, and replaces it with the hub's after an outage", async () => {
    const { group, socket, subscribe } = setupChannelGroup()
    subscribe('a', undefined, { config: { private: true, broadcast: { replay: { since: 5, limit: 3 } } } })
    group.join()
    expect(socket.configs[0].broadcast?.replay).toEqual({ since: 5, limit: 3 })
    socket.channels[0].status('SUBSCRIBED')
    // The app's replayed rows are delivered as supabase-js delivers them.
    socket.channels[0].emit('broadcast', row('m1', true))
    group.lost('socket closed')
    group.join()
    expect(socket.configs[1].broadcast?.replay).toEqual({ since: T0 - CLOCK_SKEW_MARGIN_MS, limit: REPLAY_LIMIT })
  })

  it('keeps what is owed when the socket drops again mid-replay, and notifies once', async () => {
    const { group, socket, events } = await joinedPrivate(['a'])
    socket.channels[0].emit('broadcast', row('m1'))
    group.lost('socket closed')
    group.join()
    socket.channels[1].status('SUBSCRIBED')
    socket.channels[1].emit('broadcast', row('m1', true))
    group.lost('socket closed again')
    await vi.advanceTimersByTimeAsync(REPLAY_SETTLE_MS * 2)
    expect(log(events)).toEqual(['a:m1'])
    group.join()
    expect(socket.configs[2].broadcast?.replay?.since).toBe(T0 - CLOCK_SKEW_MARGIN_MS)
    socket.channels[2].status('SUBSCRIBED')
    socket.channels[2].emit('broadcast', row('m1', true))
    socket.channels[2].emit('broadcast', row('m2', true))
    socket.channels[2].emit('broadcast', row('m3'))
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events)).toEqual(['a:m1', 'a:m2', 'resync a rejoined 1 true', 'a:m3'])
  })

  it('rejoins without replay when the server cannot replay, instead of failing the channel', async () => {
    const { group, socket, events, backoff } = await joinedPrivate(['a'])
    socket.channels[0].emit('broadcast', row('m1'))
    group.lost('socket closed')
    group.join()
    expect(socket.configs[1].broadcast?.replay).toBeDefined()
    socket.channels[1].status('CHANNEL_ERROR', Object.assign(new Error('refused'), { cause: { reason: 'UnableToReplayMessages: Realtime was unable to replay messages' } }))
    expect(group.state).toBe('errored')
    await vi.advanceTimersByTimeAsync(backoff.mock.results.at(-1)!.value as number)
    expect(socket.configs[2].broadcast?.replay).toBeUndefined()
    socket.channels[2].status('SUBSCRIBED')
    socket.channels[2].emit('broadcast', row('m2'))
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events)).toEqual(['a:m1', 'resync a rejoined 0 false', 'a:m2'])
  })

  it("keeps at most LOG_MAX_CHARS of payload in the log: a tab whose last message fell out is caught up but not complete", async () => {
    const { group, socket, subscribe, events } = setupChannelGroup()
    subscribe('a', undefined, PRIVATE)
    group.join()
    socket.channels[0].status('SUBSCRIBED')
    const big = (id: string) => ({ ...row(id), payload: { id, blob: 'x'.repeat(LOG_MAX_CHARS / 2) } })
    for (const id of ['b1', 'b2', 'b3']) socket.channels[0].emit('broadcast', big(id))
    subscribe('late', undefined, { ...PRIVATE, resume: { since: T0, lastAt: T0, ids: ['b1'] } })
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events).filter((e) => e.startsWith('late') || e.startsWith('resync'))).toEqual(['late:b3', 'resync late hub-restarted 1 false'])
  })
})

describe('after a hub restart', () => {
  it("replays from the tab's hint, delivers only what follows the newest message it had, and catches a late tab up from the log", async () => {
    const { group, socket, subscribe, events } = setupChannelGroup()
    subscribe('a', undefined, { ...PRIVATE, resume: { since: T0 - 2_000, lastAt: T0 - 3_000, ids: ['m1', 'm2'] } })
    group.join()
    expect(socket.configs[0].broadcast?.replay).toEqual({ since: T0 - 3_000 - CLOCK_SKEW_MARGIN_MS, limit: REPLAY_LIMIT })
    socket.channels[0].status('SUBSCRIBED')
    for (const id of ['m1', 'm2', 'm3']) socket.channels[0].emit('broadcast', row(id, true))
    await vi.advanceTimersByTimeAsync(REPLAY_SETTLE_MS + 1)
    expect(log(events)).toEqual(['a:m3', 'resync a hub-restarted 1 true'])
    expect(events.find((e) => e.type === 'channel/resync')).toMatchObject({ since: T0 - 2_000 })
    // Another tab re-registers after the replay: it knew m1 only.
    subscribe('b', undefined, { ...PRIVATE, resume: { since: T0 - 2_000, lastAt: T0 - 4_000, ids: ['m1'] } })
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events).slice(2)).toEqual(['b:m2', 'b:m3', 'resync b hub-restarted 2 true'])
    // A tab whose messages are all older than the log cannot be told its window is complete.
    subscribe('c', undefined, { ...PRIVATE, resume: { since: T0 - 2_000, lastAt: T0 - 9_000, ids: ['m0'] } })
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events).slice(5)).toEqual(['c:m1', 'c:m2', 'c:m3', 'resync c hub-restarted 3 false'])
    expect(socket.channels).toHaveLength(1)
  })

  it('a hinted public channel hears one notice with nothing replayed', async () => {
    const { group, socket, subscribe, events } = setupChannelGroup()
    subscribe('a', undefined, { resume: { since: T0 - 2_000, lastAt: null, ids: [] } })
    group.join()
    expect(socket.configs[0].broadcast?.replay).toBeUndefined()
    socket.channels[0].status('SUBSCRIBED')
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events)).toEqual(['resync a hub-restarted 0 false'])
  })
})

describe('a stalled tab', () => {
  it('is caught up from the log with what arrived since its stall, then one complete notice', async () => {
    const { group, socket, events } = await joinedPrivate(['a'])
    socket.channels[0].emit('broadcast', row('m1'))
    vi.advanceTimersByTime(100)
    const stalledAt = Date.now()
    socket.channels[0].emit('broadcast', row('m2'))
    socket.channels[0].emit('broadcast', row('m3'))
    await vi.advanceTimersByTimeAsync(1)
    // (The tab session dropped m2 and m3 for the stalled tab; here they reached the recording tab.)
    expect(group.caughtUp('a', stalledAt)).toBe(true)
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events)).toEqual(['a:m1', 'a:m2', 'a:m3', 'a:m2', 'a:m3', 'resync a tab-stalled 2 true'])
  })

  it('is not complete when the log no longer reaches back to the stall, and is left to the plain notice on a public channel', async () => {
    const { group, socket, events } = await joinedPrivate(['a'])
    const stalledAt = Date.now()
    vi.advanceTimersByTime(1)
    const big = (id: string) => ({ ...row(id), payload: { id, blob: 'x'.repeat(LOG_MAX_CHARS / 2) } })
    for (const id of ['b1', 'b2', 'b3']) socket.channels[0].emit('broadcast', big(id))
    expect(group.caughtUp('a', stalledAt)).toBe(true)
    await vi.advanceTimersByTimeAsync(1)
    expect(log(events).at(-1)).toBe('resync a tab-stalled 1 false')

    const open = setupChannelGroup()
    open.subscribe('p')
    open.group.join()
    open.socket.channels[0].status('SUBSCRIBED')
    expect(open.group.caughtUp('p', Date.now())).toBe(false)
  })
})

describe('catchUpFrom', () => {
  it('starts after the newest known message, or at the start when none is known', () => {
    const entries = [{ id: 'a' }, { id: 'b' }, { id: 'c' }]
    expect(catchUpFrom(entries, new Set(['a', 'b']))).toEqual({ start: 2, anchored: true })
    expect(catchUpFrom(entries, new Set(['c']))).toEqual({ start: 3, anchored: true })
    expect(catchUpFrom(entries, new Set(['z']))).toEqual({ start: 0, anchored: false })
  })
})
