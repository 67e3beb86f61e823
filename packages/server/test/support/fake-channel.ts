import { emptyPolicies } from '../../src/db/authorization.ts'
import { roomKeyOf, type ChannelJoin, type Subscriber } from '../../src/realtime/channel.ts'
import type { Vsn } from '../../src/realtime/codec.ts'

/** A socket that records what the engine and the routers send it. */
export interface FakeSubscriber extends Subscriber {
  readonly joins: Map<string, ChannelJoin>
  pushes: { topic: string; event: string; payload: unknown }[]
  binaries: Uint8Array[]
  closedChannels: { topic: string; reason: string }[]
}

export function fakeSubscriber(vsn: Vsn = '2.0.0'): FakeSubscriber {
  const subscriber: FakeSubscriber = {
    vsn,
    joins: new Map(),
    pushes: [],
    binaries: [],
    closedChannels: [],
    push: (topic, event, payload) => void subscriber.pushes.push({ topic, event, payload }),
    sendBinary: (bytes) => void subscriber.binaries.push(bytes),
    closeChannel(join, reason) {
      subscriber.closedChannels.push({ topic: join.topic, reason })
      subscriber.joins.delete(join.topic)
    },
    close: () => {},
  }
  return subscriber
}

/** A channel joined on `session` (and registered in its joins), public unless `private` is given. */
export function fakeJoin(session: FakeSubscriber, topic: string, overrides: Partial<ChannelJoin> = {}): ChannelJoin {
  const isPrivate = overrides.private ?? false
  const join: ChannelJoin = {
    session,
    topic,
    subtopic: topic.replace(/^realtime:/, ''),
    private: isPrivate,
    roomKey: roomKeyOf(topic, isPrivate),
    joinRef: '1',
    self: false,
    ack: false,
    presenceEnabled: false,
    presenceKey: 'k',
    bindings: [],
    postgres: [],
    postgresReady: false,
    token: 't',
    claims: { role: 'anon', exp: 2_000_000_000 },
    presenceCalls: [],
    policies: emptyPolicies(),
    replayedIds: new Set(),
    ...overrides,
  }
  session.joins.set(topic, join)
  return join
}
