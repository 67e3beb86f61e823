/**
 * The entry of `@shared-realtime/worker`: the hub to run in a SharedWorker (entry.shared-worker.ts) or
 * over any MessagePort, and what it is built from. No side effects. The tab ⇄ hub protocol is the
 * `@shared-realtime/worker/protocol` entry (protocol/index.ts).
 */
export { createHub, type Hub, type HubEnvironment } from './hub.ts'
export { createIdbOutboxStore } from './outbox/outbox-store-idb.ts'
export { originHubEnvironment } from './origin-environment.ts'
export { createMemoryOutboxStore } from './outbox/outbox-store-memory.ts'
export type { OutboxEntry, OutboxStore } from './outbox/outbox-entry.ts'
export { createWebLocksLiveness, manualLiveness, type Liveness } from './tabs/liveness.ts'
export { systemClock, type Clock, type Random } from './clock.ts'
