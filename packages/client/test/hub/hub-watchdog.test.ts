/** The ping watchdog: a timeout chain on the clock that calls lost() once, for no answer, a failure or a new epoch. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { systemClock, type Result } from '@shared-realtime/worker/protocol'
import { MAX_PING_TIMEOUT_MS, startHubWatchdog } from '../../src/hub/hub-watchdog.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

function watch(ping: () => Promise<Result<string>>, timeoutMs = 10_000) {
  const events: string[] = []
  const pings = vi.fn(ping)
  const watchdog = startHubWatchdog({
    clock: systemClock,
    intervalMs: 1_000,
    timeoutMs: () => timeoutMs,
    ping: pings,
    epoch: 'e1',
    alive: () => events.push('alive'),
    lost: () => events.push('lost'),
  })
  return { events, pings, watchdog }
}

describe('startHubWatchdog', () => {
  it('pings every interval while the same hub answers', async () => {
    const { events, pings, watchdog } = watch(async () => ({ ok: true, value: 'e1' }))
    await vi.advanceTimersByTimeAsync(3_000)
    expect(pings).toHaveBeenCalledTimes(3)
    expect(events).toEqual(['alive', 'alive', 'alive'])
    watchdog.stop()
  })

  it('reports a hub with another epoch as lost, once, and stops', async () => {
    const { events, pings } = watch(async () => ({ ok: true, value: 'e2' }))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(events).toEqual(['lost'])
    expect(pings).toHaveBeenCalledTimes(1)
  })

  it('reports a hub that does not answer within min(timeoutMs, 5 s)', async () => {
    const { events } = watch(() => new Promise(() => {}), 60_000)
    await vi.advanceTimersByTimeAsync(1_000 + MAX_PING_TIMEOUT_MS - 1)
    expect(events).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(events).toEqual(['lost'])
  })

  it('reports a ping that throws synchronously (a released proxy) or fails', async () => {
    const sync = watch(() => {
      throw new TypeError('Proxy has been released and is not useable')
    })
    const failed = watch(async () => ({ ok: false, error: { code: 'protocol', message: 'bye', retryable: true } }))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(sync.events).toEqual(['lost'])
    expect(failed.events).toEqual(['lost'])
  })

  it('stop() ends the chain and leaves no timer, even with a ping in flight', async () => {
    let answer!: (r: Result<string>) => void
    const { events, watchdog } = watch(() => new Promise((resolve) => (answer = resolve)))
    await vi.advanceTimersByTimeAsync(1_000)
    watchdog.stop()
    answer({ ok: true, value: 'e2' })
    await vi.advanceTimersByTimeAsync(MAX_PING_TIMEOUT_MS)
    expect(events).toEqual([])
  })
})
