/**
 * The narrow seam between one topic's channel group and the socket hub that owns it: what the group
 * is given (clock, metrics, pacers, its outbox, backoff, error and token callbacks), never the hub.
 */
import type { RealtimeChannel } from '@supabase/realtime-js'
import type { Clock } from '../clock.ts'
import type { HubMetrics } from '../health/metrics.ts'
import type { TopicOutbox } from '../outbox/topic-outbox.ts'
import type { RealtimeErrorPayload } from '../protocol/errors.ts'
import type { ResolvedHubOptions } from '../protocol/options.ts'
import type { Pacer } from './pacer.ts'

/** What a group needs of the socket's current client generation (socket/connection.ts). */
export interface ChannelSocket {
  /** The client's socket is open, whatever the hub's state. */
  isOpen(): boolean
  /** A fresh server channel instance whose own rejoin timer is disabled (the group schedules rejoins). */
  channel(topic: string, config: object): RealtimeChannel
  /** Tears an instance down and forgets it in the client. */
  remove(channel: RealtimeChannel): void
}

export interface ChannelGroupDeps {
  readonly clock: Clock
  readonly metrics: Pick<HubMetrics, 'count' | 'channel'>
  readonly pacers: { readonly join: Pacer; readonly events: Pacer }
  readonly outbox: TopicOutbox
  /** Presence key used when no tab names one. */
  readonly presenceKey: string
  options(): ResolvedHubOptions
  /** The current client generation, if there is one. */
  socket(): ChannelSocket | null
  /** Joins may go out: a client wants to connect and holds the token (never join token-less, §15.1). */
  canJoin(): boolean
  /** Connected: pushes may go out. */
  connected(): boolean
  backoff(attempt: number, rateLimited: boolean): number
  /** The token in force, and a request for a fresh one from a tab. */
  auth: { token(): string | null; refresh(reason: string): void }
  onError(error: RealtimeErrorPayload): void
  onChange(): void
  /** The group left and has nothing left to do: its owner forgets it. */
  onClosed(): void
}
