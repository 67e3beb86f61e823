/** Builds a Publisher over a fake server channel, a real outbox in memory and the system clock (use fake timers). */
import { vi } from 'vitest'
import type { RealtimeChannel } from '@supabase/realtime-js'
import { systemClock } from '../../src/clock.ts'
import { Publisher } from '../../src/channels/publisher.ts'
import { Pacer } from '../../src/channels/pacer.ts'
import { HubMetrics } from '../../src/health/metrics.ts'
import { Outbox } from '../../src/outbox/outbox.ts'
import { createMemoryOutboxStore } from '../../src/outbox/outbox-store-memory.ts'
import { createTopicOutbox } from '../../src/outbox/topic-outbox.ts'
import { resolveHubOptions } from '../../src/input/hub-options.ts'
import type { RealtimeErrorPayload } from '../../src/protocol/errors.ts'
import type { EncodedPayload } from '../../src/protocol/delivery-port.ts'
import type { HubOptions } from '../../src/protocol/options.ts'

type Reply = 'ok' | 'error' | 'timed out' | 'never'

/** A server channel whose `send()` answers with `reply` (or never), recording what was pushed. */
export function fakeChannel() {
  const sent: { event: string; payload: unknown }[] = []
  const channel = {
    reply: 'ok' as Reply,
    sent,
    send: vi.fn(async (message: { event: string; payload: unknown }) => {
      sent.push({ event: message.event, payload: message.payload })
      if (channel.reply === 'never') return new Promise<string>(() => {})
      return channel.reply
    }),
  }
  return channel
}

export function setupPublisher(options: HubOptions = {}) {
  const resolved = resolveHubOptions({ timeoutMs: 500, ...options })
  const outbox = new Outbox({ project: 'p', store: createMemoryOutboxStore(), maxSize: resolved.outbox.maxSize, now: () => systemClock.now() })
  const metrics = new HubMetrics(systemClock)
  const channel = fakeChannel()
  const echoes: { sender: string | null; event: string; payload: EncodedPayload }[] = []
  const errors: RealtimeErrorPayload[] = []
  const state = { canPush: true, drained: 0 }
  const publisher = new Publisher({
    topic: 'room',
    clock: systemClock,
    metrics,
    eventPacer: new Pacer(resolved.limits.eventsPerSecond, systemClock.now()),
    outbox: createTopicOutbox(outbox, { project: 'p', topic: 'room', user: () => null, now: () => systemClock.now() }),
    options: () => resolved,
    channel: () => channel as unknown as RealtimeChannel,
    canPush: () => state.canPush,
    isPrivate: () => false,
    echo: (sender, event, payload) => echoes.push({ sender, event, payload }),
    onError: (error) => errors.push(error),
    drained: () => state.drained++,
  })
  return { publisher, outbox, metrics, channel, echoes, errors, state }
}
