/** Our `on…()` functions return this: call it to unsubscribe (idempotent); `using` works too. */
export interface Unsubscribe {
  (): void
  [Symbol.dispose](): void
}

declare global {
  // Apps whose `lib` predates ESNext.Disposable (ES2022 + DOM) still compile our types: the same
  // declaration as lib.esnext.disposable (and @types/node) merges with it.
  interface SymbolConstructor {
    readonly dispose: unique symbol
  }
}

// Symbol.dispose ships in recent engines only; define it where it is missing so `using` can work.
;(Symbol as { dispose?: symbol }).dispose ??= Symbol.for('Symbol.dispose')

export function unsubscriber(stop: () => void, signal?: AbortSignal): Unsubscribe {
  let done = false
  const off = (() => {
    if (done) return
    done = true
    signal?.removeEventListener('abort', off)
    stop()
  }) as Unsubscribe
  off[Symbol.dispose] = off
  if (signal) {
    if (signal.aborted) off()
    else signal.addEventListener('abort', off, { once: true })
  }
  return off
}

/** A tiny listener set whose `on()` returns an Unsubscribe (query-core's Subscribable). */
export class Listeners<T> {
  #set = new Set<(value: T) => void>()

  on(listener: (value: T) => void, options?: { signal?: AbortSignal }): Unsubscribe {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    this.#set.add(listener)
    return unsubscriber(() => this.#set.delete(listener), options?.signal)
  }

  has(listener: (value: T) => void): boolean {
    return this.#set.has(listener)
  }

  emit(value: T): void {
    for (const listener of [...this.#set]) {
      try {
        listener(value)
      } catch (error) {
        // One app callback throwing must not stop the others.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  clear(): void {
    this.#set.clear()
  }

  get size(): number {
    return this.#set.size
  }
}
