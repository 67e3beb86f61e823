/**
 * How a tab reaches the hub: the origin's SharedWorker, or, where SharedWorker is missing (some
 * mobile browsers and webviews), a hub inside this page over a MessageChannel with the same API.
 */
import { HUB_WORKER_NAME } from '@shared-realtime/worker/protocol'
import type { HubEndpoint } from './hub/hub-endpoint.ts'
import { RealtimeError } from './errors.ts'

export type { HubEndpoint } from './hub/hub-endpoint.ts'

export function sharedWorkerSupported(): boolean {
  return typeof SharedWorker !== 'undefined'
}

/** Whether tabs can elect a leader to share one hub without SharedWorker: Web Locks and BroadcastChannel. */
export function electionSupported(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.locks && typeof BroadcastChannel !== 'undefined'
}

/** A server (Node, server-side rendering): no SharedWorker, no page, so no hub either. */
export function isServerRuntime(): boolean {
  return !sharedWorkerSupported() && typeof window === 'undefined' && typeof document === 'undefined'
}

/**
 * Connects to the origin's hub. The literal `new SharedWorker(new URL(…, import.meta.url))` lets Vite
 * and webpack 5 emit the worker file next to this code; its name carries the protocol version so that
 * tabs of an old deploy and a new one never share a hub.
 */
export async function connectToHub(): Promise<HubEndpoint> {
  if (!sharedWorkerSupported()) return connectToFallbackHub()
  // One literal only: bundlers would also emit a second `new URL(…, import.meta.url)` as an asset.
  return watchLoad(
    () => new SharedWorker(new URL('./shared-worker.ts', import.meta.url), { type: 'module', name: HUB_WORKER_NAME }),
    "shared-worker.js next to @shared-realtime/client's code",
  )
}

/**
 * Connects to a hub script the app hosts itself (a copy of `@shared-realtime/client/shared-worker`),
 * for bundlers and frameworks that cannot emit the worker file from `import.meta.url`.
 */
export function connectToWorkerUrl(url: string | URL): HubEndpoint {
  if (!sharedWorkerSupported()) {
    throw RealtimeError.of('unsupported', 'SharedWorker is not available here; leave out the endpoint option to run the hub in this page')
  }
  return watchLoad(() => new SharedWorker(url, { type: 'module', name: HUB_WORKER_NAME }), url)
}

/** The SharedWorker's port, plus `failed`: the browser reports a script that did not load only as an `error` event. */
function watchLoad(start: () => SharedWorker, url: string | URL): HubEndpoint {
  let worker: SharedWorker
  try {
    worker = start()
  } catch (error) {
    // Invalid or cross-origin URLs (and, in some browsers, a CSP) throw here instead of firing `error`.
    throw loadFailure(url, error)
  }
  const port = worker.port as HubEndpoint & MessagePort
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => reject(loadFailure(url, event)), { once: true })
  })
  failed.catch(() => {})
  return Object.assign(port, { failed, mode: 'shared-worker' as const })
}

function loadFailure(url: string | URL, cause: unknown): RealtimeError {
  return RealtimeError.of(
    'worker-load-failed',
    `the shared worker script did not load (${String(url)}): the file is missing (a wrong endpoint URL, or a ` +
      `bundler's dev pre-bundling moved @shared-realtime/client away from it) or a Content-Security-Policy blocks it. ` +
      `Fix: with Vite add optimizeDeps: { exclude: ['@shared-realtime/client'] }; or serve ` +
      `@shared-realtime/client/shared-worker from your origin and pass its URL as the endpoint option; with a CSP, ` +
      `allow that URL in worker-src.`,
    false,
    cause,
  )
}

/** On a server nothing connects: the client stays `idle` and calls reject with this. */
export async function connectOnServer(): Promise<never> {
  throw RealtimeError.of(
    'unsupported',
    'shared-realtime runs in browsers only: on the server (Node, server-side rendering) the client stays idle; create it in the browser to connect',
  )
}

let inPageHub: Promise<{ connect(port: MessagePort): void }> | null = null

/**
 * Without SharedWorker: the tabs elect a leader whose hub they share over BroadcastChannel (a chunk
 * loaded only here); without Web Locks or BroadcastChannel, a hub in this page.
 */
export async function connectToFallbackHub(): Promise<HubEndpoint> {
  if (!electionSupported()) return connectToInPageHub()
  const { connectToElectedHub } = await import('./leader/elected-hub.ts')
  return connectToElectedHub()
}

/**
 * Fallback: one hub for this page (no sharing across tabs, same guarantees otherwise).
 * `announceProtocol` is for tests only: the protocol version the hub announces to other hubs of the
 * origin, to play an older or newer deploy (deploy/version-announcer.ts).
 */
export async function connectToInPageHub(testing: { announceProtocol?: number } = {}): Promise<HubEndpoint> {
  inPageHub ??= import('@shared-realtime/worker').then(({ createHub, createIdbOutboxStore, originHubEnvironment }) =>
    createHub({
      announceProtocol: testing.announceProtocol,
      createStore: typeof indexedDB === 'undefined' ? undefined : () => createIdbOutboxStore(),
      // Other hubs of the origin (other tabs' fallbacks, a SharedWorker) share that store: one owner flushes it.
      ...originHubEnvironment(typeof indexedDB === 'undefined' ? undefined : navigator.locks, globalThis.BroadcastChannel),
      // Page timers are throttled in hidden tabs; one tab has no fan-out to batch anyway.
      flushZeroDelay: 'microtask',
    }),
  )
  const hub = await inPageHub
  const channel = new MessageChannel()
  hub.connect(channel.port2)
  return Object.assign(channel.port1, { mode: 'in-page' as const })
}
