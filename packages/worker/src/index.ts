/** The shared-realtime hub: run it in a SharedWorker (entry.shared-worker.ts) or over any MessagePort. */
export { createHub, type Hub, type HubEnvironment } from './hub.ts'
export { createIdbOutboxStore } from './outbox-store-idb.ts'
export { createMemoryOutboxStore, type OutboxEntry, type OutboxStore } from './outbox.ts'
export { createWebLocksLiveness, manualLiveness, type Liveness } from './liveness.ts'
export { systemClock, type Clock, type Random } from './clock.ts'
export * from './protocol/index.ts'
