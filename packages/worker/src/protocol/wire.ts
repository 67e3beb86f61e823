/**
 * Messages between a tab and the hub. Types and tiny constants only: the client imports this file
 * type-only, so nothing here may touch a global or carry behaviour.
 */
import type { RealtimeErrorPayload } from './errors.ts'
import type { HubOptions } from './options.ts'
import type { HealthSnapshot } from './health.ts'
import type { Alert, AlertRule, DiagnosticFacts, PerformanceMetrics } from './metrics.ts'
import type { DeliveryPort, EncodedPayload } from './delivery-port.ts'

/** Bumped on any incompatible change; part of the SharedWorker's name so old and new never share a hub. */
export const PROTOCOL_VERSION = 3
export const HUB_WORKER_NAME = `shared-realtime@v${PROTOCOL_VERSION}`

/** Field that carries a message's idempotency id inside object payloads; tabs strip it before callbacks. */
export const MESSAGE_ID_FIELD = '__sr_id'

export type Result<T> = { ok: true; value: T } | { ok: false; error: RealtimeErrorPayload }

export const LISTEN_TYPES = ['broadcast', 'presence', 'postgres_changes', 'system'] as const
export type ListenType = (typeof LISTEN_TYPES)[number]

export const SUBSCRIBE_STATUSES = ['SUBSCRIBED', 'TIMED_OUT', 'CLOSED', 'CHANNEL_ERROR'] as const
export type SubscribeStatus = (typeof SUBSCRIBE_STATUSES)[number]

export interface PostgresChangesFilterSpec {
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'
  schema: string
  table?: string
  filter?: string
}

/** One `.on(type, filter, callback)` of a tab, without the callback (which stays in the tab). */
export type BindingSpec =
  | { id: number; type: 'postgres_changes'; filter: PostgresChangesFilterSpec }
  | { id: number; type: 'broadcast'; filter: { event: string } }
  | { id: number; type: 'presence'; filter: { event: 'sync' | 'join' | 'leave' | '*' } }
  | { id: number; type: 'system'; filter: Record<string, never> }

/** `realtime.channel(name, { config })`, as supabase-js takes it. */
export interface ChannelConfig {
  broadcast?: { self?: boolean; ack?: boolean; replay?: { since: number; limit?: number } }
  presence?: { key?: string; enabled?: boolean }
  private?: boolean
  postgres_changes_options?: { wait?: boolean; timeout?: number }
}

export interface ProjectRef {
  /** The Realtime endpoint, `ws(s)://…/realtime/v1`. */
  realtimeUrl: string
  apiKey: string
}

export interface TabHello {
  tabId: string
  protocol: number
  project: ProjectRef
  options: HubOptions
  /** The tab's current token, `null` when it has none (the API key is then used). */
  token: string | null
  /** The tab has an `accessToken` callback: the hub waits for its first answer before joining. */
  tokenPending: boolean
  visible: boolean
  online: boolean
}

export interface HelloReply {
  /** Changes whenever a new hub instance starts; tabs re-register when it differs from the last one. */
  epoch: string
  health: HealthSnapshot
  /** A Web Lock the hub holds for its whole life: its release tells tabs the hub is gone. */
  lock: string | null
}

export interface SubscribeRequest {
  subscriptionId: string
  /** The channel name without the `realtime:` prefix, as passed to `channel(name)`. */
  topic: string
  config: ChannelConfig
  bindings: BindingSpec[]
  /** Sent by a tab re-registering on a new hub (issue #15): what it already had, so the hub can fill the gap. */
  resume?: ResumeHint
}

/** A tab's memory of one channel across a hub restart: the hub knows nothing of what the tab got. */
export interface ResumeHint {
  /** When the tab lost its hub (the outage's start). */
  since: number
  /** When the tab last received a message with a `meta.id`, if ever. */
  lastAt: number | null
  /** The `meta.id`s of its most recent messages, oldest first (at most `MAX_RESUME_IDS`). */
  ids: string[]
}

export const MAX_RESUME_IDS = 32

export type SendStatus = 'ok' | 'queued' | 'timed out' | 'error'

export interface BroadcastMessage {
  type: 'broadcast'
  event: string
  payload?: unknown
}

export interface SendOptions {
  /** Drop the message instead of sending it once it is this old. */
  ttlMs?: number
  /** Idempotency id; the client makes one when absent. */
  messageId: string
}

export type ControlCommand = 'pause' | 'resume' | 'reconnect' | 'disconnect'

export interface EnvironmentHint {
  online?: boolean
  visible?: boolean
}

/** Everything the hub pushes to a tab, in batches on the tab's delivery port, never awaited. */
export type TabEvent =
  | { type: 'channel/status'; subscriptionId: string; status: SubscribeStatus; error?: RealtimeErrorPayload }
  | {
      type: 'channel/event'
      subscriptionId: string
      bindingIds: number[]
      /** Encoded once per event and shared by every tab's batch (delivery.ts). */
      payload: EncodedPayload
      /** Presence state after this event, mirrored for the tab's synchronous `presenceState()`. */
      presence?: Record<string, unknown[]>
    }
  | {
      type: 'channel/resync'
      subscriptionId: string
      since: number
      until: number
      reason: string
      /** Missed messages the hub delivered (from a replay) before this notice. */
      replayed: number
      /** Nothing in the window can be missing: the replay reached back to a message the tab had. */
      complete: boolean
    }
  | { type: 'hub/health'; health: HealthSnapshot }
  | { type: 'hub/alert'; alert: Alert }
  | { type: 'auth/refresh'; reason: string }
  /** A hub of a newer deploy runs in this browser: this tab should reload when it can (onUpdateAvailable). */
  | { type: 'hub/update-available'; protocol: number }

/** What the hub exposes on every port. Every method answers a `Result` and never throws. */
export interface HubPortApi {
  /** `deliveries` is a MessagePort the tab transfers: the hub pushes its events there (delivery.ts). */
  hello(hello: TabHello, deliveries: DeliveryPort): Promise<Result<HelloReply>>
  subscribe(request: SubscribeRequest): Promise<Result<null>>
  addBindings(subscriptionId: string, bindings: BindingSpec[]): Promise<Result<null>>
  unsubscribe(subscriptionId: string): Promise<Result<'ok'>>
  send(subscriptionId: string, message: BroadcastMessage, options: SendOptions): Promise<Result<SendStatus>>
  track(subscriptionId: string, payload: Record<string, unknown>): Promise<Result<SendStatus>>
  untrack(subscriptionId: string): Promise<Result<SendStatus>>
  setAuth(token: string | null): Promise<Result<null>>
  control(command: ControlCommand): Promise<Result<null>>
  configure(options: HubOptions): Promise<Result<HealthSnapshot>>
  hint(hint: EnvironmentHint): Promise<Result<null>>
  health(): Promise<Result<HealthSnapshot>>
  metrics(): Promise<Result<PerformanceMetrics>>
  /** The facts behind the tab's `healthCheck()` findings. */
  healthCheck(): Promise<Result<DiagnosticFacts>>
  setAlertRules(rules: AlertRule[]): Promise<Result<null>>
  ping(): Promise<Result<string>>
  bye(): Promise<Result<null>>
}
