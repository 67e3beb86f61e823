/**
 * The hub: what a SharedWorker (or any MessagePort-like endpoint) exposes to tabs. It keeps one
 * SocketHub per Supabase project (URL + API key) and one TabSession per connected tab, answers every
 * call with a `Result` (errors as data), and never awaits a tab.
 */
import * as Comlink from 'comlink'
import { systemClock, Timeout, type Clock, type Random } from './clock.ts'
import { SocketHub } from './socket/socket-hub.ts'
import { checkAlertRules } from './health/alerts.ts'
import { TabSession } from './tabs/tab-session.ts'
import { AdaptiveBatching } from './tabs/adaptive-batching.ts'
import { FlushScheduler, type ZeroDelay } from './tabs/flush-scheduler.ts'
import { manualLiveness, type Liveness } from './tabs/liveness.ts'
import { createMemoryOutboxStore } from './outbox/outbox-store-memory.ts'
import type { OutboxStore } from './outbox/outbox-entry.ts'
import type { OwnerLock } from './outbox/owner-lock.ts'
import type { OutboxSignal } from './outbox/outbox-signal.ts'
import { announceVersion } from './deploy/version-announcer.ts'
import { resolveHubOptions } from './input/hub-options.ts'
import { describeReason } from './reasons.ts'
import { errorPayload, type RealtimeErrorPayload } from './protocol/errors.ts'
import type { HealthSnapshot } from './protocol/health.ts'
import { PROTOCOL_VERSION, type HubPortApi, type Result, type TabHello } from './protocol/wire.ts'
import type { DeliveryPort } from './protocol/delivery-port.ts'
import { projectKey } from './protocol/names.ts'

export interface HubEnvironment {
  clock?: Clock
  random?: Random
  /** This hub instance's id (random by default); tabs re-register when it changes. */
  epoch?: string
  uuid?: () => string
  /** Where each project's outbox lives; IndexedDB in the worker entry, memory by default. */
  createStore?: () => OutboxStore
  /** Where hubs share a stored outbox: the per-project owner lock and the channel between hubs (outbox/outbox-ownership.ts). */
  ownerLock?: OwnerLock
  outboxSignal?: OutboxSignal
  /** Where hubs of the origin announce their protocol version (deploy/version-announcer.ts). */
  versionChannel?: Parameters<typeof announceVersion>[0]
  /** Test only: the version this hub announces (default PROTOCOL_VERSION), to play an old or new deploy. */
  announceProtocol?: number
  /** A WebSocket constructor where there is no global one (Node). */
  transport?: unknown
  liveness?: Liveness
  /** The name of a Web Lock this hub holds for its life (the SharedWorker entry takes one). */
  lifetimeLock?: string
  /** How a `deliveryBatchMs` of 0 waits: 'timer' (default; batches what queued while busy) or 'microtask' (a hub in a page, whose timers hidden tabs throttle). */
  flushZeroDelay?: ZeroDelay
  /** Minimum spacing of health pushes to tabs. */
  healthIntervalMs?: number
  log?: (kind: string, message: string, data?: unknown) => void
}

export interface Hub {
  readonly epoch: string
  /** Serves one tab over a MessagePort-like endpoint. */
  connect(endpoint: Comlink.Endpoint): void
  /** Test and devtools view of the hub's state. */
  inspect(): { projects: { key: string; health: HealthSnapshot; tabs: string[]; topics: string[] }[] }
  close(): void
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value })
const fail = (error: RealtimeErrorPayload): Result<never> => ({ ok: false, error })

/** The shape the hub relies on (the tab checked the rest); anything else is a call no tab of this version makes. */
const wellFormed = (bindings: unknown): boolean =>
  Array.isArray(bindings) && bindings.every((b) => !!b && typeof b.id === 'number' && typeof b.type === 'string' && !!b.filter)
const malformed = (call: string) => fail(errorPayload('protocol', `malformed ${call}() call: reload the page`))

