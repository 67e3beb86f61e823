/** The outbox store in memory: the default, and the fallback when IndexedDB fails. */
import type { OutboxEntry, OutboxStore } from './outbox-entry.ts'

export function createMemoryOutboxStore(): OutboxStore {
  const rows = new Map<string, OutboxEntry>()
  const keyOf = (e: OutboxEntry) => `${e.project}\u0000${e.id}`
  return {
    kind: 'memory',
    async load(project) {
      return [...rows.values()].filter((e) => e.project === project)
    },
    async put(entry) {
      rows.set(keyOf(entry), entry)
    },
    async remove(entries) {
      for (const e of entries) rows.delete(keyOf(e))
    },
  }
}
