/**
 * The manager style: `realtime.subscribe(key, { event, table, callback })`. Every call with the same
 * key shares one channel and one Postgres binding; callbacks run in priority order (highest first),
 * each through its own delivery options (batch, debounce, transform…).
 */
import { RealtimeError } from './errors.ts'
import { unsubscriber, type Unsubscribe } from './disposable.ts'
import type { PostgresChangesPayload, SharedChannel } from './channel.ts'
import { createDelivery, pickDeliveryOptions, type Clock, validateDeliveryOptions, type BatchOptions, type Delivery, type DeliveryOptions } from './delivery/index.ts'

interface ManagedBase {
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'
  /** Default `public`. */
  schema?: string
  table: string
  filter?: string
  /** Higher runs first; ties run in registration order. Default 0. */
  priority?: number
}

/** Receives each change (or the transform's output of it). */
export interface ManagedSubscriptionOptions<T extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<T>>
  extends ManagedBase, DeliveryOptions<PostgresChangesPayload<T>, TOut> {
  batch?: undefined
  callback: (payload: TOut) => void
}

/** With `batch`, receives arrays of changes in arrival order. */
export interface ManagedBatchOptions<T extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<T>>
  extends ManagedBase, DeliveryOptions<PostgresChangesPayload<T>, TOut> {
  batch: BatchOptions
  callback: (payload: TOut[]) => void
}

interface Entry {
  channel: SharedChannel
  signature: string
  callbacks: { delivery: Delivery; priority: number; seq: number }[]
}

interface ChannelFactory {
  /** Delivery timers run on it; default `systemClock`. */
  readonly clock?: Clock
  channel(name: string): SharedChannel
  removeChannel(channel: SharedChannel): Promise<unknown>
  reportError(error: RealtimeError): void
}

export class ManagedSubscriptions {
  #entries = new Map<string, Entry>()
  #factory: ChannelFactory
  #seq = 0

  constructor(factory: ChannelFactory) {
    this.#factory = factory
  }

  add(key: string, options: ManagedSubscriptionOptions<any, any> | ManagedBatchOptions<any, any>): Unsubscribe {
    if (typeof key !== 'string' || key === '') throw RealtimeError.of('invalid-argument', 'subscribe(key, …) needs a non-empty key')
    if (!options || typeof options.callback !== 'function') throw RealtimeError.of('invalid-argument', `subscribe('${key}', …) needs a callback function`)
    if (typeof options.table !== 'string' || options.table === '') throw RealtimeError.of('invalid-argument', `subscribe('${key}', …) needs a table`)
    const deliveryOptions = pickDeliveryOptions(options as never)
    validateDeliveryOptions(deliveryOptions, `subscribe('${key}', …)`)
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
        for (const { delivery } of [...created.callbacks]) delivery.push(payload)
      })
      channel.subscribe()
      entry = created
      this.#entries.set(key, entry)
    }
    const delivery = createDelivery(deliveryOptions, options.callback, { clock: this.#factory.clock, report: (error) => this.#factory.reportError(error) })
    const record = { delivery, priority: options.priority ?? 0, seq: ++this.#seq }
    entry.callbacks.push(record)
    entry.callbacks.sort((a, b) => b.priority - a.priority || a.seq - b.seq)
    const owner = entry
    return unsubscriber(() => {
      // Waiting batches and debounced events are delivered, not dropped.
      record.delivery.close()
      owner.callbacks = owner.callbacks.filter((c) => c !== record)
      if (owner.callbacks.length === 0 && this.#entries.get(key) === owner) void this.remove(key)
    })
  }

  async remove(key: string): Promise<void> {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    for (const { delivery } of entry.callbacks) delivery.close()
    await this.#factory.removeChannel(entry.channel)
  }

  /** The client is closing: deliver what waits. */
  closeAll(): void {
    for (const entry of this.#entries.values()) for (const { delivery } of entry.callbacks) delivery.close()
    this.#entries.clear()
  }
}
