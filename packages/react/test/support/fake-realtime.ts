/**
 * A stand-in for SharedRealtime in hook unit tests: real SharedChannel objects on a stub host that
 * records every join, leave, track and untrack, and lets the test answer with statuses and events.
 */
import { SharedChannel, type ChannelHost } from '../../../client/src/channel.ts'
import { RealtimeError } from '../../../client/src/errors.ts'
import { Listeners } from '../../../client/src/disposable.ts'
import { encodePayload } from '../../../worker/src/protocol/delivery.ts'
import { DEFAULT_HUB_OPTIONS, type HealthSnapshot } from '../../../worker/src/protocol/index.ts'
import type { RealtimeLike } from '../../src/realtime-like.ts'

export interface FakeRealtime extends RealtimeLike {
  joins: string[]
  leaves: string[]
  tracks: { topic: string; payload: Record<string, unknown> | null }[]
  statuses: Map<string, string[]>
  reported: RealtimeError[]
  channels: Map<string, SharedChannel>
  ack(name: string, status?: 'SUBSCRIBED' | 'CHANNEL_ERROR' | 'CLOSED'): void
  deliver(name: string, payload: unknown, presence?: Record<string, unknown[]>): void
  setHealth(patch: Partial<HealthSnapshot>): void
  announceUpdate(protocol: number): void
}

export function createFakeRealtime(): FakeRealtime {
  let n = 0
  const joins: string[] = []
  const leaves: string[] = []
  const tracks: FakeRealtime['tracks'] = []
  const reported: RealtimeError[] = []
  const channels = new Map<string, SharedChannel>()
  const health = new Listeners<HealthSnapshot>()
  const updates = new Listeners<{ protocol: number }>()
  let snapshot: HealthSnapshot = {
    status: 'connecting', reason: 'test', latency: null, quality: 'offline', subscriptionCount: 0, channelCount: 0, tabCount: 1,
    queueSize: 0, errorCount: 0, reconnectAttempts: 0, circuit: 'closed', lastError: null, uptimeMs: 0, at: 0, epoch: 'e',
    outbox: { size: 0, oldestAgeMs: null, dropped: 0, expired: 0, storage: 'memory' }, options: DEFAULT_HUB_OPTIONS,
    deliveryBatching: false,
  }
  const topicOf = (id: string) => [...channels.values()].find((c) => c.subscriptionId === id)?.subTopic ?? '?'
  const host: ChannelHost = {
    closed: false,
    storage: 'memory',
    newId: () => `sub-${++n}`,
    join: async (channel) => void joins.push(channel.subTopic),
    addBindings: async () => {},
    leave: async (channel) => void leaves.push(channel.subTopic),
    send: async () => 'ok',
    track: async (id, payload) => {
      tracks.push({ topic: topicOf(id), payload })
      return 'ok'
    },
    untrack: async (id) => {
      tracks.push({ topic: topicOf(id), payload: null })
      return 'ok'
    },
    forget: (channel) => void (channels.get(channel.subTopic) === channel && channels.delete(channel.subTopic)),
    reportError: (error) => void reported.push(error),
  }
  const fake: FakeRealtime = {
    joins,
    leaves,
    tracks,
    reported,
    channels,
    statuses: new Map(),
    channel(name, params = {}) {
      let channel = channels.get(name)
      if (!channel) {
        channel = new SharedChannel(host, name, params)
        channels.set(name, channel)
      }
      return channel
    },
    async removeChannel(channel) {
      const leaving = channel.unsubscribe()
      host.forget(channel)
      return leaving
    },
    getHealthStatus: () => snapshot,
    onHealthChange: (callback) => health.on(callback),
    reportError: (error) => host.reportError(error),
    ack(name, status = 'SUBSCRIBED') {
      const channel = channels.get(name)
      if (!channel?.subscriptionId) throw new Error(`no subscription for ${name}`)
      channel.handle({ type: 'channel/status', subscriptionId: channel.subscriptionId, status })
    },
    deliver(name, payload, presence) {
      const channel = channels.get(name)
      if (!channel?.subscriptionId) throw new Error(`no subscription for ${name}`)
      const bindingIds = matchingBindings(channel, payload)
      channel.handle({ type: 'channel/event', subscriptionId: channel.subscriptionId, bindingIds, payload: encodePayload(payload), ...(presence ? { presence } : {}) })
    },
    onUpdateAvailable: (callback) => updates.on(callback),
    announceUpdate: (protocol) => updates.emit({ protocol }),
    setHealth(patch) {
      snapshot = { ...snapshot, ...patch }
      health.emit(snapshot)
    },
  }
  return fake
}

/** The hub's matching, reduced to what the tests send: binding ids from the join request and later on() calls. */
function matchingBindings(channel: SharedChannel, payload: any): number[] {
  const request = channel.subscribeRequest()
  if (!request) return []
  const all = [...request.bindings]
  return all
    .filter((b) => {
      if (b.type === 'broadcast') return payload?.type === 'broadcast' && (b.filter.event === '*' || b.filter.event === payload.event)
      if (b.type === 'presence') return payload?.type === 'presence'
      if (b.type === 'postgres_changes') return payload?.eventType !== undefined
      return false
    })
    .map((b) => b.id)
}
