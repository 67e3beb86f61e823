/**
 * The only file that touches the SharedWorker global. `onconnect` is registered synchronously at the
 * top level: Chrome can fire `connect` before a module worker finishes initialising (browser-platform.md §1).
 */
import { createHub } from './hub.ts'
import { createIdbOutboxStore } from './outbox/outbox-store-idb.ts'
import { createWebLocksLiveness, manualLiveness } from './tabs/liveness.ts'
import { hubLifetimeLockName } from './protocol/names.ts'
import { originHubEnvironment } from './origin-environment.ts'
import type { LockManagerLike } from './outbox/owner-lock.ts'

interface SharedWorkerScope {
  onconnect: ((event: MessageEvent) => void) | null
  navigator?: { locks?: LockManagerLike }
  indexedDB?: unknown
}

const scope = globalThis as unknown as SharedWorkerScope
const locks = scope.navigator?.locks

const epoch = crypto.randomUUID()
const lifetimeLock = hubLifetimeLockName(epoch)
// Tabs find a killed worker by this lock: it is released only when this worker ends.
locks?.request(lifetimeLock, {}, () => new Promise<never>(() => {})).catch(() => {})

const hub = createHub({
  epoch,
  lifetimeLock: locks ? lifetimeLock : undefined,
  liveness: locks ? createWebLocksLiveness(locks) : manualLiveness,
  createStore: () => createIdbOutboxStore(),
  ...originHubEnvironment(locks, (globalThis as { BroadcastChannel?: Parameters<typeof originHubEnvironment>[1] }).BroadcastChannel),
})

scope.onconnect = (event: MessageEvent) => {
  for (const port of event.ports) hub.connect(port)
}

// Devtools and Playwright (through the DevTools Protocol) can look inside.
;(globalThis as Record<string, unknown>).__sharedRealtimeHub = hub
