import { describe, expect, it } from 'vitest'
import { circuitOf, initialConnectionState, transition, type ConnectionEvent, type ConnectionState } from '../../../src/socket/connection-state.ts'

const policy = {
  backoff: { initialMs: 1000, maxMs: 30_000, multiplier: 2 },
  circuitBreaker: { enabled: true, threshold: 3, resetMs: 120_000 },
}

function run(events: ConnectionEvent[], start = initialConnectionState(0), random = () => 0.5, p = policy): ConnectionState {
  let state = start
  let now = 0
  for (const event of events) state = transition(state, event, (now += 10), p, random)
  return state
}

describe('connection state machine', () => {
  it('goes idle → connecting → connected and back to idle when nothing needs a socket', () => {
    const connecting = run([{ type: 'start' }])
    expect(connecting).toMatchObject({ status: 'connecting', attempt: 1 })
    const connected = transition(connecting, { type: 'opened' }, 50, policy, Math.random)
    expect(connected.status).toBe('connected')
    expect(transition(connected, { type: 'stop' }, 60, policy, Math.random).status).toBe('idle')
  })

  it('backs off with jitter after a close and retries when due', () => {
    const s = run([{ type: 'start' }, { type: 'opened' }, { type: 'closed', reason: 'socket closed: 1006' }])
    expect(s.status).toBe('reconnecting')
    expect(s.reason).toBe('socket closed: 1006')
    // attempt 1, ceiling 1000 ms, random 0.5 → 500 ms after the close at t=30
    expect(s.retryAt).toBe(30 + 500)
    const retry = transition(s, { type: 'retry-due' }, 600, policy, Math.random)
    expect(retry).toMatchObject({ status: 'connecting', attempt: 2 })
  })

  it('resets attempts only once a connection stayed healthy', () => {
    let s = run([{ type: 'start' }, { type: 'closed', reason: 'x' }, { type: 'retry-due' }, { type: 'closed', reason: 'x' }, { type: 'retry-due' }])
    expect(s.attempt).toBe(3)
    s = transition(s, { type: 'opened' }, 100, policy, Math.random)
    expect(s.attempt).toBe(3)
    s = transition(s, { type: 'stable' }, 200, policy, Math.random)
    expect(s).toMatchObject({ attempt: 0, failures: 0 })
  })

  it('opens the circuit after `threshold` consecutive failures, then half-opens once', () => {
    let s = run([{ type: 'start' }, { type: 'closed', reason: 'a' }, { type: 'retry-due' }, { type: 'closed', reason: 'b' }, { type: 'retry-due' }, { type: 'closed', reason: 'c' }])
    expect(s.status).toBe('circuit-open')
    expect(circuitOf(s)).toBe('open')
    expect(s.retryAt).toBe(60 + 120_000)
    s = transition(s, { type: 'retry-due' }, 120_100, policy, Math.random)
    expect(s.status).toBe('connecting')
    expect(circuitOf(s)).toBe('half-open')
    // The half-open probe fails: straight back to open.
    const reopened = transition(s, { type: 'closed', reason: 'd' }, 120_200, policy, Math.random)
    expect(reopened.status).toBe('circuit-open')
    // Or it succeeds and stays healthy: closed.
    const healed = transition(transition(s, { type: 'opened' }, 120_200, policy, Math.random), { type: 'stable' }, 130_000, policy, Math.random)
    expect(circuitOf(healed)).toBe('closed')
  })

  it('never opens the circuit when the breaker is disabled', () => {
    const off = { ...policy, circuitBreaker: { ...policy.circuitBreaker, enabled: false } }
    const events: ConnectionEvent[] = [{ type: 'start' }]
    for (let i = 0; i < 20; i++) events.push({ type: 'closed', reason: 'x' }, { type: 'retry-due' })
    expect(run(events, undefined, undefined, off).status).toBe('connecting')
  })

  it('rate-limit refusals wait at least maxMs', () => {
    const s = run([{ type: 'start' }, { type: 'closed', reason: 'ClientJoinRateLimitReached', rateLimited: true }], undefined, () => 0)
    expect(s.retryAt! - 20).toBe(30_000)
  })

  it('stops while offline and reconnects at once with backoff reset when online', () => {
    let s = run([{ type: 'start' }, { type: 'opened' }, { type: 'network', online: false }])
    expect(s.status).toBe('offline')
    s = transition(s, { type: 'retry-due' }, 100, policy, Math.random)
    expect(s.status).toBe('offline')
    s = transition(s, { type: 'network', online: true }, 200, policy, Math.random)
    expect(s).toMatchObject({ status: 'connecting', attempt: 1, failures: 0 })
  })

  it('a start while offline waits for the network', () => {
    const s = run([{ type: 'network', online: false }, { type: 'start' }])
    expect(s.status).toBe('offline')
  })

  it('pause keeps the hub paused until resume; reconnect resets the breaker', () => {
    let s = run([{ type: 'start' }, { type: 'opened' }, { type: 'pause' }])
    expect(s.status).toBe('paused')
    expect(transition(s, { type: 'stop' }, 100, policy, Math.random).status).toBe('paused')
    s = transition(s, { type: 'resume' }, 100, policy, Math.random)
    expect(s).toMatchObject({ status: 'connecting', attempt: 1 })
    const open = run([{ type: 'start' }, { type: 'closed', reason: 'a', fatal: true }])
    expect(open.status).toBe('circuit-open')
    expect(open.retryAt).toBeNull()
    expect(transition(open, { type: 'reconnect' }, 100, policy, Math.random)).toMatchObject({ status: 'connecting', failures: 0, attempt: 1 })
  })

  it('is final once closed', () => {
    const closed = run([{ type: 'start' }, { type: 'dispose' }])
    expect(closed.status).toBe('closed')
    for (const type of ['start', 'reconnect', 'resume'] as const) {
      expect(transition(closed, { type }, 1, policy, Math.random)).toBe(closed)
    }
  })
})

describe('fatal refusals', () => {
  it('stops retrying until reconnect()', () => {
    let s = run([{ type: 'start' }, { type: 'closed', reason: 'refused' }])
    expect(s.status).toBe('reconnecting')
    s = transition(s, { type: 'fatal', reason: 'the server refused the API key' }, 100, policy, Math.random)
    expect(s).toMatchObject({ status: 'circuit-open', retryAt: null, reason: 'the server refused the API key' })
    expect(transition(s, { type: 'retry-due' }, 200, policy, Math.random)).toBe(s)
    expect(transition(s, { type: 'reconnect' }, 300, policy, Math.random).status).toBe('connecting')
  })
})
