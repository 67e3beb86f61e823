/**
 * An in-memory Web Locks manager (exclusive mode, `ifAvailable`, `signal`) and an in-memory
 * BroadcastChannel bus: several hubs of one "origin" in one Node process.
 */
import type { LockManagerLike } from '../../src/outbox/owner-lock.ts'

interface Waiter {
  callback: (lock: unknown) => unknown
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

export class FakeLocks implements LockManagerLike {
  /** Name → the grant in force (a crash replaces it, so the old holder's late release is ignored). */
  #held = new Map<string, object>()
  #queues = new Map<string, Waiter[]>()

  held(name: string): boolean {
    return this.#held.has(name)
  }

  waiting(name: string): number {
    return this.#queues.get(name)?.length ?? 0
  }

  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter = { callback, resolve, reject }
      if (!this.#held.has(name)) return this.#grant(name, waiter)
      if (options.ifAvailable) return void Promise.resolve().then(() => callback(null)).then(resolve, reject)
      const queue = this.#queues.get(name) ?? []
      queue.push(waiter)
      this.#queues.set(name, queue)
      options.signal?.addEventListener('abort', () => {
        const at = queue.indexOf(waiter)
        if (at >= 0) queue.splice(at, 1)
        reject(new DOMException('aborted', 'AbortError'))
      })
    })
  }

  #grant(name: string, waiter: Waiter): void {
    const grant = {}
    this.#held.set(name, grant)
    void Promise.resolve()
      .then(() => waiter.callback({ name }))
      .then(waiter.resolve, waiter.reject)
      .finally(() => {
        if (this.#held.get(name) === grant) this.#release(name)
      })
  }

  #release(name: string): void {
    this.#held.delete(name)
    const next = this.#queues.get(name)?.shift()
    if (next) this.#grant(name, next)
  }

  /** The holders of every lock whose name starts with `prefix` die (a crashed page): the next in line get them. */
  crash(prefix: string): void {
    for (const name of [...this.#held.keys()]) if (name.startsWith(prefix)) this.#release(name)
  }
}

/** BroadcastChannel semantics: a message reaches every other open channel of the same name, asynchronously. */
export class FakeBus {
  #channels = new Set<{ name: string; listeners: Set<(event: { data: unknown }) => void>; closed: boolean }>()

  channel(name: string) {
    const me = { name, listeners: new Set<(event: { data: unknown }) => void>(), closed: false }
    this.#channels.add(me)
    return {
      postMessage: (data: unknown) => {
        if (me.closed) throw new DOMException('BroadcastChannel is closed', 'InvalidStateError')
        const copy = structuredClone(data)
        for (const other of this.#channels) {
          if (other === me || other.name !== name || other.closed) continue
          setTimeout(() => {
            if (!other.closed) for (const listener of other.listeners) listener({ data: copy })
          }, 0)
        }
      },
      addEventListener: (_type: 'message', listener: (event: { data: unknown }) => void) => void me.listeners.add(listener),
      close: () => {
        me.closed = true
        this.#channels.delete(me)
      },
    }
  }
}
