/** Builds a SocketHub on a FakeSocket with one tab whose deliveries are recorded. */
import { SocketHub } from '../../src/socket/socket-hub.ts'
import { TabSession } from '../../src/tabs/tab-session.ts'
import { createMemoryOutboxStore } from '../../src/outbox/outbox-store-memory.ts'
import { resolveHubOptions } from '../../src/input/hub-options.ts'
import type { HubOptions } from '../../src/protocol/options.ts'
import { systemClock } from '../../src/clock.ts'
import type { TabEvent } from '../../src/protocol/wire.ts'
import type { DeliveryFrame, DeliveryPort } from '../../src/protocol/delivery-port.ts'
import { FakeSocket } from './fake-socket.ts'

/** A delivery port that records every event the hub posts and acknowledges every batch it is asked to. */
export function recordingPort(events: TabEvent[] = [], { ack = true } = {}): DeliveryPort & { frames: DeliveryFrame<TabEvent>[] } {
  const listeners = new Set<(event: { data: unknown }) => void>()
  const frames: DeliveryFrame<TabEvent>[] = []
  return {
    frames,
    postMessage(message) {
      const frame = structuredClone(message) as DeliveryFrame<TabEvent>
      frames.push(frame)
      events.push(...frame.events)
      if (ack && frame.ack) queueMicrotask(() => listeners.forEach((l) => l({ data: frame.seq })))
    },
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
  }
}

export function setupSocketHub(options: HubOptions = {}, random = () => 0.5, { token = null as string | null | undefined } = {}) {
  let n = 0
  const hub = new SocketHub({
    project: { realtimeUrl: 'ws://fake/realtime/v1', apiKey: 'anon' },
    options: resolveHubOptions({ heartbeatIntervalMs: 1000, timeoutMs: 500, leaveGraceMs: 0, ...options }),
    epoch: 'epoch-1',
    clock: systemClock,
    random,
    store: createMemoryOutboxStore(),
    transport: FakeSocket,
    uuid: () => `id-${++n}`,
    onChange: () => {},
  })
  const events: TabEvent[] = []
  const tab = new TabSession({ tabId: 'tab-1', port: recordingPort(events), now: () => Date.now() })
  hub.attachTab(tab)
  if (token !== undefined) hub.setAuth(token)
  const subscribe = (topic: string) =>
    hub.subscribe(tab, { subscriptionId: `s-${topic}`, topic, config: {}, bindings: [{ id: 1, type: 'broadcast', filter: { event: '*' } }] })
  const statuses = (topic: string) =>
    events.filter((e) => e.type === 'channel/status' && e.subscriptionId === `s-${topic}`).map((e) => (e as { status: string }).status)
  return { hub, tab, events, subscribe, statuses }
}
