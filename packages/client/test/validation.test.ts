/**
 * Arguments are checked in the tab, where the app gave them (the hub does not check again): a bad one
 * is a typed `invalid-argument` at the call, and nothing reaches the hub.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createSharedRealtime } from '../src/index.ts'
import type { SubscribeStatus } from '@shared-realtime/worker/protocol'
import type { RealtimeError } from '../src/errors.ts'
import { setupClient, type ClientHandle } from './support/setup-client.ts'

let client: ClientHandle | undefined

afterEach(async () => {
  await client?.cleanup()
  client = undefined
})

describe('checked in the tab', () => {
  it('hub options: createSharedRealtime() throws at once, naming the option', () => {
    expect(() => createSharedRealtime('http://127.0.0.1:1', 'anon-key', { heartbeatIntervalMs: -5 })).toThrowError(
      expect.objectContaining({ code: 'invalid-argument', message: expect.stringContaining('heartbeatIntervalMs') }),
    )
  })

  it('a channel config the server would refuse: CHANNEL_ERROR with invalid-argument, and no subscribe reaches the hub', async () => {
    client = setupClient()
    await client.until(() => client!.hub.callsOf('hello').length === 1, 'hello')
    const statuses: [SubscribeStatus, RealtimeError | undefined][] = []
    client.realtime
      .channel('feed', { config: { broadcast: { replay: { since: 0 } } } })
      .on('broadcast', { event: '*' }, () => {})
      .subscribe((status, error) => statuses.push([status, error as RealtimeError | undefined]))
    await client.until(() => statuses.length === 1, 'the status')
    expect(statuses[0]![0]).toBe('CHANNEL_ERROR')
    expect(statuses[0]![1]).toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('replay on public channel') })
    expect(client.hub.callsOf('subscribe')).toEqual([])
  })

  it('send() and setAuth(): refused at the call, nothing reaches the hub', async () => {
    client = setupClient()
    await client.until(() => client!.hub.callsOf('hello').length === 1, 'hello')
    const channel = client.realtime.channel('room').subscribe()
    await client.until(() => client!.hub.callsOf('subscribe').length === 1, 'subscribe')
    await expect(channel.send({ type: 'broadcast', event: '' })).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(client.realtime.setAuth('  ')).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(client.realtime.configure({ hiddenDeliveryMs: -1 })).rejects.toMatchObject({ code: 'invalid-argument' })
    expect(client.hub.callsOf('send')).toEqual([])
    expect(client.hub.callsOf('setAuth')).toEqual([])
    expect(client.hub.callsOf('configure')).toEqual([])
  })
})
