import { describe, expect, it } from 'vitest'
import { canReadBroadcasts, canReadPresence, isCurrent, isRealtimeTopic, roomKeyOf, subtopicOf } from '../../../src/realtime/channel.ts'
import { fakeJoin, fakeSubscriber } from '../../support/fake-channel.ts'

describe('channel', () => {
  it('names topics, subtopics and rooms as the real server does', () => {
    expect(isRealtimeTopic('realtime:room:1')).toBe(true)
    expect(isRealtimeTopic('phoenix')).toBe(false)
    expect(subtopicOf('realtime:room:1')).toBe('room:1')
    expect(subtopicOf('realtime:')).toBe('')
    expect(roomKeyOf('realtime:a', false)).toBe('public:realtime:a')
    expect(roomKeyOf('realtime:a', true)).toBe('private:realtime:a')
  })

  it('a channel is current while its socket holds it for its topic', () => {
    const socket = fakeSubscriber()
    const older = fakeJoin(socket, 'realtime:a')
    expect(isCurrent(older)).toBe(true)
    const newer = fakeJoin(socket, 'realtime:a')
    expect(isCurrent(older)).toBe(false)
    expect(isCurrent(newer)).toBe(true)
    socket.joins.delete('realtime:a')
    expect(isCurrent(newer)).toBe(false)
  })

  it('public channels read everything; private ones only what their read policies allow', () => {
    const socket = fakeSubscriber()
    expect(canReadBroadcasts(fakeJoin(socket, 'realtime:pub'))).toBe(true)
    expect(canReadPresence(fakeJoin(socket, 'realtime:pub'))).toBe(true)
    const unknown = fakeJoin(socket, 'realtime:p1', { private: true })
    expect(canReadBroadcasts(unknown)).toBe(false)
    expect(canReadPresence(unknown)).toBe(false)
    const broadcastOnly = fakeJoin(socket, 'realtime:p2', { private: true, policies: { broadcast: { read: true }, presence: { read: false } } })
    expect(canReadBroadcasts(broadcastOnly)).toBe(true)
    expect(canReadPresence(broadcastOnly)).toBe(false)
  })
})
