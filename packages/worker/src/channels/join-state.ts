/**
 * The join state of one topic's server channel as a pure reducer (like socket/connection-state.ts):
 * the channel group dispatches what happened, then performs the effects the new state implies
 * (schedule a rejoin, ask a tab for a token). Status words are Phoenix's (`closed | joining | joined
 * | errored`) plus two of ours: `failed` (refused for good) and `waiting-token` (refused for an
 * expired token; a fresh one rejoins, else the scheduled retry does).
 */
import type { ClassifiedReason } from '../reasons.ts'

export type JoinStatus = 'closed' | 'joining' | 'joined' | 'errored' | 'failed' | 'waiting-token'

export interface JoinState {
  status: JoinStatus
  /** Failed joins since the last success; the rejoin backoff grows with it. */
  attempt: number
  /** Why the server last refused the join (cleared by a successful one). */
  refusal: ClassifiedReason | null
  /** `waiting-token`: the token the server refused, so that only a different one rejoins at once. */
  refusedToken: string | null
}

export type JoinEvent =
  /** A subscriber arrived: a failed topic gets another chance. */
  | { type: 'subscriber' }
  /** The join went out on a fresh server channel. */
  | { type: 'join' }
  | { type: 'joined' }
  /** The server channel was dropped (for a rejoin with other bindings, or to leave). */
  | { type: 'retire' }
  /** The server refused the join (or closed the channel) for `reason`; `token` is the one in force. */
  | { type: 'refused'; reason: ClassifiedReason; token: string | null }
  /** The join failed or timed out while the socket stays up: retry after backoff. */
  | { type: 'errored' }
  /** The socket went away: rejoin on the next one (a refusal stays a refusal). */
  | { type: 'lost' }
  /** The client generation was replaced: its channel instances are gone. */
  | { type: 'detach' }
  /** A new token is in force. */
  | { type: 'token'; token: string | null }
  /** The rejoin backoff elapsed. */
  | { type: 'retry' }
  /** The topic was left for good (no subscriber, nothing queued). */
  | { type: 'left' }

export const initialJoinState: JoinState = { status: 'closed', attempt: 0, refusal: null, refusedToken: null }

/** Whether a server channel exists or is on its way (a rejoin must retire it first). */
export function isLive(status: JoinStatus): boolean {
  return status === 'joining' || status === 'joined'
}

/** Whether `join()` may push a join now (time and token permitting). */
export function canJoin(status: JoinStatus): boolean {
  return status === 'closed' || status === 'errored'
}

/** The topic has failed or waits for something other than time passing. */
export function isTroubled(status: JoinStatus): boolean {
  return status === 'failed' || status === 'waiting-token' || status === 'errored'
}

/** Whether the state after `event` asks for a rejoin timer (and whether the backoff is the rate-limit one). */
export function rejoinAfter(event: JoinEvent): { rateLimited: boolean } | null {
  if (event.type === 'errored') return { rateLimited: false }
  if (event.type !== 'refused' || event.reason.retry === 'never') return null
  return { rateLimited: event.reason.retry === 'rate-limit' }
}

export function joinTransition(state: JoinState, event: JoinEvent): JoinState {
  const { status } = state
  switch (event.type) {
    case 'subscriber':
      return status === 'failed' ? { ...state, status: 'closed' } : state
    case 'join':
      return { ...state, status: 'joining' }
    case 'joined':
      return { status: 'joined', attempt: 0, refusal: null, refusedToken: null }
    case 'retire':
      return isLive(status) ? { ...state, status: 'closed' } : state
    case 'refused': {
      const refused = { ...state, refusal: event.reason }
      if (event.reason.retry === 'never') return { ...refused, status: 'failed' }
      if (event.reason.retry === 'refresh-token') return { ...refused, status: 'waiting-token', attempt: state.attempt + 1, refusedToken: event.token }
      return { ...refused, status: 'errored', attempt: state.attempt + 1 }
    }
    case 'errored':
      return { ...state, status: 'errored', attempt: state.attempt + 1 }
    case 'lost':
      return status === 'failed' || status === 'waiting-token' || status === 'closed' ? state : { ...state, status: 'closed' }
    case 'detach':
      return isLive(status) || status === 'errored' ? { ...state, status: 'closed' } : state
    case 'token': {
      const waiting = status === 'waiting-token' && event.token !== state.refusedToken
      const unauthorized = status === 'failed' && state.refusal?.code === 'unauthorized'
      return waiting || unauthorized ? { ...state, status: 'closed' } : state
    }
    case 'retry':
      return status === 'failed' ? state : { ...state, status: 'closed' }
    case 'left':
      return { ...state, status: 'closed' }
  }
}
