import { describe, expect, it } from 'vitest'
import { Subscriptions } from '../../../src/channels/subscriptions.ts'
import { TabSession } from '../../../src/tabs/tab-session.ts'
import { recordingPort } from '../../support/socket-hub.ts'
import type { SubscribeRequest, TabEvent } from '../../../src/protocol/wire.ts'

const request = (id: string, config: SubscribeRequest['config'] = {}): SubscribeRequest => ({ subscriptionId: id, topic: 'room', config, bindings: [{ id: 1, type: 'broadcast', filter: { event: '*' } }] })

describe('subscriptions of a topic', () => {
  it('refuses to mix public and private subscribers of one name, and takes either once empty', () => {
    const subs = new Subscriptions(null)
    const tab = new TabSession({ tabId: 't', port: recordingPort(), now: () => 0 })
    subs.add(tab, request('a', { private: true }))
    expect(subs.conflictWith(request('b'))).toMatchObject({ code: 'channel-rejected', message: expect.stringContaining('already subscribed as private') })
    expect(subs.conflictWith(request('b', { private: true }))).toBeNull()
    subs.delete('a')
    expect(subs.conflictWith(request('b'))).toBeNull()
    tab.close()
  })

  it('builds the join from every subscriber, or a bare join of the known privacy for the outbox', () => {
    expect(new Subscriptions(true).shapes()).toEqual([{ config: { private: true }, bindings: [] }])
    const subs = new Subscriptions(null)
    const tab = new TabSession({ tabId: 't', port: recordingPort(), now: () => 0 })
    subs.add(tab, request('a', { broadcast: { self: true } }))
    expect(subs.shapes()).toEqual([{ config: { broadcast: { self: true } }, bindings: request('a').bindings }])
    expect(subs.get('a')?.self).toBe(true)
    tab.close()
  })

  it('tells every subscriber a status, with the error when there is one', async () => {
    const events: TabEvent[] = []
    const tab = new TabSession({ tabId: 't', port: recordingPort(events), now: () => 0 })
    const subs = new Subscriptions(null)
    subs.add(tab, request('a'))
    subs.add(tab, request('b'))
    subs.tellAll('CHANNEL_ERROR', { code: 'connection-lost', message: 'gone', retryable: true })
    await new Promise((r) => setTimeout(r, 5))
    expect(events).toEqual(['a', 'b'].map((id) => ({ type: 'channel/status', subscriptionId: id, status: 'CHANNEL_ERROR', error: { code: 'connection-lost', message: 'gone', retryable: true } })))
    tab.close()
  })
})
