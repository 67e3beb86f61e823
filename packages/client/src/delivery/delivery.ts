/**
 * One subscription's delivery: transform, then batch / debounce / throttle, then the callback.
 * Timers go through the injected clock; `flush()` delivers whatever waits and leaves no timer behind.
 */
import { RealtimeError } from '../errors.ts'
import { systemClock, Timeout, type Clock } from '@shared-realtime/worker/protocol'
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
  const timer = new Timeout(clock)
  const flush = () => {
    timer.clear()
    if (buffer.length === 0) return
    const out = buffer
    buffer = []
    emit(out)
  }
  return {
    push(value) {
      buffer.push(value)
      if (buffer.length >= maxSize) flush()
      else if (!timer.pending) timer.set(maxWaitMs, flush)
    },
    flush,
    get pending() {
      return buffer.length
    },
  }
}

/** Trailing: the latest event once no event came for `ms`. */
function debouncer(ms: number, clock: Clock, emit: (value: unknown) => void): Shaper {
  const latest = new Slot()
  const timer = new Timeout(clock)
  const flush = () => {
    timer.clear()
    latest.take(emit)
  }
  return {
    push(value) {
      latest.put(value)
      timer.set(ms, flush)
    },
    flush,
    get pending() {
      return latest.size
    },
  }
}

/** Leading and trailing: the first event at once, then the latest at the end of each busy window. */
function throttler(ms: number, clock: Clock, emit: (value: unknown) => void): Shaper {
  const trailing = new Slot()
  const timer = new Timeout(clock)
  const windowEnded = () => {
    // The trailing call opens a window of its own, so calls stay at least `ms` apart.
    if (trailing.size > 0) timer.set(ms, windowEnded)
    trailing.take(emit)
  }
  return {
    push(value) {
      if (timer.pending) return trailing.put(value)
      timer.set(ms, windowEnded)
      emit(value)
    },
    flush() {
      timer.clear()
      trailing.take(emit)
    },
    get pending() {
      return trailing.size
    },
  }
}

const EMPTY = Symbol('empty')

class Slot {
  #value: unknown = EMPTY

  get size(): 0 | 1 {
    return this.#value === EMPTY ? 0 : 1
  }

  put(value: unknown): void {
    this.#value = value
  }

  /** Hands the waiting value to `emit`, if there is one, and empties the slot first. */
  take(emit: (value: unknown) => void): void {
    if (this.#value === EMPTY) return
    const value = this.#value
    this.#value = EMPTY
    emit(value)
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
