/**
 * Leader election over a Web Locks stand-in and Node's BroadcastChannel: one tab leads and runs the
 * hub, the others reach it through virtual ports (a transferred port included), fencing by epoch,
 * failover when the leader's lock is released, and junk on the channels ignored and counted.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Comlink from 'comlink'
import { createHub, type Hub } from '@shared-realtime/worker'
import { Election, type ElectionEnv, type LeaderHub } from '../../src/leader/election.ts'
import { CONTROL_CHANNEL, LINK_VERSION, linkChannelName, linkStats } from '../../src/leader/link-frames.ts'
import { VirtualLink } from '../../src/leader/virtual-link.ts'
import { LEADER_HIDDEN_HANDOVER_MS } from '../../src/leader/handover.ts'
import { FakeLocks } from '../../../worker/test/support/fake-locks.ts'

const open: { close(): void }[] = []
const elections: Election[] = []
const channel = (name: string) => {
  const c = new BroadcastChannel(name)
  open.push(c)
  return c
}
const tick = (ms = 40) => new Promise((r) => setTimeout(r, ms))

afterEach(() => {
  for (const e of elections.splice(0)) e.close()
  for (const c of open.splice(0)) c.close()
})

/** A tab: an Election whose hub (when it leads) is a real hub in memory. `abdicate` releases its lock. */
/** The origin's localStorage stand-in for the last leader epoch, per lock manager (one origin). */
const lastEpochs = new WeakMap<FakeLocks, { value: number }>()

function tab(locks: FakeLocks, hidden = false) {
  const stored = lastEpochs.get(locks) ?? { value: 0 }
  lastEpochs.set(locks, stored)
  const hubs: Hub[] = []
  let release: () => void = () => {}
  const lockView: ElectionEnv['locks'] = {
    request: (name, options, callback) =>
      locks.request(name, options, async (lock) => {
        const result = callback(lock)
        if (!lock) return result
        // Hold until the test "closes" the tab, or the callback lets go (a leader abdicating).
        await Promise.race([result, new Promise<void>((resolve) => (release = resolve))])
      }),
  }
  // The page's visibility, and a fake clock for the handover timeout (other timers are real).
  const visibility = new Set<() => void>()
  const handoverTimers = new Set<{ run: () => void }>()
  const setHidden = (value: boolean) => {
    hidden = value
    for (const listener of [...visibility]) listener()
  }
  const election = new Election({
    locks: lockView,
    Channel: class {
      constructor(name: string) {
        return channel(name)
      }
    } as unknown as ElectionEnv['Channel'],
    startHub: async (): Promise<LeaderHub> => {
      const hub = createHub()
      hubs.push(hub)
      return hub
    },
    hidden: () => hidden,
    onVisibilityChange: (listener) => {
      visibility.add(listener)
      return () => visibility.delete(listener)
    },
    visible: () =>
      new Promise<void>((resolve) => {
        const check = () => !hidden && (visibility.delete(check), resolve())
        visibility.add(check)
        check()
      }),
    lastEpoch: { read: () => stored.value, write: (epoch) => void (stored.value = epoch) },
    setTimeout: (cb, ms) => {
      if (ms !== LEADER_HIDDEN_HANDOVER_MS) return setTimeout(cb, ms)
      const timer = { run: cb }
      handoverTimers.add(timer)
      return timer
    },
    clearTimeout: (id) => (handoverTimers.delete(id as { run: () => void }) ? undefined : clearTimeout(id as ReturnType<typeof setTimeout>)),
  })
  elections.push(election)
  /** The handover timeout passes: runs the timers due then. */
  const elapse = () => {
    for (const timer of [...handoverTimers]) handoverTimers.delete(timer) && timer.run()
  }
  return { election, hubs, close: () => release(), setHidden, elapse, handoverTimers }
}

async function ping(endpoint: Comlink.Endpoint): Promise<unknown> {
  const remote = Comlink.wrap<{ ping(): Promise<{ ok: boolean; value: string }> }>(endpoint)
  return (await remote.ping()).value
}

