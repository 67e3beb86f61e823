/**
 * The outbox in IndexedDB through idb-keyval, so queued messages outlive the worker and the browser.
 * Any failure (no IndexedDB, private mode, quota) makes the outbox fall back to memory (outbox.ts).
 */
import { createStore, delMany, entries, set, type UseStore } from 'idb-keyval'
import type { OutboxEntry, OutboxStore } from './outbox-entry.ts'

export const OUTBOX_DATABASE = 'shared-realtime'
export const OUTBOX_OBJECT_STORE = 'outbox'

function keyOf(entry: OutboxEntry): string {
  return `${entry.project}\u0000${entry.id}`
}

export function createIdbOutboxStore(useStore: UseStore = createStore(OUTBOX_DATABASE, OUTBOX_OBJECT_STORE)): OutboxStore {
  return {
    kind: 'indexeddb',
    async load(project) {
      const rows = await entries<string, OutboxEntry>(useStore)
      return rows.map(([, entry]) => entry).filter((entry) => entry.project === project)
    },
    async put(entry) {
      await set(keyOf(entry), entry, useStore)
    },
    async remove(removed) {
      await delMany(removed.map(keyOf), useStore)
    },
  }
}
