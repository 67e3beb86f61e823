/**
 * Server-side rendering: importing the client in Node never throws, and a client created there stays
 * `idle` and refuses channel work with a typed `unsupported` error (issue #11).
 */
import { describe, expect, it, vi } from 'vitest'

describe('in Node (server-side rendering)', () => {
  it('imports without touching browser globals', async () => {
    expect(typeof globalThis.window).toBe('undefined')
    expect(typeof globalThis.SharedWorker).toBe('undefined')
    const client = await import('../src/index.ts')
    expect(typeof client.createSharedRealtime).toBe('function')
  })

  it('creates a client that stays idle and rejects channel calls with a typed error', async () => {
    const { createSharedRealtime, RealtimeError } = await import('../src/index.ts')
    const realtime = createSharedRealtime('http://127.0.0.1:1', 'anon-key', { timeoutMs: 200 })
    expect(realtime.getHealthStatus().status).toBe('idle')

    const channel = realtime.channel('room')
    const statuses: [string, unknown][] = []
    channel.subscribe((status, error) => statuses.push([status, error]))
    const sent = channel.send({ type: 'broadcast', event: 'hello', payload: {} })
    const error = await realtime.getPerformanceMetrics().then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(RealtimeError)
    expect((error as InstanceType<typeof RealtimeError>).code).toBe('unsupported')
    await expect.poll(() => statuses.map(([s]) => s)).toContain('CHANNEL_ERROR')
    const channelError = statuses.find(([s]) => s === 'CHANNEL_ERROR')?.[1]
    expect(channelError).toBeInstanceOf(RealtimeError)
    expect((channelError as InstanceType<typeof RealtimeError>).code).toBe('unsupported')
    await expect(sent).rejects.toMatchObject({ name: 'RealtimeError', code: 'unsupported' })
    expect(realtime.getHealthStatus().status).toBe('idle')
    await realtime.close()
  })

  it('also stays idle with a worker URL as the endpoint', async () => {
    const { createSharedRealtime } = await import('../src/index.ts')
    const realtime = createSharedRealtime('http://127.0.0.1:1', 'anon-key', { endpoint: '/shared-worker.js' })
    expect(realtime.getHealthStatus().status).toBe('idle')
    await expect(realtime.getPerformanceMetrics()).rejects.toMatchObject({ code: 'unsupported' })
    await realtime.close()
  })

  it('rejects an endpoint that is neither a URL nor a function', async () => {
    const { createSharedRealtime } = await import('../src/index.ts')
    expect(() => createSharedRealtime('http://127.0.0.1:1', 'anon-key', { endpoint: 42 as never })).toThrowError(
      expect.objectContaining({ code: 'invalid-argument' }),
    )
  })
})

describe('a browser page without SharedWorker', () => {
  it('runs the hub in the page even when the app hosts the worker file (endpoint URL)', async () => {
    vi.stubGlobal('window', {})
    vi.stubGlobal('document', { visibilityState: 'visible' })
    try {
      const { createSharedRealtime } = await import('../src/index.ts')
      const realtime = createSharedRealtime('http://127.0.0.1:1', 'anon-key', { endpoint: '/shared-worker.js', timeoutMs: 2_000 })
      expect(realtime.getHealthStatus().status).toBe('connecting')
      const findings = await realtime.healthCheck()
      expect(findings.map((f) => f.id)).toContain('no-shared-worker')
      await realtime.close()
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
