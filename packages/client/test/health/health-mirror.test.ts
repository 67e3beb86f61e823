/** The health mirror: a synchronous snapshot, listeners that hear only real changes, tab-local errors. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_HUB_OPTIONS, type HealthSnapshot } from '@shared-realtime/worker/protocol'
import { HealthMirror } from '../../src/health/health-mirror.ts'
import { initialHealth } from '../../src/health/initial-health.ts'
import { RealtimeError } from '../../src/errors.ts'
import { setupClient, type ClientHandle } from '../support/setup-client.ts'

const start = () => initialHealth(DEFAULT_HUB_OPTIONS, { at: 0 })

describe('HealthMirror', () => {
  it('tells state and quality listeners about changes only, and health listeners about every snapshot', () => {
    const mirror = new HealthMirror(start())
    const states: unknown[] = []
    const qualities: unknown[] = []
    const snapshots: HealthSnapshot[] = []
    mirror.onState((s) => states.push(s))
    mirror.onQuality((q) => qualities.push(q))
    mirror.onHealth((h) => snapshots.push(h))
    const connected = { ...start(), status: 'connected' as const, reason: 'socket open', quality: 'good' as const, at: 1 }
    mirror.set(connected)
    mirror.set({ ...connected, latency: 40, at: 2 })
    mirror.set({ ...connected, reason: 'rejoined', at: 3 })
    expect(states).toEqual([
      { status: 'connected', reason: 'socket open' },
      { status: 'connected', reason: 'rejoined' },
    ])
    expect(qualities).toEqual(['good'])
    expect(snapshots.map((h) => h.at)).toEqual([1, 2, 3])
    expect(mirror.snapshot.at).toBe(3)
  })

  it('shows a tab-local error as lastError and counts it', () => {
    const mirror = new HealthMirror(start())
    mirror.reportError(RealtimeError.of('transform-failed', 'transform threw: boom'), 42)
    expect(mirror.snapshot).toMatchObject({ errorCount: 1, at: 42, lastError: { code: 'transform-failed', message: 'transform threw: boom', retryable: false } })
  })

  it('reads the call deadline from the hub options it mirrors', () => {
    const mirror = new HealthMirror(start())
    mirror.set({ ...start(), options: { ...DEFAULT_HUB_OPTIONS, timeoutMs: 1_234 } })
    expect(mirror.timeoutMs).toBe(1_234)
  })

  it('stops every listener on clear(), and an unsubscribed one hears nothing', () => {
    const mirror = new HealthMirror(start())
    const heard: string[] = []
    const off = mirror.onHealth(() => heard.push('off'))
    mirror.onState(() => heard.push('state'))
    off()
    mirror.clear()
    mirror.set({ ...start(), status: 'connected' })
    expect(heard).toEqual([])
  })
})

describe('the client mirror of the hub health', () => {
  let client: ClientHandle | undefined
  afterEach(async () => {
    await client?.cleanup()
    client = undefined
  })

  it('follows the snapshots the hub pushes on the delivery port', async () => {
    client = setupClient()
    const statuses: string[] = []
    client.realtime.onStateChange(({ status }) => statuses.push(status))
    await client.until(() => client!.realtime.getHealthStatus().epoch === 'epoch-1', 'hello')
    client.hub.push([{ type: 'hub/health', health: { ...client.hub.health, status: 'reconnecting', reason: 'socket closed' } }])
    await client.until(() => client!.realtime.getHealthStatus().status === 'reconnecting', 'the pushed snapshot')
    expect(statuses).toEqual(['connected', 'reconnecting'])
    expect(client.realtime.getHealthStatus().reason).toBe('socket closed')
    expect(vi.getTimerCount()).toBe(1) // only the hub watchdog
  })
})
