/**
 * A stand-in for the worker's hub behind a real MessageChannel and Comlink, as a tab sees it: every
 * HubPortApi method answers a Result, records its call, and can be told to stay silent (a frozen or
 * killed worker) or to refuse. `push()` sends a delivery frame on the port the tab handed over at hello.
 */
import * as Comlink from 'comlink'
import {
  DEFAULT_HUB_OPTIONS,
  type DeliveryFrame,
  type HealthSnapshot,
  type HubPortApi,
  type PerformanceMetrics,
  type RealtimeErrorPayload,
  type Result,
  type TabEvent,
} from '@shared-realtime/worker/protocol'
import { initialHealth } from '../../src/health/initial-health.ts'

type Method = keyof HubPortApi

export interface StubCall {
  method: Method
  args: unknown[]
}

export class StubHub {
  readonly epoch: string
  health: HealthSnapshot
  /** The hub's lifetime lock name, handed to tabs at hello. */
  lock: string | null = null
  readonly calls: StubCall[] = []
  /** Methods that never answer, as a killed or frozen worker. */
  readonly silent = new Set<Method>()
  /** Methods that answer `{ ok: false, error }`. */
  readonly refusals = new Map<Method, RealtimeErrorPayload>()
  /** Sequence numbers the tab acknowledged on its delivery port. */
  readonly acks: number[] = []
  #deliveries: MessagePort[] = []
  #ports: MessagePort[] = []
  #seq = 0

  constructor(epoch: string, health: Partial<HealthSnapshot> = {}) {
    this.epoch = epoch
    this.health = { ...initialHealth(DEFAULT_HUB_OPTIONS, { status: 'connected', reason: 'stub', at: 0 }), epoch, ...health }
  }

  /** The tab's endpoint: one MessageChannel whose far end this hub serves through Comlink. */
  connect(): MessagePort {
    const { port1, port2 } = new MessageChannel()
    Comlink.expose(this.api(), port2)
    this.#ports.push(port1, port2)
    return port1
  }

  /** Every method stays silent from now on: the worker was killed. */
  kill(): void {
    for (const method of METHODS) this.silent.add(method)
  }

  /** The calls of one method, in order. */
  callsOf(method: Method): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args)
  }

  /** Sends a batch of events to every tab that said hello. */
  push(events: TabEvent[], { sentAt = Date.now(), ack = false }: { sentAt?: number; ack?: boolean } = {}): number {
    const seq = ++this.#seq
    const frame: DeliveryFrame<TabEvent> = { seq, sentAt, ack, events }
    for (const port of this.#deliveries) port.postMessage(frame)
    return seq
  }

  close(): void {
    for (const port of [...this.#ports, ...this.#deliveries]) port.close()
  }

  api(): HubPortApi {
    const answer = <T>(method: Method, args: unknown[], value: () => T): Promise<Result<T>> => {
      this.calls.push({ method, args })
      if (this.silent.has(method)) return new Promise(() => {})
      const refusal = this.refusals.get(method)
      return Promise.resolve(refusal ? { ok: false, error: refusal } : { ok: true, value: value() })
    }
    return {
      hello: (hello, port) =>
        answer('hello', [hello], () => {
          const deliveries = port as unknown as MessagePort
          deliveries.addEventListener('message', (event) => this.acks.push(event.data as number))
          deliveries.start()
          this.#deliveries.push(deliveries)
          return { epoch: this.epoch, health: this.health, lock: this.lock }
        }),
      subscribe: (request) => answer('subscribe', [request], () => null),
      addBindings: (id, bindings) => answer('addBindings', [id, bindings], () => null),
      unsubscribe: (id) => answer('unsubscribe', [id], () => 'ok' as const),
      send: (id, message, options) => answer('send', [id, message, options], () => 'ok' as const),
      track: (id, payload) => answer('track', [id, payload], () => 'ok' as const),
      untrack: (id) => answer('untrack', [id], () => 'ok' as const),
      setAuth: (token) => answer('setAuth', [token], () => null),
      control: (command) => answer('control', [command], () => null),
      configure: (options) => answer('configure', [options], () => this.health),
      hint: (hint) => answer('hint', [hint], () => null),
      health: () => answer('health', [], () => this.health),
      metrics: () => answer('metrics', [], () => stubMetrics()),
      healthCheck: () => answer('healthCheck', [], () => ({ health: this.health, channelsInError: [], reconnectsPerMinute: 0, errorsPerMinute: 0, stalledTabs: [], outboxMaxSize: 1_000, heartbeat: null })),
      setAlertRules: (rules) => answer('setAlertRules', [rules], () => null),
      ping: () => answer('ping', [], () => this.epoch),
      bye: () => answer('bye', [], () => null),
    }
  }
}

const METHODS: readonly Method[] = [
  'hello', 'subscribe', 'addBindings', 'unsubscribe', 'send', 'track', 'untrack', 'setAuth', 'control',
  'configure', 'hint', 'health', 'metrics', 'healthCheck', 'setAlertRules', 'ping', 'bye',
]

/** Metrics as the hub reports them; the client fills in `latency.delivery`. */
export function stubMetrics(): PerformanceMetrics {
  const totals = {
    messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, deliveries: 0, joins: 0, connects: 1, reconnects: 0,
    socketsOpened: 1, heartbeats: 0, errors: 0, outboxFlushed: 0, outboxDropped: 0, outboxExpired: 0,
  }
  return { at: 0, hubUptimeMs: 0, totals, latency: { heartbeat: null, delivery: null }, channels: [] }
}
