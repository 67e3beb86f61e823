/**
 * One subscription's delivery: transform, then batch / debounce / throttle, then the callback.
 * Timers go through the injected clock; `flush()` delivers whatever waits and leaves no timer behind.
 */
import { RealtimeError } from '../errors.ts'
import { systemClock, type Clock } from './clock.ts'
import { DEFAULT_BATCH_OPTIONS, type DeliveryOptions } from './options.ts'

export interface Delivery<TPayload = unknown> {
  /** One event from the channel. */
  push(payload: TPayload): void
  /** Delivers what is waiting now (a batch, a debounced or trailing event) and clears the timer. */
  flush(): void
  /** Flushes, then ignores later events. Idempotent. */
  close(): void
  /** Events (after transform) waiting for a timer. */
  readonly pending: number
}

export interface DeliveryEnvironment {
  clock?: Clock
  /** Where a throwing transform is reported when the options have no `onError`. */
  report?: (error: RealtimeError) => void
}

/**
 * @example
 * const delivery = createDelivery({ batch: { maxSize: 10, maxWaitMs: 100 } }, (rows) => render(rows))
 * channel.on('postgres_changes', filter, (p) => delivery.push(p))
 */
export function createDelivery<TPayload, TOutput = TPayload>(
  options: DeliveryOptions<TPayload, TOutput> = {},
  callback: (value: any) => void,
  env: DeliveryEnvironment = {},
): Delivery<TPayload> {
  const clock = env.clock ?? systemClock
  const shaper = createShaper(options, clock, (value) => invoke(callback, value))
  let closed = false
  return {
    push(payload) {
      if (closed || options.enabled === false) return
      let value: unknown = payload
      if (options.transform) {
        try {
          value = options.transform(payload)
        } catch (cause) {
          const error = RealtimeError.of('transform-failed', `transform threw: ${cause instanceof Error ? cause.message : String(cause)}; the event was not delivered`, false, cause)
          invoke(options.onError ?? env.report ?? rethrow, error)
          return
        }
      }
      shaper.push(value)
    },
    flush: () => shaper.flush(),
    close() {
      if (closed) return
      shaper.flush()
      closed = true
    },
    get pending() {
      return shaper.pending
    },
  }
}

interface Shaper {
  push(value: unknown): void
  flush(): void
  readonly pending: number
}

function createShaper(options: DeliveryOptions, clock: Clock, emit: (value: unknown) => void): Shaper {
  if (options.batch) return batcher({ ...DEFAULT_BATCH_OPTIONS, ...options.batch }, clock, emit)
  if (options.debounceMs !== undefined) return debouncer(options.debounceMs, clock, emit)
  if (options.throttleMs !== undefined) return throttler(options.throttleMs, clock, emit)
  return { push: emit, flush() {}, pending: 0 }
}

/** Arrays in arrival order, by size or after `maxWaitMs` from the first waiting event. */
function batcher({ maxSize, maxWaitMs }: { maxSize: number; maxWaitMs: number }, clock: Clock, emit: (value: unknown) => void): Shaper {
  let buffer: unknown[] = []
  let timer: unknown
  const flush = () => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = undefined
    if (buffer.length === 0) return
    const out = buffer
    buffer = []
    emit(out)
  }
  return {
    push(value) {
      buffer.push(value)
      if (buffer.length >= maxSize) flush()
      else if (timer === undefined) timer = clock.setTimeout(flush, maxWaitMs)
    },
    flush,
    get pending() {
      return buffer.length
    },
  }
}

const NONE = Symbol('none')

/** Trailing: the latest event once no event came for `ms`. */
function debouncer(ms: number, clock: Clock, emit: (value: unknown) => void): Shaper {
  let latest: unknown = NONE
  let timer: unknown
  const flush = () => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = undefined
    if (latest === NONE) return
    const out = latest
    latest = NONE
    emit(out)
  }
  return {
    push(value) {
      latest = value
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = clock.setTimeout(flush, ms)
    },
    flush,
    get pending() {
      return latest === NONE ? 0 : 1
    },
  }
}

/** Leading and trailing: the first event at once, then the latest at the end of each busy window. */
function throttler(ms: number, clock: Clock, emit: (value: unknown) => void): Shaper {
  let trailing: unknown = NONE
  let timer: unknown
  const windowEnded = () => {
    timer = undefined
    if (trailing === NONE) return
    const out = trailing
    trailing = NONE
    // The trailing call opens a window of its own, so calls stay at least `ms` apart.
    timer = clock.setTimeout(windowEnded, ms)
    emit(out)
  }
  return {
    push(value) {
      if (timer === undefined) {
        timer = clock.setTimeout(windowEnded, ms)
        emit(value)
      } else {
        trailing = value
      }
    },
    flush() {
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
      if (trailing === NONE) return
      const out = trailing
      trailing = NONE
      emit(out)
    },
    get pending() {
      return trailing === NONE ? 0 : 1
    },
  }
}

/** One app callback throwing must not stop the others: rethrow it outside the delivery loop. */
function invoke(callback: (value: any) => void, value: unknown): void {
  try {
    callback(value)
  } catch (error) {
    rethrow(error)
  }
}

function rethrow(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}
