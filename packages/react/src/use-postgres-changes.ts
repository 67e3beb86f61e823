import { useEffect } from 'react'
import type { DeliveryOptions, PostgresChangesPayload, RealtimeError } from '@shared-realtime/client'
import type { ChannelStatus } from './channel-pool.ts'
import { useRealtimeContext } from './context.ts'
import { useDeliveryFactory } from './use-delivery.ts'
import { usePooledChannel } from './use-pooled-channel.ts'

export interface PostgresChangesOptions<Row extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<Row>>
  extends DeliveryOptions<PostgresChangesPayload<Row>, TOut> {
  /** The channel name; by default one derived from the filter (`postgres:public:orders:INSERT:…`). */
  channel?: string
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'
  /** Default `public`. */
  schema?: string
  table: string
  /** A Postgres filter such as `user_id=eq.42`. */
  filter?: string
}

export interface SubscriptionState {
  status: ChannelStatus
  error: RealtimeError | null
}

/**
 * Calls `callback` with each change of `table` (arrays with `batch`; the transform's output with
 * `transform`) while mounted. A new callback every render does not resubscribe; a new filter does, once.
 * @example
 * usePostgresChanges<Order>({ event: 'INSERT', table: 'orders', filter: `shop_id=eq.${id}` }, (change) => add(change.new))
 */
export function usePostgresChanges<Row extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<Row>>(
  options: PostgresChangesOptions<Row, TOut> & { batch: NonNullable<DeliveryOptions['batch']> },
  callback: (changes: TOut[]) => void,
): SubscriptionState
export function usePostgresChanges<Row extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<Row>>(
  options: PostgresChangesOptions<Row, TOut> & { batch?: undefined },
  callback: (change: TOut) => void,
): SubscriptionState
export function usePostgresChanges(options: PostgresChangesOptions, callback: (value: any) => void): SubscriptionState {
  const hook = 'usePostgresChanges()'
  const { client } = useRealtimeContext(hook)
  const { channel, event, schema = 'public', table, filter, ...delivery } = options
  const postgres = { event, schema, table, ...(filter ? { filter } : {}) }
  const name = channel ?? ['postgres', schema, table, event, filter].filter(Boolean).join(':')
  const { entry, status, error } = usePooledChannel(hook, { name, postgres })
  const createDelivery = useDeliveryFactory(hook, client, callback, delivery)
  useEffect(() => {
    if (!entry) return
    const delivery = createDelivery()
    const off = entry.onPostgres((payload) => delivery.push(payload))
    return () => {
      off()
      delivery.close()
    }
  }, [entry, createDelivery])
  return { status, error }
}

export interface RealtimeSubscriptionOptions<Row extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<Row>>
  extends PostgresChangesOptions<Row, TOut> {
  /** Receives each change, or arrays of changes with `batch`. */
  callback: (payload: any) => void
}

/**
 * `usePostgresChanges` in the options-object shape of the hand-written connection managers it replaces
 * (`table`, `event`, `filter`, `callback`, `enabled`, `batch`, `debounceMs`, `transform`).
 * @example
 * useRealtimeSubscription({ table: 'orders', event: '*', filter: `user_id=eq.${userId}`, enabled: !!userId, callback: refetch, debounceMs: 250 })
 */
export function useRealtimeSubscription<Row extends Record<string, any> = Record<string, any>, TOut = PostgresChangesPayload<Row>>(
  options: RealtimeSubscriptionOptions<Row, TOut>,
): SubscriptionState {
  const { callback, ...rest } = options
  return usePostgresChanges(rest as PostgresChangesOptions & { batch?: undefined }, callback)
}
