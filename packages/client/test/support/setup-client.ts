/**
 * `setupClient()`: a SharedRealtime on fake timers whose endpoint leads to a StubHub (a real
 * MessageChannel and Comlink). `restartHub()` puts a new hub (new epoch) behind the endpoint, as the
 * browser does when a SharedWorker died; `cleanup()` closes everything and asserts no timer is left.
 */
import { expect, vi } from 'vitest'
import { SharedRealtime, type ResolvedClientConfig } from '../../src/shared-realtime.ts'
import type { LockManagerLike } from '../../src/hub/tab-lock.ts'
import { StubHub } from './stub-hub.ts'

export interface ClientHandle {
  realtime: SharedRealtime
  /** The hub the next connection reaches. */
  readonly hub: StubHub
  /** Every hub so far, oldest first. */
  readonly hubs: StubHub[]
  locks: FakeLocks
  /** New connections wait until the returned function is called (a worker that is slow to start). */
  holdConnections(): () => void
  /** Replaces the hub behind the endpoint (the old one keeps whatever state the test gave it). */
  restartHub(): StubHub
  /** Lets MessageChannel messages and microtasks run until `check` passes; fake time does not move meanwhile. */
  until(check: () => unknown, what?: string): Promise<void>
  cleanup(): Promise<void>
}

export interface SetupClientOptions extends Partial<ResolvedClientConfig> {
  /** Configures the first hub (and the locks it holds) before the client says hello. */
  prepare?: (hub: StubHub, locks: FakeLocks) => void
}

// Captured before any test installs fake timers: a real macrotask turn lets port messages through.
const realSetImmediate = globalThis.setImmediate
const realTurn = () => new Promise<void>((resolve) => realSetImmediate(() => resolve()))

export function setupClient({ prepare, ...config }: SetupClientOptions = {}): ClientHandle {
  vi.useFakeTimers()
  const hubs = [new StubHub('epoch-1')]
  const locks = new FakeLocks()
  prepare?.(hubs[0]!, locks)
  let held: Promise<void> | null = null
  const realtime = new SharedRealtime({
    realtimeUrl: 'ws://stub.invalid/realtime/v1',
    apiKey: 'anon-key',
    hubOptions: {},
    endpoint: async () => {
      if (held) await held
      return hubs.at(-1)!.connect()
    },
    hubKind: 'custom',
    hubCheckIntervalMs: 1_000,
    locks: () => locks,
    ...config,
  })
  return {
    realtime,
    get hub() {
      return hubs.at(-1)!
    },
    hubs,
    locks,
    holdConnections() {
      let release!: () => void
      held = new Promise<void>((resolve) => (release = resolve))
      return () => {
        held = null
        release()
      }
    },
    restartHub() {
      const next = new StubHub(`epoch-${hubs.length + 1}`)
      hubs.push(next)
      return next
    },
    async until(check, what = 'condition') {
      for (let turn = 0; turn < 2_000; turn++) {
        if (check()) return
        await realTurn()
      }
      throw new Error(`still waiting for ${what}`)
    },
    async cleanup() {
      const closing = realtime.close()
      // A killed hub never acknowledges the goodbye: close() gives up after its deadline.
      await vi.advanceTimersByTimeAsync(1_000)
      await closing
      for (const hub of hubs) hub.close()
      expect(vi.getTimerCount()).toBe(0)
      vi.useRealTimers()
    },
  }
}

/** Web Locks as the hub and the tab use them: `release(name)` grants the waiting requests, as a dying holder does. */
export class FakeLocks implements LockManagerLike {
  readonly held = new Set<string>()
  #waiting = new Map<string, (() => Promise<void> | void)[]>()

  request(name: string, callback: () => Promise<void> | void): Promise<unknown> {
    if (!this.held.has(name)) {
      this.held.add(name)
      return Promise.resolve(callback()).finally(() => this.held.delete(name))
    }
    this.#waiting.set(name, [...(this.#waiting.get(name) ?? []), callback])
    return new Promise(() => {})
  }

  /** The holder let go (or died): the next waiting request is granted. */
  release(name: string): void {
    this.held.delete(name)
    const next = this.#waiting.get(name)?.shift()
    if (next) void this.request(name, next)
  }
}
