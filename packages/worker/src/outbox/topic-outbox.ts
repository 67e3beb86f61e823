/**
 * The outbox as one channel group sees it: its topic's entries for the user in force, and new entries
 * stamped with the project, the topic, that user and the hub's clock. A narrow view, so that a group
 * depends on neither the whole outbox nor the auth state.
 */
import type { Outbox } from './outbox.ts'
import type { OutboxEntry } from './outbox-entry.ts'

export interface TopicOutbox {
  /** Entries that may be sent now, oldest first (in flight ones included). A read: nothing expires here. */
  pending(): readonly OutboxEntry[]
  hasPending(): boolean
  /** A new entry for this topic, sent now by `sender` as the current user. */
  entry(fields: { id: string; event: string; payload: unknown; sender: string; private: boolean; ttlMs?: number }): OutboxEntry
  /** Resolves once the entry is stored (or kept in memory after a storage failure). */
  enqueue(entry: OutboxEntry): Promise<void>
  /** False if the entry was not (or no longer) there. */
  remove(entry: OutboxEntry): boolean
}

export interface TopicOutboxOptions {
  project: string
  topic: string
  /** The epoch of the hub that stores the entries. */
  hub?: string
  user: () => string | null
  now: () => number
}

export function createTopicOutbox(outbox: Outbox, { project, topic, hub, user, now }: TopicOutboxOptions): TopicOutbox {
  return {
    pending: () => outbox.pending(topic, user()),
    hasPending: () => outbox.hasPending(topic, user()),
    entry({ id, event, payload, sender, private: isPrivate, ttlMs }) {
      const createdAt = now()
      return { id, seq: outbox.nextSeq(), project, topic, private: isPrivate, event, payload, user: user(), sender, createdAt, expiresAt: ttlMs ? createdAt + ttlMs : null, hub }
    },
    enqueue: (entry) => outbox.enqueue(entry),
    remove: (entry) => outbox.remove(entry),
  }
}
