/** Hubs of two deploys announce their protocol versions; the older hears of the newer once; junk is counted. */
import { describe, expect, it } from 'vitest'
import { announceVersion, VERSION_CHANNEL_NAME } from '../../../src/deploy/version-announcer.ts'
import { FakeBus } from '../../support/fake-locks.ts'

const tick = () => new Promise((r) => setTimeout(r, 5))

describe('version announcer', () => {
  it('an old hub started first hears of a newer one as soon as it announces, once', async () => {
    const bus = new FakeBus()
    const heard: number[] = []
    const old = announceVersion(bus.channel(VERSION_CHANNEL_NAME), { protocol: 2, epoch: 'old' }, (p) => heard.push(p))
    await tick()
    expect(heard).toEqual([])
    const fresh = announceVersion(bus.channel(VERSION_CHANNEL_NAME), { protocol: 3, epoch: 'new' }, () => heard.push(-1))
    await tick()
    expect(heard).toEqual([3])
    expect(old.newer).toBe(3)
    expect(fresh.newer).toBeNull()
    announceVersion(bus.channel(VERSION_CHANNEL_NAME), { protocol: 3, epoch: 'another-new-tab' }, () => heard.push(-2))
    await tick()
    expect(heard).toEqual([3])
  })

  it('an old hub started after the newer one learns of it from the newer hub\'s answer', async () => {
    const bus = new FakeBus()
    announceVersion(bus.channel(VERSION_CHANNEL_NAME), { protocol: 3, epoch: 'new' }, () => {})
    await tick()
    const heard: number[] = []
    announceVersion(bus.channel(VERSION_CHANNEL_NAME), { protocol: 2, epoch: 'old' }, (p) => heard.push(p))
    await tick()
    await tick()
    expect(heard).toEqual([3])
  })

  it('ignores and counts messages of another shape', async () => {
    const bus = new FakeBus()
    const heard: number[] = []
    const hub = announceVersion(bus.channel(VERSION_CHANNEL_NAME), { protocol: 2, epoch: 'me' }, (p) => heard.push(p))
    const stranger = bus.channel(VERSION_CHANNEL_NAME)
    for (const junk of [null, 42, { sr: 'hub', protocol: '3', epoch: 'x' }, { sr: 'other', protocol: 3, epoch: 'x' }]) stranger.postMessage(junk)
    await tick()
    expect(hub.ignored).toBe(4)
    expect(heard).toEqual([])
  })
})
