/** The channel registry: lookups by topic and subscription, tracked presence, and what a new hub gets. */
import { describe, expect, it } from 'vitest'
import type { Result } from '@shared-realtime/worker/protocol'
import { SharedChannel } from '../src/channel.ts'
import { ChannelRegistry } from '../src/channel-registry.ts'
import type { HubCall } from '../src/hub/hub-connection.ts'
import type { HubRemote } from '../src/hub/hello.ts'
import { stubHost } from './support/stub-host.ts'

/** A HubCall that records which method each call used. */
function recordingCall(): { call: HubCall; made: [string, unknown[]][] } {
  const made: [string, unknown[]][] = []
  const api = new Proxy({} as HubRemote, {
    get: (_, method: string) => async (...args: unknown[]): Promise<Result<null>> => {
      made.push([method, args])
      return { ok: true, value: null }
    },
  })
  const call: HubCall = async (_what, body) => {
    const result = await body(api)
    if (!result.ok) throw new Error(result.error.message)
    return result.value
  }
  return { call, made }
}

describe('ChannelRegistry', () => {
  it('finds channels by topic and by subscription, and forgets only the channel that holds a topic', () => {
    const registry = new ChannelRegistry()
    const host = stubHost()
    const first = new SharedChannel(host, 'room').subscribe()
    registry.add(first)
    registry.joined(first.subscriptionId!, first)
    expect(registry.get('realtime:room')).toBe(first)
    expect(registry.bySubscription(first.subscriptionId!)).toBe(first)
    const second = new SharedChannel(host, 'room')
    registry.forget(second)
    expect(registry.get('realtime:room')).toBe(first)
    registry.forget(first)
    expect(registry.get('realtime:room')).toBeUndefined()
    expect(registry.all()).toEqual([])
  })

  it('re-registers live subscriptions and their tracked presence, and nothing that was left or untracked', async () => {
    const registry = new ChannelRegistry()
    const host = stubHost()
    const [tracked, untracked, left] = ['a', 'b', 'c'].map((name) => {
      const channel = new SharedChannel(host, name).subscribe()
      registry.add(channel)
      registry.joined(channel.subscriptionId!, channel)
      return channel
    }) as [SharedChannel, SharedChannel, SharedChannel]
    registry.track(tracked.subscriptionId!, { user: 'ada' })
    registry.track(untracked.subscriptionId!, { user: 'bob' })
    registry.track(untracked.subscriptionId!, null)
    await left.unsubscribe()
    const { call, made } = recordingCall()
    await registry.restore(call)
    expect(made.map(([method, args]) => [method, (args[0] as { topic?: string }).topic ?? args[0]])).toEqual([
      ['subscribe', 'a'],
      ['track', tracked.subscriptionId],
      ['subscribe', 'b'],
    ])
  })
})