export function createHub(env: HubEnvironment = {}): Hub {
  const clock = env.clock ?? systemClock
  const random = env.random ?? Math.random
  const uuid = env.uuid ?? (() => crypto.randomUUID())
  const liveness = env.liveness ?? manualLiveness
  const createStore = env.createStore ?? createMemoryOutboxStore
  const epoch = env.epoch ?? uuid()
  const projects = new Map<string, { hub: SocketHub; healthTimer: Timeout; flushes: FlushScheduler; ready: Promise<void> }>()
  let closed = false
  /** The protocol of a newer hub in this browser, once one announced itself. */
  let newer: number | null = null
  const updateAvailable = (protocol: number) => ({ type: 'hub/update-available' as const, protocol })
  const announcer = env.versionChannel
    ? announceVersion(env.versionChannel, { protocol: env.announceProtocol ?? PROTOCOL_VERSION, epoch }, (protocol) => {
        newer = protocol
        for (const { hub } of projects.values()) {
          hub.handOverOutbox()
          hub.tabs.pushAll(updateAvailable(protocol))
        }
      })
    : null

  function projectFor(hello: TabHello) {
    const key = projectKey(hello.project)
    let entry = projects.get(key)
    if (!entry) {
      const healthTimer = new Timeout(clock)
      // A hub in a page would wait its adaptive batches on timers a hidden page throttles to a second or more.
      // It engages or releases at most once per 500 ms window: health goes out at once.
      const batching = env.flushZeroDelay === 'microtask' ? null : new AdaptiveBatching(clock, () => hub.options, () => pushHealth(hub))
      const hub: SocketHub = new SocketHub({
        project: hello.project,
        // The first tab's options create the hub; later tabs change them only through configure().
        options: resolveHubOptions(hello.options),
        epoch,
        clock,
        random,
        store: createStore(),
        ownerLock: env.ownerLock,
        outboxSignal: env.outboxSignal,
        transport: env.transport,
        uuid,
        log: env.log,
        batching: () => batching?.engaged ?? false,
        onChange: (urgent) => {
          if (urgent) {
            healthTimer.clear()
            pushHealth(hub)
          } else if (!healthTimer.pending) healthTimer.set(env.healthIntervalMs ?? 50, () => pushHealth(hub))
        },
      })
      const flushes = new FlushScheduler(clock, batching?.delayMs ?? (() => hub.options.deliveryBatchMs), env.flushZeroDelay, batching?.note)
      entry = { hub, healthTimer, flushes, ready: hub.start().then(() => void (newer !== null && hub.handOverOutbox())) }
      projects.set(key, entry)
    }
    return entry
  }

  function pushHealth(hub: SocketHub): void {
    hub.tabs.pushAll({ type: 'hub/health', health: hub.health() })
  }

  function connect(endpoint: Comlink.Endpoint): void {
    let tab: TabSession | null = null
    let hub: SocketHub | null = null
    let stopWatching: () => void = () => {}

    let deliveries: DeliveryPort | null = null
    /** Forgets the tab; `final` also closes its ports (the tab is gone). */
    const drop = (final = false) => {
      stopWatching()
      if (tab && hub) hub.detachTab(tab)
      tab?.close()
      tab = null
      if (final) {
        deliveries?.close?.()
        deliveries = null
        ;(endpoint as { close?: () => void }).close?.()
      }
    }

    const guard = async <T>(body: (hub: SocketHub, tab: TabSession) => Promise<Result<T>> | Result<T>): Promise<Result<T>> => {
      if (closed) return fail(errorPayload('closed', 'the hub has shut down'))
      if (!hub || !tab) return fail(errorPayload('protocol', 'hello() must come first'))
      try {
        return await body(hub, tab)
      } catch (error) {
        return fail(errorPayload('protocol', `hub error: ${describeReason(error)}`))
      }
    }

    // Tabs validate every argument where the app gave it (client, with the same protocol module; the
    // hub's name carries the protocol version, so every tab runs that check), and the hub does not
    // check again, which keeps the worker file small. A malformed call still cannot hurt the hub:
    // `guard` turns a throw into a typed `protocol` error for that call alone.
    const api: HubPortApi = {
      async hello(hello: TabHello, port: DeliveryPort) {
        if (closed) return fail(errorPayload('closed', 'the hub has shut down'))
        if (hello?.protocol !== PROTOCOL_VERSION) {
          return fail(errorPayload('protocol', `tab speaks protocol ${String(hello?.protocol)}, hub speaks ${PROTOCOL_VERSION}: reload the page`))
        }
        if (!port || typeof port.postMessage !== 'function' || typeof port.addEventListener !== 'function') {
          return fail(errorPayload('protocol', 'hello() takes a MessagePort for deliveries: reload the page'))
        }
        if (tab) drop()
        if (deliveries !== port) deliveries?.close?.()
        deliveries = port
        const entry = projectFor(hello)
        hub = entry.hub
        tab = new TabSession({
          tabId: hello.tabId,
          port,
          schedule: entry.flushes.schedule,
          // A hub in a page delivers to that page only: collecting would save nothing but add delay.
          hiddenDelayMs: () => (env.flushZeroDelay === 'microtask' ? 0 : entry.hub.options.hiddenDeliveryMs),
          clock,
          now: () => clock.now(),
          onError: (error) => env.log?.('tab', `delivery to ${hello.tabId} failed`, error),
          onCaughtUp: (subscriptionId, since) => entry.hub.groupOf(subscriptionId)?.caughtUp(subscriptionId, since) ?? false,
        })
        tab.setVisible(hello.visible)
        tab.online = hello.online
        tab.hasTokenCallback = hello.tokenPending
        hub.attachTab(tab)
        hub.noteTabAuth(hello.token, hello.tokenPending)
        if (!hello.online) hub.hint({ online: false }, tab)
        if (newer !== null) tab.push(updateAvailable(newer))
        const watched = tab
        stopWatching = liveness.watch(hello.tabId, () => {
          if (tab === watched) drop(true)
        })
        await entry.ready
        return ok({ epoch, health: hub.health(), lock: env.lifetimeLock ?? null })
      },
      subscribe: (request) =>
        guard((hub, tab) => {
          if (!request || typeof request.topic !== 'string' || !request.config || !wellFormed(request.bindings)) return malformed('subscribe')
          const refused = hub.subscribe(tab, request)
          return refused ? fail(refused) : ok(null)
        }),
      addBindings: (subscriptionId, bindings) =>
        guard((hub) => {
          if (!wellFormed(bindings)) return malformed('addBindings')
          const refused = hub.addBindings(subscriptionId, bindings)
          return refused ? fail(refused) : ok(null)
        }),
      unsubscribe: (subscriptionId) =>
        guard((hub) => {
          hub.removeSubscription(subscriptionId)
          return ok('ok' as const)
        }),
      send: (subscriptionId, message, options) =>
        guard(async (hub) => {
          // The payload's size is checked where it is serialised, once (channels/publisher.ts).
          const status = await hub.send(subscriptionId, message, options)
          return typeof status === 'string' ? ok(status) : fail(status)
        }),
      track: (subscriptionId, payload) =>
        guard((hub) => {
          if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
            return fail(errorPayload('invalid-argument', 'track() takes an object'))
          }
          const group = hub.groupOf(subscriptionId)
          if (!group) return fail(errorPayload('invalid-argument', `unknown subscription ${subscriptionId}; subscribe() first`))
          return ok(group.track(subscriptionId, payload))
        }),
      untrack: (subscriptionId) =>
        guard((hub) => {
          const group = hub.groupOf(subscriptionId)
          if (!group) return fail(errorPayload('invalid-argument', `unknown subscription ${subscriptionId}; subscribe() first`))
          return ok(group.untrack(subscriptionId))
        }),
      setAuth: (token) =>
        guard((hub) => {
          hub.setAuth(token)
          return ok(null)
        }),
      control: (command) =>
        guard((hub) => {
          if (!['pause', 'resume', 'reconnect', 'disconnect'].includes(command)) {
            return fail(errorPayload('invalid-argument', `unknown command "${String(command)}"`))
          }
          hub.dispatch({ type: command })
          if (command === 'resume' || command === 'reconnect') hub.dispatch({ type: 'start' })
          return ok(null)
        }),
      configure: (options) =>
        guard((hub) => {
          hub.configure(resolveHubOptions(options, hub.options))
          return ok(hub.health())
        }),
      hint: (hint) =>
        guard((hub, tab) => {
          hub.hint(hint ?? {}, tab)
          return ok(null)
        }),
      health: () => guard((hub) => ok(hub.health())),
      metrics: () => guard((hub) => ok(hub.performanceMetrics())),
      healthCheck: () => guard((hub) => ok(hub.diagnosticFacts())),
      setAlertRules: (rules) =>
        guard((hub) => {
          const problem = checkAlertRules(rules)
          if (problem) return fail(errorPayload('invalid-argument', problem))
          hub.setAlertRules(rules)
          return ok(null)
        }),
      ping: async () => (closed ? fail(errorPayload('closed', 'the hub has shut down')) : ok(epoch)),
      bye: async () => {
        // Answer first (Comlink posts the reply a few microtasks later): the port closes with the drop.
        clock.setTimeout(() => drop(true), 0)
        return ok(null)
      },
    }
    Comlink.expose(api, endpoint)
  }

  return {
    epoch,
    connect,
    inspect() {
      return {
        projects: [...projects.entries()].map(([key, { hub }]) => ({
          key,
          health: hub.health(),
          tabs: [...hub.tabs].map((t) => t.tabId),
          topics: [...hub.groups()].map((g) => g.topic),
        })),
      }
    },
    close() {
      closed = true
      for (const { hub, healthTimer, flushes } of projects.values()) {
        healthTimer.clear()
        flushes.clear()
        for (const tab of hub.tabs) tab.close()
        hub.close()
      }
      projects.clear()
      env.outboxSignal?.close()
      announcer?.close()
    },
  }
}
