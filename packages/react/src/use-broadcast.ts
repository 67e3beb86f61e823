import { useCallback, useEffect } from 'react'
import { RealtimeError, type BroadcastPayload, type DeliveryOptions, type SendStatus } from '@shared-realtime/client'
import { useRealtimeContext } from './context.ts'
import { useDeliveryFactory } from './use-delivery.ts'
import { usePooledChannel } from './use-pooled-channel.ts'

export interface UseBroadcastOptions<TOut = BroadcastPayload> extends DeliveryOptions<BroadcastPayload, TOut> {
  /** Time to live of a message queued while offline (ms), passed to `send()`. */
  ttlMs?: number
}

/**
 * Listens to broadcast `event` on `channelName` (pass `null` as callback to only send) and returns a
 * stable `send(payload)`, which resolves like `channel.send()` (`'ok' | 'queued' | 'timed out' | 'error'`).
 * @example
 * const send = useBroadcast('room:1', 'typing', (e) => showTyping(e.payload.user), { throttleMs: 1000 })
 * send({ user: me })
 */
export function useBroadcast<TOut = BroadcastPayload>(
  channelName: string,
  event: string,
  callback?: ((message: TOut) => void) | null,
  options?: UseBroadcastOptions<TOut> & { batch?: undefined },
): (payload?: unknown) => Promise<SendStatus>
export function useBroadcast<TOut = BroadcastPayload>(
  channelName: string,
  event: string,
  callback: ((messages: TOut[]) => void) | null,
  options: UseBroadcastOptions<TOut> & { batch: NonNullable<DeliveryOptions['batch']> },
): (payload?: unknown) => Promise<SendStatus>
export function useBroadcast(channelName: string, event: string, callback?: ((value: any) => void) | null, options: UseBroadcastOptions<any> = {}): (payload?: unknown) => Promise<SendStatus> {
  const hook = 'useBroadcast()'
  const { client } = useRealtimeContext(hook)
  const { ttlMs, ...delivery } = options
  const { entry } = usePooledChannel(hook, { name: channelName })
  const createDelivery = useDeliveryFactory(hook, client, callback, delivery)
  const listening = typeof callback === 'function'
  useEffect(() => {
    if (!entry || !listening) return
    const delivery = createDelivery()
    const off = entry.onBroadcast(event, (payload) => delivery.push(payload))
    return () => {
      off()
      delivery.close()
    }
  }, [entry, event, listening, createDelivery])
  return useCallback(
    async (payload?: unknown) => {
      if (!entry) throw RealtimeError.of('invalid-argument', `useBroadcast('${channelName}'): send() before the channel was opened (call it from an event handler or effect, not while rendering)`)
      return entry.channel.send({ type: 'broadcast', event, payload }, ttlMs === undefined ? {} : { ttlMs })
    },
    [entry, event, channelName, ttlMs],
  )
}
