import { describe, expect, it, vi } from 'vitest'
import { createWebLocksLiveness, manualLiveness } from '../../../src/tabs/liveness.ts'
import { tabLockName } from '../../../src/protocol/names.ts'

/** A LockManager with one holder per name: a request waits until the holder releases it (or its signal aborts). */
function fakeLocks() {
  const holders = new Map<string, () => void>()
  const requests: string[] = []
  return {
    requests,
    hold(name: string) {
      let release!: () => void
      holders.set(name, () => release())
      return new Promise<void>((resolve) => (release = resolve)).then(() => holders.delete(name))
    },
    release: (name: string) => holders.get(name)?.(),
    async request(name: string, options: { signal?: AbortSignal }, callback: () => unknown) {
      requests.push(name)
      while (holders.has(name)) {
        if (options.signal?.aborted) throw options.signal.reason
        await new Promise<void>((resolve) => {
          const done = () => resolve()
          options.signal?.addEventListener('abort', done, { once: true })
          setTimeout(done, 1)
        })
      }
      if (options.signal?.aborted) throw options.signal.reason
      return callback()
    },
  }
}

describe('liveness', () => {
  it('calls onGone once the tab releases its lock, under the name the tab holds', async () => {
    const locks = fakeLocks()
    void locks.hold(tabLockName('t1'))
    const onGone = vi.fn()
    createWebLocksLiveness(locks).watch('t1', onGone)
    await new Promise((r) => setTimeout(r, 5))
    expect(locks.requests).toEqual([tabLockName('t1')])
    expect(onGone).not.toHaveBeenCalled()
    locks.release(tabLockName('t1'))
    await vi.waitFor(() => expect(onGone).toHaveBeenCalledTimes(1))
  })

  it('stops watching when asked: a later release calls nothing', async () => {
    const locks = fakeLocks()
    void locks.hold(tabLockName('t2'))
    const onGone = vi.fn()
    const stop = createWebLocksLiveness(locks).watch('t2', onGone)
    stop()
    locks.release(tabLockName('t2'))
    await new Promise((r) => setTimeout(r, 10))
    expect(onGone).not.toHaveBeenCalled()
  })

  it('without Web Locks nothing is ever reported gone (only the goodbye ends a tab)', () => {
    const onGone = vi.fn()
    const stop = manualLiveness.watch('t3', onGone)
    expect(onGone).not.toHaveBeenCalled()
    expect(stop).not.toThrow()
  })
})
