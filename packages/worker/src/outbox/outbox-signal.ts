/**
 * Hubs of one origin tell each other about stored outbox entries: a non-owner that appended entries
 * nudges the owner to load and flush them (`added`), and the owner says which it has removed
 * (`removed`), so that the appender stops holding its later sends back. Over a BroadcastChannel in
 * browsers; messages of another shape or version (other code may use the same name) are ignored and
 * counted, never thrown.
 */
export const OUTBOX_SIGNAL_VERSION = 1

export interface OutboxNote {
  v: typeof OUTBOX_SIGNAL_VERSION
  type: 'outbox/added' | 'outbox/removed'
  /** projectKey() of the project. */
  project: string
  ids: string[]
  /** The epoch of the hub that sent it (a hub ignores its own notes). */
  from: string
}

export interface OutboxSignal {
  post(note: OutboxNote): void
  /** Returns an unsubscribe. */
  on(listener: (note: OutboxNote) => void): () => void
  /** Messages on the channel that were not outbox notes of this version. */
  readonly ignored: number
  close(): void
}

export function parseOutboxNote(data: unknown): OutboxNote | null {
  if (!data || typeof data !== 'object') return null
  const n = data as Partial<OutboxNote>
  if (n.v !== OUTBOX_SIGNAL_VERSION || (n.type !== 'outbox/added' && n.type !== 'outbox/removed')) return null
  if (typeof n.project !== 'string' || typeof n.from !== 'string' || !Array.isArray(n.ids) || !n.ids.every((id) => typeof id === 'string')) return null
  return n as OutboxNote
}

interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

/** The signal over one channel-like object (a BroadcastChannel in browsers). */
export function createChannelOutboxSignal(channel: ChannelLike): OutboxSignal {
  const listeners = new Set<(note: OutboxNote) => void>()
  let ignored = 0
  channel.addEventListener('message', (event) => {
    const note = parseOutboxNote(event.data)
    if (!note) return void ignored++
    for (const listener of listeners) listener(note)
  })
  return {
    post(note) {
      try {
        channel.postMessage(note)
      } catch {
        // Closed (the hub is shutting down): the other hubs learn from the store instead.
      }
    },
    on(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    get ignored() {
      return ignored
    },
    close() {
      listeners.clear()
      channel.close()
    },
  }
}

/** No other hub can exist (Node, tests): notes go nowhere. */
export function silentOutboxSignal(): OutboxSignal {
  return { post() {}, on: () => () => {}, ignored: 0, close() {} }
}
