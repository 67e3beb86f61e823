/**
 * The manager style: `realtime.subscribe(key, { event, table, callback })`. Every call with the same
 * key shares one channel and one Postgres binding; callbacks run in priority order (highest first).
 */
import { RealtimeError } from './errors.ts'
import { unsubscriber, type Unsubscribe } from './disposable.ts'
import type { PostgresChangesPayload, SharedChannel } from './channel.ts'

export interface ManagedSubscriptionOptions<T extends Record<string, any> = Record<string, any>> {
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'
  /** Default `public`. */
  schema?: string
  table: string
  filter?: string
  callback: (payload: PostgresChangesPayload<T>) => void
  /** Higher runs first; ties run in registration order. Default 0. */
  priority?: number
}

interface Entry {
  channel: SharedChannel
  signature: string
  callbacks: { callback: (payload: any) => void; priority: number; seq: number }[]
}

interface ChannelFactory {
  channel(name: string): SharedChannel
  removeChannel(channel: SharedChannel): Promise<unknown>
}

export class ManagedSubscriptions {
  #entries = new Map<string, Entry>()
  #factory: ChannelFactory
  #seq = 0

  constructor(factory: ChannelFactory) {
    this.#factory = factory
  }

  add(key: string, options: ManagedSubscriptionOptions): Unsubscribe {
    if (typeof key !== 'string' || key === '') throw RealtimeError.of('invalid-argument', 'subscribe(key, …) needs a non-empty key')
    if (!options || typeof options.callback !== 'function') throw RealtimeError.of('invalid-argument', `subscribe('${key}', …) needs a callback function`)
    if (typeof options.table !== 'string' || options.table === '') throw RealtimeError.of('invalid-argument', `subscribe('${key}', …) needs a table`)
    const filter = { event: options.event, schema: options.schema ?? 'public', table: options.table, ...(options.filter ? { filter: options.filter } : {}) }
    const signature = JSON.stringify(filter)
    let entry = this.#entries.get(key)
    if (entry && entry.signature !== signature) {
      throw RealtimeError.of('invalid-argument', `subscribe('${key}', …): this key already listens to ${entry.signature}; use another key for ${signature}`)
    }
    if (!entry) {
      const channel = this.#factory.channel(key)
      const created: Entry = { channel, signature, callbacks: [] }
      channel.on('postgres_changes', filter, (payload) => {
        for (const { callback } of [...created.callbacks]) callback(payload)
      })
      channel.subscribe()
      entry = created
      this.#entries.set(key, entry)
    }
    const record = { callback: options.callback, priority: options.priority ?? 0, seq: ++this.#seq }
    entry.callbacks.push(record)
    entry.callbacks.sort((a, b) => b.priority - a.priority || a.seq - b.seq)
    const owner = entry
    return unsubscriber(() => {
      owner.callbacks = owner.callbacks.filter((c) => c !== record)
      if (owner.callbacks.length === 0 && this.#entries.get(key) === owner) void this.remove(key)
    })
  }

  async remove(key: string): Promise<void> {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    await this.#factory.removeChannel(entry.channel)
  }
}
