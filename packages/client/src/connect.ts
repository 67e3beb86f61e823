/**
 * How a tab reaches the hub: the origin's SharedWorker, or, where SharedWorker is missing (some
 * mobile browsers and webviews), a hub inside this page over a MessageChannel with the same API.
 */
import { HUB_WORKER_NAME } from '@shared-realtime/worker/protocol'

/** A MessagePort-like endpoint (Comlink's Endpoint, plus an optional close). */
export interface HubEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  start?(): void
  close?(): void
}

export function sharedWorkerSupported(): boolean {
  return typeof SharedWorker !== 'undefined'
}

/**
 * Connects to the origin's hub. The literal `new SharedWorker(new URL(…, import.meta.url))` lets Vite
 * and other bundlers emit the worker; its name carries the protocol version so that tabs of an old
 * deploy and a new one never share a hub.
 */
export async function connectToHub(): Promise<HubEndpoint> {
  if (sharedWorkerSupported()) {
    const worker = new SharedWorker(new URL('./shared-worker.ts', import.meta.url), { type: 'module', name: HUB_WORKER_NAME })
    return worker.port
  }
  return connectToInPageHub()
}

let inPageHub: Promise<{ connect(port: MessagePort): void }> | null = null

/** Fallback: one hub for this page (no sharing across tabs, same guarantees otherwise). */
export async function connectToInPageHub(): Promise<HubEndpoint> {
  inPageHub ??= import('@shared-realtime/worker').then(({ createHub, createIdbOutboxStore }) =>
    createHub({
      createStore: typeof indexedDB === 'undefined' ? undefined : () => createIdbOutboxStore(),
      // Page timers are throttled in hidden tabs; one tab has no fan-out to batch anyway.
      flushZeroDelay: 'microtask',
    }),
  )
  const hub = await inPageHub
  const channel = new MessageChannel()
  hub.connect(channel.port2)
  return channel.port1
}
