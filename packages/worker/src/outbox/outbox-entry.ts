/** What the outbox keeps and where it keeps it: plain data that survives structured clone into IndexedDB. */

export interface OutboxEntry {
  /** The message's idempotency id, also carried in the message for de-duplication in tabs. */
  id: string
  /** Order of arrival at the hub, across tabs. */
  seq: number
  project: string
  topic: string
  private: boolean
  event: string
  payload: unknown
  /** The JWT `sub` of the token in force when the message was sent; null for the anonymous key. */
  user: string | null
  /** The subscription that sent it, so that its own tab does not hear it unless it asked to (`self`). */
  sender?: string | null
  createdAt: number
  expiresAt: number | null
  /** The epoch of the hub that stored it (several hubs may share the store; one owner flushes). */
  hub?: string
}

export interface OutboxStore {
  readonly kind: 'indexeddb' | 'memory'
  load(project: string): Promise<OutboxEntry[]>
  put(entry: OutboxEntry): Promise<void>
  remove(entries: readonly OutboxEntry[]): Promise<void>
}
