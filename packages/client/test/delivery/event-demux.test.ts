/** The delivery port and the demux: each event reaches its receiver, latency is measured, frames are acknowledged when asked. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_HUB_OPTIONS, type DeliveryFrame, type TabEvent } from '@shared-realtime/worker/protocol'
import { demuxFrame, type DemuxTargets } from '../../src/delivery/event-demux.ts'
import { openDeliveryPort } from '../../src/delivery/delivery-port.ts'
import { initialHealth } from '../../src/health/initial-health.ts'

function recorder(known: string[] = ['sub-1']) {
  const log: unknown[] = []
  const targets: DemuxTargets = {
    health: (h) => log.push(['health', h.status]),
    refreshToken: () => log.push(['refresh']),
    alert: (a) => log.push(['alert', a.rule]),
    updateAvailable: (protocol) => log.push(['update', protocol]),
    channel: (id) => (known.includes(id) ? { handle: (event) => log.push(['channel', id, event.type]) } : undefined),
    latency: (ms) => log.push(['latency', ms]),
  }
  return { log, targets }
}

const frame = (events: TabEvent[], sentAt = 100): DeliveryFrame<TabEvent> => ({ seq: 1, sentAt, ack: false, events })
const payload = { json: '{}' }

describe('demuxFrame', () => {
  it('sends each event to its receiver, in frame order', () => {
    const { log, targets } = recorder()
    const health = { ...initialHealth(DEFAULT_HUB_OPTIONS, { at: 0 }), status: 'connected' as const }
    demuxFrame(
      frame([
        { type: 'hub/health', health },
        { type: 'channel/status', subscriptionId: 'sub-1', status: 'SUBSCRIBED' },
        { type: 'auth/refresh', reason: 'expiring' },
        { type: 'hub/alert', alert: { rule: 'slow', metric: 'latency', value: 900, message: 'latency above 500 ms', at: 1 } },
        { type: 'channel/resync', subscriptionId: 'sub-1', since: 1, until: 2, reason: 'reconnected', replayed: 0, complete: false },
        { type: 'hub/update-available', protocol: 3 },
      ]),
      150,
      targets,
    )
    expect(log).toEqual([['health', 'connected'], ['channel', 'sub-1', 'channel/status'], ['refresh'], ['alert', 'slow'], ['channel', 'sub-1', 'channel/resync'], ['update', 3]])
  })

  it('measures latency for events that reach a callback only', () => {
    const { log, targets } = recorder()
    demuxFrame(
      frame([
        { type: 'channel/event', subscriptionId: 'sub-1', bindingIds: [], payload },
        { type: 'channel/event', subscriptionId: 'sub-1', bindingIds: [2], payload },
      ]),
      130,
      targets,
    )
    expect(log).toEqual([['channel', 'sub-1', 'channel/event'], ['latency', 30], ['channel', 'sub-1', 'channel/event']])
  })

  it('drops events of a subscription the tab no longer has', () => {
    const { log, targets } = recorder([])
    demuxFrame(frame([{ type: 'channel/status', subscriptionId: 'gone', status: 'CLOSED' }]), 100, targets)
    expect(log).toEqual([])
  })
})

describe('openDeliveryPort', () => {
  it('hands each frame over, then acknowledges the ones that ask', async () => {
    const frames: number[] = []
    const port = openDeliveryPort((f) => frames.push(f.seq))
    const acks: number[] = []
    const done = new Promise<void>((resolve) => {
      port.remote.onmessage = (event) => {
        acks.push(event.data as number)
        if (event.data === 3) resolve()
      }
    })
    for (const seq of [1, 2, 3]) port.remote.postMessage({ seq, sentAt: 0, ack: seq !== 2, events: [] } satisfies DeliveryFrame)
    await done
    expect(frames).toEqual([1, 2, 3])
    expect(acks).toEqual([1, 3])
    port.close()
    port.remote.close()
  })
})
