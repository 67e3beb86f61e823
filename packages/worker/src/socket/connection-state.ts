/**
 * The hub's connection state machine as a pure reducer: no timers and no I/O. The socket hub
 * dispatches events, then performs the side effects that the new state implies (query-core `#dispatch`).
 */
import { backoffDelay, rateLimitDelay, type BackoffPolicy } from './backoff.ts'
import type { Random } from '../clock.ts'
import type { CircuitStatus, ConnectionStatus } from '../protocol/health.ts'

export interface ConnectionState {
  status: ConnectionStatus
  reason: string
  /** When `status` was entered. */
  since: number
  /** Attempts since the last stable connection (1 = first attempt). */
  attempt: number
  /** Consecutive failures counted by the circuit breaker. */
  failures: number
  /** `reconnecting`: when the next attempt starts. `circuit-open`: when the half-open attempt starts. */
  retryAt: number | null
  /** The current attempt is the circuit breaker's single half-open probe. */
  halfOpen: boolean
  /** Whether the tabs report the network as up (`navigator.onLine`). */
  online: boolean
}

export type ConnectionEvent =
  /** Subscriptions exist and the hub wants a socket. */
  | { type: 'start' }
  | { type: 'opened' }
  | { type: 'closed'; reason: string; rateLimited?: boolean; fatal?: boolean }
  /** Retrying cannot help (the API key was refused): wait for reconnect() or configure(). */
  | { type: 'fatal'; reason: string }
  | { type: 'retry-due' }
  /** The connection stayed open for `stableAfterMs`. */
  | { type: 'stable' }
  | { type: 'network'; online: boolean }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reconnect' }
  | { type: 'disconnect' }
  /** No subscriptions are left. */
  | { type: 'stop' }
  | { type: 'dispose' }

export interface ConnectionPolicy {
  backoff: BackoffPolicy
  circuitBreaker: { enabled: boolean; threshold: number; resetMs: number }
}

export function initialConnectionState(now: number, online = true): ConnectionState {
  return { status: 'idle', reason: 'no subscriptions', since: now, attempt: 0, failures: 0, retryAt: null, halfOpen: false, online }
}

const ACTIVE: ReadonlySet<ConnectionStatus> = new Set(['connecting', 'connected', 'reconnecting', 'circuit-open'])

export function isActive(status: ConnectionStatus): boolean {
  return ACTIVE.has(status)
}

export function circuitOf(state: ConnectionState): CircuitStatus {
  if (state.status === 'circuit-open') return 'open'
  return state.halfOpen ? 'half-open' : 'closed'
}

export function transition(
  state: ConnectionState,
  event: ConnectionEvent,
  now: number,
  policy: ConnectionPolicy,
  random: Random,
): ConnectionState {
  const enter = (status: ConnectionStatus, reason: string, patch: Partial<ConnectionState> = {}): ConnectionState => ({
    ...state,
    retryAt: null,
    ...patch,
    status,
    reason,
    since: status === state.status && reason === state.reason ? state.since : now,
  })
  const connect = (reason: string, patch: Partial<ConnectionState> = {}) =>
    state.online
      ? enter('connecting', reason, { ...patch, attempt: (patch.attempt ?? state.attempt) + 1 })
      : enter('offline', 'network offline', { halfOpen: false })

  if (state.status === 'closed') return state
  switch (event.type) {
    case 'dispose':
      return enter('closed', 'closed', { halfOpen: false })
    case 'start':
      return state.status === 'idle' ? connect('subscriptions need a socket') : state
    case 'opened':
      return state.status === 'connecting' ? enter('connected', 'socket open') : state
    case 'stable':
      return state.status === 'connected' ? { ...state, attempt: 0, failures: 0, halfOpen: false } : state
    case 'closed': {
      if (state.status !== 'connecting' && state.status !== 'connected') return state
      if (event.fatal) return enter('circuit-open', event.reason, { failures: state.failures + 1, retryAt: null, halfOpen: false })
      const failures = state.failures + 1
      const breaker = policy.circuitBreaker
      if (breaker.enabled && (state.halfOpen || failures >= breaker.threshold)) {
        return enter('circuit-open', event.reason, { failures, retryAt: now + breaker.resetMs, halfOpen: false })
      }
      const delay = event.rateLimited
        ? rateLimitDelay(policy.backoff, random)
        : backoffDelay(Math.max(1, state.attempt), policy.backoff, random)
      return enter('reconnecting', event.reason, { failures, retryAt: now + delay })
    }
    case 'fatal':
      return isActive(state.status) ? enter('circuit-open', event.reason, { retryAt: null, halfOpen: false }) : state
    case 'retry-due':
      if (state.status === 'reconnecting') return connect('retrying')
      if (state.status === 'circuit-open' && state.retryAt !== null) return connect('circuit half-open', { halfOpen: true })
      return state
    case 'network':
      if (!event.online) {
        return isActive(state.status)
          ? { ...enter('offline', 'network offline', { halfOpen: false }), online: false }
          : { ...state, online: false }
      }
      if (state.status === 'offline') {
        return { ...enter('connecting', 'network online', { attempt: 1, failures: 0, halfOpen: false }), online: true }
      }
      return { ...state, online: true }
    case 'pause':
      return state.status === 'paused' ? state : enter('paused', 'paused by a tab', { halfOpen: false })
    case 'resume':
      return state.status === 'paused' ? connect('resumed by a tab', { attempt: 0, failures: 0 }) : state
    case 'reconnect':
      return connect('reconnect requested by a tab', { attempt: 0, failures: 0, halfOpen: false })
    case 'disconnect':
      return enter('idle', 'disconnected by a tab', { attempt: 0, halfOpen: false })
    case 'stop':
      return state.status === 'paused' ? state : enter('idle', 'no subscriptions', { attempt: 0, failures: 0, halfOpen: false })
  }
}
