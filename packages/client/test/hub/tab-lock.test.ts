/** Web Locks liveness: the tab lock is held once and released on demand; the hub's lock tells when the hub died. */
import { describe, expect, it } from 'vitest'
import { tabLockName } from '@shared-realtime/worker/protocol'
import { createTabLock, watchHubLock } from '../../src/hub/tab-lock.ts'
import { FakeLocks } from '../support/setup-client.ts'

describe('createTabLock', () => {
  it('holds the lock named after the tab until release(), once however often it is asked', async () => {
    const locks = new FakeLocks()
    const lock = createTabLock('tab-1', () => locks)
    await lock.hold()
    await lock.hold()
    expect([...locks.held]).toEqual([tabLockName('tab-1')])
    lock.release()
    await Promise.resolve()
    await Promise.resolve()
    expect(locks.held.size).toBe(0)
  })

  it('resolves at once where there are no Web Locks', async () => {
    const lock = createTabLock('tab-1', () => undefined)
    await expect(lock.hold()).resolves.toBeUndefined()
    lock.release()
  })
})

describe('watchHubLock', () => {
  it('calls back only when the hub lets its lock go', async () => {
    const locks = new FakeLocks()
    locks.held.add('hub-1')
    let released = 0
    watchHubLock(locks, 'hub-1', () => void released++)
    await Promise.resolve()
    expect(released).toBe(0)
    locks.release('hub-1')
    expect(released).toBe(1)
  })

  it('does nothing without Web Locks', () => {
    expect(() => watchHubLock(undefined, 'hub-1', () => {})).not.toThrow()
  })
})