describe('leader election', () => {
  it('the first tab leads and runs the hub; the next follows it over BroadcastChannel with the same API', async () => {
    const locks = new FakeLocks()
    const a = tab(locks)
    const b = tab(locks)
    const leader = await a.election.endpoint()
    const follower = await b.election.endpoint()
    expect(leader.mode).toBe('leader')
    expect(follower.mode).toBe('follower')
    expect(a.hubs).toHaveLength(1)
    expect(b.hubs).toHaveLength(0)
    const epoch = a.hubs[0].epoch
    expect(await ping(leader as unknown as Comlink.Endpoint)).toBe(epoch)
    expect(await ping(follower as unknown as Comlink.Endpoint)).toBe(epoch)
    expect(follower.leaderEpoch).toBe(a.election.leaderEpoch)
    follower.close?.()
    for (const hub of a.hubs) hub.close()
  })

  it('when the leader goes, the next tab in line leads with a larger epoch and new endpoints reach it', async () => {
    const locks = new FakeLocks()
    const a = tab(locks)
    const b = tab(locks)
    await a.election.endpoint()
    await b.election.endpoint()
    const first = a.election.leaderEpoch!
    a.close()
    for (const hub of a.hubs) hub.close()
    await tick(80)
    expect(b.election.isLeader).toBe(true)
    expect(b.election.leaderEpoch).toBeGreaterThan(first)
    const c = tab(locks)
    const follower = await c.election.endpoint()
    expect(await ping(follower as unknown as Comlink.Endpoint)).toBe(b.hubs[0].epoch)
    expect(follower.leaderEpoch).toBe(b.election.leaderEpoch)
    follower.close?.()
    for (const hub of b.hubs) hub.close()
  })

  it('a hidden tab joins the line late, so a visible tab that asks meanwhile leads next', async () => {
    const locks = new FakeLocks()
    const a = tab(locks)
    await a.election.endpoint()
    const hidden = tab(locks, true)
    await tick()
    const visible = tab(locks)
    await tick()
    a.close()
    await tick(80)
    expect(visible.election.isLeader).toBe(true)
    expect(hidden.election.isLeader).toBe(false)
    for (const hub of [...a.hubs, ...visible.hubs]) hub.close()
  })

  it('the leader drops a follower\'s link when the follower closes it, or when its page is gone without a word', async () => {
    const locks = new FakeLocks()
    const a = tab(locks)
    const b = tab(locks)
    await a.election.endpoint()
    const polite = await b.election.endpoint()
    const crashing = await b.election.endpoint()
    expect(await ping(polite as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    expect(await ping(crashing as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    expect(a.election.linkCount).toBe(2)
    polite.close?.()
    await tick()
    expect(a.election.linkCount).toBe(1)
    // A crash: the browser releases the page's locks, and no close frame is sent.
    locks.crash('shared-realtime:link-open:')
    await tick()
    expect(a.election.linkCount).toBe(0)
    for (const hub of a.hubs) hub.close()
  })

  it('ignores and counts junk on the control and link channels, and frames of another epoch', async () => {
    const locks = new FakeLocks()
    const a = tab(locks)
    const b = tab(locks)
    await a.election.endpoint()
    const follower = await b.election.endpoint()
    expect(await ping(follower as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    const before = linkStats.ignored
    const stranger = channel(CONTROL_CHANNEL)
    stranger.postMessage('hello')
    stranger.postMessage({ sr: 99, kind: 'connect', link: 'x' })
    stranger.postMessage({ sr: LINK_VERSION, kind: 'connect' })
    await tick()
    // Every election on the channel counts each: two tabs here.
    expect(linkStats.ignored - before).toBe(6)
    expect(await ping(follower as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    follower.close?.()
    for (const hub of a.hubs) hub.close()
  })
})

describe('a leader hidden too long hands over to a visible tab', () => {
  const closeHubs = (...tabs: { hubs: Hub[] }[]) => {
    for (const t of tabs) for (const hub of t.hubs.splice(0)) hub.close()
  }

  it('abdicates after the timeout when a follower is visible: the visible tab leads with a new epoch, ahead of a hidden tab queued before it, and everyone reaches it', async () => {
    const locks = new FakeLocks()
    const a = tab(locks)
    const hidden = tab(locks)
    const visible = tab(locks)
    await a.election.endpoint()
    const hiddenFollower = await hidden.election.endpoint()
    const visibleFollower = await visible.election.endpoint()
    expect(await ping(hiddenFollower as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    expect(await ping(visibleFollower as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    // The user switched to the third tab: the second (in line first) and the leader are hidden.
    hidden.setHidden(true)
    a.setHidden(true)
    await tick()
    expect(a.handoverTimers.size).toBe(1)
    const first = a.election.leaderEpoch!
    a.elapse()
    await tick(120)
    expect(a.election.isLeader).toBe(false)
    expect(hidden.election.isLeader).toBe(false)
    expect(visible.election.isLeader).toBe(true)
    expect(visible.election.leaderEpoch).toBeGreaterThan(first)
    // The old leader's page and the followers reconnect (as their clients do when the hub's lock goes).
    for (const t of [a, hidden, visible]) {
      const endpoint = await t.election.endpoint()
      expect(endpoint.mode).toBe(t === visible ? 'leader' : 'follower')
      expect(await ping(endpoint as unknown as Comlink.Endpoint)).toBe(visible.hubs[0].epoch)
      endpoint.close?.()
    }
    // The old leader queued again, as a hidden tab: it leads when the visible one goes and the hidden one passes it by.
    locks.crash('shared-realtime:leader:')
    await tick(120)
    expect(locks.held('shared-realtime:leader:v1')).toBe(false)
    await tick(2_300)
    expect([a, hidden].filter((t) => t.election.isLeader)).toHaveLength(1)
    hiddenFollower.close?.()
    visibleFollower.close?.()
    closeHubs(a, hidden, visible)
  })

  it('keeps leading while no follower is visible, and hands over once one becomes visible', async () => {
    const locks = new FakeLocks()
    const a = tab(locks)
    const b = tab(locks, true)
    await a.election.endpoint()
    const follower = await b.election.endpoint()
    expect(await ping(follower as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    a.setHidden(true)
    a.elapse()
    await tick(120)
    expect(a.election.isLeader).toBe(true)
    expect(b.election.isLeader).toBe(false)
    b.setHidden(false)
    await tick(120)
    expect(a.election.isLeader).toBe(false)
    expect(b.election.isLeader).toBe(true)
    follower.close?.()
    closeHubs(a, b)
  })

  it('keeps leading when it becomes visible before the timeout (timer cleared), and leaves no timer after close', async () => {
    const locks = new FakeLocks()
    const a = tab(locks)
    const b = tab(locks)
    await a.election.endpoint()
    const follower = await b.election.endpoint()
    expect(await ping(follower as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    a.setHidden(true)
    expect(a.handoverTimers.size).toBe(1)
    a.setHidden(false)
    expect(a.handoverTimers.size).toBe(0)
    a.elapse()
    await tick(120)
    expect(a.election.isLeader).toBe(true)
    expect(await ping(follower as unknown as Comlink.Endpoint)).toBe(a.hubs[0].epoch)
    a.setHidden(true)
    expect(a.handoverTimers.size).toBe(1)
    a.election.close()
    expect(a.handoverTimers.size).toBe(0)
    follower.close?.()
    closeHubs(a, b)
  })
})

describe('virtual link', () => {
  it('carries a transferred MessagePort across as a virtual port, both ways, and drops frames of another epoch', async () => {
    const name = linkChannelName(crypto.randomUUID())
    const received: { data: unknown; ports: MessagePort[] }[] = []
    const left = new VirtualLink({ channel: channel(name), epoch: () => 7, accepts: (e) => e === 7, onMain: () => {} })
    const right = new VirtualLink({ channel: channel(name), epoch: () => 7, accepts: (e) => e === 7, onMain: (data, ports) => received.push({ data, ports }) })
    const { port1, port2 } = new MessageChannel()
    left.send('main', { hello: 1, port: port2 }, [port2])
    await tick()
    expect(received).toHaveLength(1)
    const [{ data, ports }] = received
    const far = (data as { port: MessagePort }).port
    expect(far).toBe(ports[0])
    // Far end → near end, and back.
    const nearGot: unknown[] = []
    port1.onmessage = (e) => nearGot.push(e.data)
    far.postMessage({ seq: 1 })
    await tick()
    expect(nearGot).toEqual([{ seq: 1 }])
    const farGot: unknown[] = []
    far.onmessage = (e) => farGot.push(e.data)
    port1.postMessage(16)
    await tick()
    expect(farGot).toEqual([16])
    // A stale leader's frame on the link: ignored and counted.
    const before = linkStats.ignored
    channel(name).postMessage({ sr: LINK_VERSION, kind: 'msg', epoch: 6, port: 'main', data: 'stale', ports: [] })
    await tick()
    expect(received).toHaveLength(1)
    expect(linkStats.ignored - before).toBe(2)
    port1.close()
    left.close()
    right.close()
  })
})
