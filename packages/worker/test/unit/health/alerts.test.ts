import { describe, expect, it } from 'vitest'
import { AlertEngine, checkAlertRules } from '../../../src/health/alerts.ts'

const quiet = { latency: 50, errorRate: 0, outboxSize: 0, reconnects: 0, disconnected: 0 }

describe('alert engine', () => {
  it('fires once a metric stays above its threshold for forMs, then respects the cooldown', () => {
    const engine = new AlertEngine()
    engine.setRules([{ id: 'slow', metric: 'latency', above: 500, forMs: 2000, cooldownMs: 10_000 }])
    expect(engine.evaluate({ ...quiet, latency: 800 }, 0)).toEqual([])
    expect(engine.evaluate({ ...quiet, latency: 900 }, 1000)).toEqual([])
    const [alert] = engine.evaluate({ ...quiet, latency: 950 }, 2000)
    expect(alert).toMatchObject({ rule: 'slow', metric: 'latency', value: 950, at: 2000 })
    expect(alert.message).toContain('950 ms heartbeat latency')
    expect(engine.evaluate({ ...quiet, latency: 950 }, 5000)).toEqual([])
    expect(engine.evaluate({ ...quiet, latency: 950 }, 12_000)).toHaveLength(1)
  })

  it('restarts the forMs window when the metric dips below', () => {
    const engine = new AlertEngine()
    engine.setRules([{ id: 'errors', metric: 'errorRate', above: 5, forMs: 1000 }])
    engine.evaluate({ ...quiet, errorRate: 9 }, 0)
    engine.evaluate({ ...quiet, errorRate: 1 }, 500)
    expect(engine.evaluate({ ...quiet, errorRate: 9 }, 1200)).toEqual([])
    expect(engine.evaluate({ ...quiet, errorRate: 9 }, 2200)).toHaveLength(1)
  })

  it('validates rules from tabs', () => {
    expect(checkAlertRules([{ id: 'a', metric: 'latency', above: 1 }])).toBeNull()
    expect(checkAlertRules({})).toContain('array')
    expect(checkAlertRules([{ id: 'a', metric: 'cpu', above: 1 }])).toContain('metric must be one of')
    expect(checkAlertRules([{ id: 'a', metric: 'latency', above: 'x' }])).toContain('above must be a number')
    expect(checkAlertRules([{ metric: 'latency', above: 1 }])).toContain('needs an id')
  })
})
