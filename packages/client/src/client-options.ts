/** The tab client's options: the hub's own (`HubOptions`), plus what only a tab has. */
import type { Clock, HubOptions } from '@shared-realtime/worker/protocol'
import type { HubEndpoint } from './connect.ts'
import type { LockManagerLike } from './hub/tab-lock.ts'

export interface SharedRealtimeOptions extends HubOptions {
  /** Returns the current user's access token; the hub asks for it before joining and on refresh. */
  accessToken?: () => Promise<string | null>
  /**
   * How the tab reaches the hub. Defaults to the worker file bundled with this package (falls back to an
   * in-page hub without SharedWorker). A string or URL: where the app serves
   * `@shared-realtime/client/shared-worker` itself. A function: any MessagePort-like endpoint.
   */
  endpoint?: string | URL | (() => HubEndpoint | Promise<HubEndpoint>)
  /** How often the tab checks that the hub is alive (ms). */
  hubCheckIntervalMs?: number
}

/** Everything `new SharedRealtime()` needs, resolved once by `createSharedRealtime()`. */
export interface ResolvedClientConfig {
  realtimeUrl: string
  apiKey: string
  hubOptions: HubOptions
  accessToken?: () => Promise<string | null>
  endpoint: () => HubEndpoint | Promise<HubEndpoint>
  /** Where the hub runs: the origin's SharedWorker, this page (no SharedWorker), an endpoint the app gave, or nowhere (SSR). */
  hubKind: 'shared-worker' | 'elected' | 'in-page' | 'custom' | 'unsupported'
  hubCheckIntervalMs: number
  /** Every timer and `now()` of the client; default `systemClock` (tests pass fake timers through it). */
  clock?: Clock
  /** The Web Locks manager; default `navigator.locks`, read at call time. */
  locks?: () => LockManagerLike | undefined
}
