/** Builds a ChannelGroup on a fake ChannelSocket whose server channels the test drives, with one recording tab. */
import { vi } from 'vitest'
import type { RealtimeChannel } from '@supabase/realtime-js'
import { systemClock } from '../../src/clock.ts'
import { ChannelGroup } from '../../src/channels/channel-group.ts'
import type { ChannelSocket } from '../../src/channels/channel-deps.ts'
import { Pacer } from '../../src/channels/pacer.ts'
import { HubMetrics } from '../../src/health/metrics.ts'
import { Outbox } from '../../src/outbox/outbox.ts'
import { createMemoryOutboxStore } from '../../src/outbox/outbox-store-memory.ts'
import { createTopicOutbox } from '../../src/outbox/topic-outbox.ts'
import { resolveHubOptions } from '../../src/input/hub-options.ts'
import { TabSession } from '../../src/tabs/tab-session.ts'
import type { RealtimeErrorPayload } from '../../src/protocol/errors.ts'
import type { HubOptions } from '../../src/protocol/options.ts'
import type { BindingSpec, SubscribeRequest, TabEvent } from '../../src/protocol/wire.ts'
import { recordingPort } from './socket-hub.ts'

/** A server channel instance as realtime-js gives it, driven by the test: `status()` answers the join, `emit()` an event. */
export function fakeServerChannel() {
  let onStatus: (status: string, error?: Error) => void = () => {}
  const channel = {
    state: 'joining',
    listeners: [] as { type: string; filter: unknown; callback: (payload: unknown) => void }[],
    on(type: string, filter: unknown, callback: (payload: unknown) => void) {
      channel.listeners.push({ type, filter, callback })
      return channel
    },
    subscribe(callback: (status: string, error?: Error) => void) {
      onStatus = callback
      return channel
    },
    status(status: string, error?: Error) {
      channel.state = status === 'SUBSCRIBED' ? 'joined' : 'closed'
      onStatus(status, error)
    },
    emit(type: string, payload: unknown) {
      for (const l of channel.listeners) if (l.type === type) l.callback(payload)
    },
    send: vi.fn(async () => 'ok'),
    presenceState: () => ({}),
    track: vi.fn(async () => 'ok'),
    untrack: vi.fn(async () => 'ok'),
    unsubscribe: vi.fn(async () => 'ok'),
  }
  return channel
}

export type FakeServerChannel = ReturnType<typeof fakeServerChannel>

export function setupChannelGroup(options: HubOptions = {}) {
  const resolved = resolveHubOptions({ timeoutMs: 500, leaveGraceMs: 0, ...options })
  const channels: FakeServerChannel[] = []
  const removed: FakeServerChannel[] = []
  /** The `config` of each server channel, in order. */
  const configs: { broadcast?: { replay?: { since: number; limit?: number } } }[] = []
  const socket: ChannelSocket & { channels: FakeServerChannel[]; removed: FakeServerChannel[]; configs: typeof configs } = {
    channels,
    removed,
    configs,
    isOpen: () => true,
    channel: (_topic, config) => {
      const channel = fakeServerChannel()
      channels.push(channel)
      configs.push(config as (typeof configs)[number])
      return channel as unknown as RealtimeChannel
    },
    remove: (channel) => void removed.push(channel as unknown as FakeServerChannel),
  }
  const outbox = new Outbox({ project: 'p', store: createMemoryOutboxStore(), maxSize: 100, now: () => systemClock.now() })
  const metrics = new HubMetrics(systemClock)
  const errors: RealtimeErrorPayload[] = []
  const auth = { current: 'token-1' as string | null, token: () => auth.current, refresh: vi.fn() }
  const backoff = vi.fn((attempt: number) => attempt * 1000)
  const onClosed = vi.fn()
  const group = new ChannelGroup(
    {
      clock: systemClock,
      metrics,
      pacers: { join: new Pacer(100, systemClock.now()), events: new Pacer(100, systemClock.now()) },
      outbox: createTopicOutbox(outbox, { project: 'p', topic: 'room', user: () => null, now: () => systemClock.now() }),
      presenceKey: 'pk',
      options: () => resolved,
      socket: () => socket,
      canJoin: () => true,
      connected: () => true,
      backoff,
      auth,
      onError: (error) => errors.push(error),
      onChange: () => {},
      onClosed,
    },
    'room',
  )
  const events: TabEvent[] = []
  const tab = new TabSession({ tabId: 't', port: recordingPort(events), now: () => systemClock.now() })
  const subscribe = (id: string, bindings: BindingSpec[] = [{ id: 1, type: 'broadcast', filter: { event: '*' } }], more: Partial<SubscribeRequest> = {}) =>
    group.add(tab, { subscriptionId: id, topic: 'room', config: {}, bindings, ...more })
  return { group, socket, subscribe, events, metrics, errors, auth, backoff, onClosed, tab }
}
