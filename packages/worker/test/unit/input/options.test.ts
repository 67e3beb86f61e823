import { describe, expect, it } from 'vitest'
import { DEFAULT_HUB_OPTIONS } from '../../../src/protocol/options.ts'
import { resolveHubOptions, validateHubOptions } from '../../../src/input/hub-options.ts'
import { checkPostgresFilter, validateBroadcast, validateSubscribeRequest } from '../../../src/input/validate.ts'
import { classifyServerReason } from '../../../src/reasons.ts'

describe('options', () => {
  it('resolves defaults once and layers patches', () => {
    expect(resolveHubOptions()).toEqual(DEFAULT_HUB_OPTIONS)
    const r = resolveHubOptions({ backoff: { maxMs: 5000 }, heartbeatIntervalMs: 1000 })
    expect(r.backoff).toEqual({ ...DEFAULT_HUB_OPTIONS.backoff, maxMs: 5000 })
    expect(r.heartbeatIntervalMs).toBe(1000)
    expect(r.deliveryBatchMs).toBe(0)
    expect(resolveHubOptions({ deliveryBatchMs: 16 }).deliveryBatchMs).toBe(16)
    expect(resolveHubOptions({ circuitBreaker: { enabled: false } }, r).backoff.maxMs).toBe(5000)
  })

  it.each([
    [{ heartbeatIntervalMs: -1 }, 'heartbeatIntervalMs must be a number'],
    [{ backoff: { multiplier: 'x' } }, 'backoff.multiplier must be a number'],
    [{ circuitBreaker: { threshold: 2.5 } }, 'whole number'],
    [{ circuitBreaker: { enabled: 'yes' } }, 'circuitBreaker.enabled must be true or false'],
    [{ deliveryBatchMs: 5_000 }, 'deliveryBatchMs must be a number from 0 to 1000'],
    [{ heartbeat: 10 }, 'unknown option "heartbeat"'],
    [{ limits: { perSecond: 1 } }, 'unknown option "limits.perSecond"'],
    ['fast', 'options must be an object'],
  ])('refuses %j with a clear message', (options, message) => {
    const error = validateHubOptions(options)
    expect(error?.code).toBe('invalid-argument')
    expect(error?.message).toContain(message)
  })
})

describe('input validation', () => {
  it('checks postgres filters', () => {
    expect(checkPostgresFilter('id=eq.1')).toBeNull()
    expect(checkPostgresFilter('status=in.(new,paid)')).toBeNull()
    expect(checkPostgresFilter('status=in.new')).toContain('parentheses')
    expect(checkPostgresFilter('id=equals.1')).toContain('unknown filter operator "equals"')
    expect(checkPostgresFilter('id')).toContain('malformed filter')
  })

  it('refuses unknown event types and bad configs', () => {
    const base = { subscriptionId: 's', topic: 't', config: {}, bindings: [] }
    expect(validateSubscribeRequest(base)).toBeNull()
    expect(validateSubscribeRequest({ ...base, bindings: [{ id: 1, type: 'postgres', filter: {} }] })?.message).toContain('unknown event type "postgres"')
    expect(validateSubscribeRequest({ ...base, topic: '' })?.message).toContain('non-empty name')
    expect(validateSubscribeRequest({ ...base, config: { replay: true } })?.message).toContain('unknown channel config "replay"')
    expect(validateSubscribeRequest({ ...base, config: { broadcast: { replay: { since: 1 } } } })?.message).toContain('private channel')
  })

  it('takes a well-formed resume hint and refuses a malformed one (issue #15)', () => {
    const base = { subscriptionId: 's', topic: 't', config: {}, bindings: [] }
    expect(validateSubscribeRequest({ ...base, resume: { since: 1, lastAt: null, ids: [] } })).toBeNull()
    expect(validateSubscribeRequest({ ...base, resume: { since: 1, lastAt: 2, ids: ['a', 'b'] } })).toBeNull()
    for (const resume of [null, {}, { since: 'x', lastAt: null, ids: [] }, { since: 1, lastAt: NaN, ids: [] }, { since: 1, lastAt: null, ids: [1] }, { since: 1, lastAt: null, ids: Array(33).fill('a') }]) {
      expect(validateSubscribeRequest({ ...base, resume })).toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('resume must be') })
    }
  })

  it('refuses oversized and malformed broadcasts', () => {
    expect(validateBroadcast({ type: 'broadcast', event: 'e', payload: { a: 1 } }, undefined, { maxPayloadBytes: 100 })).toBeNull()
    expect(validateBroadcast({ type: 'broadcast', event: 'e', payload: 'x'.repeat(200) }, undefined, { maxPayloadBytes: 100 })?.message).toContain('over the 100-byte limit')
    expect(validateBroadcast({ type: 'presence', event: 'e' }, undefined)?.message).toContain('broadcast')
    expect(validateBroadcast({ type: 'broadcast', event: '' }, undefined)?.message).toContain('event name')
    expect(validateBroadcast({ type: 'broadcast', event: 'e' }, { ttlMs: -5 })?.message).toContain('ttlMs')
  })

  it('classifies server refusals by prefix', () => {
    expect(classifyServerReason('ChannelRateLimitReached: Too many channels')).toMatchObject({ code: 'rate-limited', retry: 'rate-limit' })
    expect(classifyServerReason('Unauthorized: You do not have permissions to read from this Channel topic: x')).toMatchObject({ code: 'unauthorized', retry: 'never' })
    expect(classifyServerReason('You do not have permissions to read from this Channel topic: x')).toMatchObject({ code: 'unauthorized', retry: 'never' })
    expect(classifyServerReason('You no longer have permission to read from this Channel topic: x')).toMatchObject({ code: 'unauthorized', retry: 'never' })
    expect(classifyServerReason('InvalidJWTToken: Token has expired 3 seconds ago')).toMatchObject({ retry: 'refresh-token' })
    expect(classifyServerReason('Token has expired 3 seconds ago')).toMatchObject({ retry: 'refresh-token' })
    expect(classifyServerReason('UnableToConnectToProject: Realtime was unable to connect to the project database')).toMatchObject({ retry: 'retry' })
  })
})
