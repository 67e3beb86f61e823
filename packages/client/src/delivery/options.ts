/**
 * Per-subscription delivery options: how events reach one callback (transform, batch, debounce,
 * throttle, enabled). Types and validation only; `delivery.ts` applies them.
 */
import { RealtimeError } from '../errors.ts'

export interface BatchOptions {
  /** Deliver as soon as this many events are waiting. Default 100. */
  maxSize?: number
  /** Deliver at most this long after the first waiting event (ms). Default 50. */
  maxWaitMs?: number
}

export interface DeliveryOptions<TPayload = any, TOutput = TPayload> {
  /** Turns the raw payload into the app's model, once per event, before any shaping. */
  transform?: (payload: TPayload) => TOutput
  /** The callback receives arrays of events in arrival order. */
  batch?: BatchOptions
  /** Trailing debounce: only the latest event of a quiet period of this length is delivered (ms). */
  debounceMs?: number
  /** Leading and trailing throttle: at most one call per window of this length (ms), the latest event last. */
  throttleMs?: number
  /** `false` holds the subscription but delivers nothing (events in the meantime are not kept). Default true. */
  enabled?: boolean
  /** Called with a `RealtimeError('transform-failed')` when `transform` throws. Default: the client's health `lastError`. */
  onError?: (error: RealtimeError) => void
}

/** `BatchOptions` with the defaults filled in. */
export const DEFAULT_BATCH_OPTIONS = { maxSize: 100, maxWaitMs: 50 } as const satisfies Required<BatchOptions>

/** Options with `batch`: the callback receives `TOutput[]`. */
export type Batched<TPayload, TOutput> = DeliveryOptions<TPayload, TOutput> & { batch: BatchOptions }
/** Options without `batch`: the callback receives `TOutput`. */
export type Unbatched<TPayload, TOutput> = DeliveryOptions<TPayload, TOutput> & { batch?: undefined }

/** What the callback receives for the given options: arrays with `batch`, the transform's output if any. */
export type Delivered<TPayload, TOptions> = TOptions extends { batch: BatchOptions }
  ? OutputOf<TPayload, TOptions>[]
  : OutputOf<TPayload, TOptions>
export type OutputOf<TPayload, TOptions> = TOptions extends { transform: (payload: any) => infer R } ? R : TPayload

const KEYS = new Set(['transform', 'batch', 'debounceMs', 'throttleMs', 'enabled', 'onError'])

/** Throws `RealtimeError('invalid-argument')` naming the problem; `where` is the call, e.g. `on('broadcast')`. */
export function validateDeliveryOptions(options: unknown, where: string): asserts options is DeliveryOptions | undefined {
  if (options === undefined) return
  const fail = (message: string): never => {
    throw RealtimeError.of('invalid-argument', `${where}: ${message}`)
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) fail('delivery options must be an object')
  const o = options as Record<string, unknown>
  if (o.transform !== undefined && typeof o.transform !== 'function') fail('transform must be a function')
  if (o.onError !== undefined && typeof o.onError !== 'function') fail('onError must be a function')
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') fail('enabled must be true or false')
  checkMs(o.debounceMs, 'debounceMs', fail)
  checkMs(o.throttleMs, 'throttleMs', fail)
  if (o.debounceMs !== undefined && o.throttleMs !== undefined) fail('use debounceMs or throttleMs, not both')
  if (o.batch !== undefined) {
    const batch = o.batch as Record<string, unknown>
    if (batch === null || typeof batch !== 'object' || Array.isArray(batch)) fail('batch must be an object { maxSize, maxWaitMs }')
    if (batch.maxSize !== undefined && !(Number.isInteger(batch.maxSize) && (batch.maxSize as number) > 0)) {
      fail('batch.maxSize must be a whole number greater than 0')
    }
    checkMs(batch.maxWaitMs, 'batch.maxWaitMs', fail)
    if (o.debounceMs !== undefined || o.throttleMs !== undefined) fail('batch delivers every event; it cannot be combined with debounceMs or throttleMs')
  }
}

function checkMs(value: unknown, name: string, fail: (message: string) => never): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${name} must be a finite number of milliseconds ≥ 0`)
}

/** Picks the delivery options out of a larger object (the manager style's options). */
export function pickDeliveryOptions(source: DeliveryOptions & Record<string, unknown>): DeliveryOptions {
  const picked: Record<string, unknown> = {}
  for (const key of KEYS) if (source[key] !== undefined) picked[key] = source[key]
  return picked as DeliveryOptions
}
