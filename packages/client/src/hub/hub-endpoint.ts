/** What a tab talks to its hub through: a MessagePort, or anything shaped like one (connect.ts, leader/). */
import type { HubMode } from '@shared-realtime/worker/protocol'

/** A MessagePort-like endpoint (Comlink's Endpoint, plus an optional close). */
export interface HubEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  start?(): void
  close?(): void
  /** Rejects (with a typed error) if the hub behind this endpoint can never answer, e.g. its script did not load. */
  failed?: Promise<never>
  /** Where the hub behind this endpoint runs (shown in health); unset for endpoints the app gives. */
  readonly mode?: HubMode
  /** The epoch of the elected leader whose hub this is ('leader' and 'follower' modes). */
  readonly leaderEpoch?: number | null
  /** Messages from other code on the leader election's BroadcastChannels, ignored ('leader' and 'follower' modes). */
  readonly ignoredMessages?: number
}
