/**
 * Delivery options for the hooks: validated while rendering (bad options throw at the call), applied
 * through the client's `createDelivery`. Only the shaping (batch, debounceMs, throttleMs) recreates the
 * delivery; the callback, transform, onError and enabled are read from the latest render.
 */
import { useMemo } from 'react'
import { createDelivery, validateDeliveryOptions, type DeliveryOptions } from '@shared-realtime/client'
import { useLatest } from './use-latest.ts'
import type { RealtimeLike } from './realtime-like.ts'

export interface HookDelivery<TPayload> {
  push(payload: TPayload): void
  /** Delivers what waits (a batch, a debounced event) and stops. */
  close(): void
}

/** Returns a factory whose identity changes only when the shaping changes. */
export function useDeliveryFactory<TPayload>(
  hook: string,
  client: RealtimeLike,
  callback: ((value: any) => void) | undefined | null,
  options: DeliveryOptions<TPayload, any> | undefined,
): () => HookDelivery<TPayload> {
  validateDeliveryOptions(options, hook)
  const latest = useLatest({ callback, options })
  const shaping = JSON.stringify({ batch: options?.batch, debounceMs: options?.debounceMs, throttleMs: options?.throttleMs })
  return useMemo(() => {
    const { batch, debounceMs, throttleMs } = JSON.parse(shaping) as DeliveryOptions
    return () => {
      const delivery = createDelivery<TPayload, unknown>(
        {
          batch,
          debounceMs,
          throttleMs,
          transform: (payload) => {
            const transform = latest.current.options?.transform
            return transform ? transform(payload) : payload
          },
          onError: (error) => {
            const report = latest.current.options?.onError ?? client.reportError?.bind(client)
            if (!report) throw error
            report(error)
          },
        },
        (value) => latest.current.callback?.(value),
      )
      return {
        push(payload) {
          if (latest.current.options?.enabled === false) return
          delivery.push(payload)
        },
        close: () => delivery.close(),
      }
    }
  }, [shaping, client, latest])
}
