/** The publisher on a fake server channel with fake timers: sends, the outbox path, ordering, deadlines and the echo. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setupPublisher } from '../../support/publisher.ts'
import { MESSAGE_ID_FIELD } from '../../../src/protocol/wire.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

const message = (i: number) => ({ type: 'broadcast' as const, event: 'e', payload: { i } })

describe('publisher', () => {
  it('pushes at once when it can, with the message id, and echoes the text it serialised once', async () => {
    const { publisher, channel, echoes, metrics } = setupPublisher()
    const stringify = vi.spyOn(JSON, 'stringify')
    await expect(publisher.send('s1', message(1), { messageId: 'm1' })).resolves.toBe('ok')
    // One serialisation of an object (the payload); the rest are the event name and id strings spliced into its text.
    expect(stringify.mock.calls.filter(([value]) => typeof value === 'object')).toEqual([[{ i: 1 }]])
    expect(channel.sent).toEqual([{ event: 'e', payload: { i: 1, [MESSAGE_ID_FIELD]: 'm1' } }])
    expect(echoes).toEqual([{ sender: 's1', event: 'e', payload: { json: JSON.stringify({ type: 'broadcast', event: 'e', payload: { i: 1, [MESSAGE_ID_FIELD]: 'm1' } }) } }])
    expect(metrics.counters.messagesOut).toBe(1)
    expect(publisher.inFlight).toBe(0)
  })

  it('refuses a payload over limits.maxPayloadBytes before queueing anything', async () => {
    const { publisher, channel, outbox } = setupPublisher({ limits: { maxPayloadBytes: 10 } })
    const refused = await publisher.send('s1', { type: 'broadcast', event: 'e', payload: { text: 'x'.repeat(20) } }, { messageId: 'm1' })
    expect(refused).toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('over the 10-byte limit') })
    expect(channel.sent).toEqual([])
    expect(outbox.size).toBe(0)
  })

  it('queues while it cannot push, keeps later sends behind the queue, and drains in order once it can', async () => {
    const { publisher, channel, outbox, echoes, metrics, state } = setupPublisher()
    state.canPush = false
    expect(await publisher.send('s1', message(1), { messageId: 'm1' })).toBe('queued')
    state.canPush = true
    // Something is queued: a new send waits behind it (queued, then drained in order), though the channel could take it.
    expect(await publisher.send('s1', message(2), { messageId: 'm2' })).toBe('queued')
    publisher.flush()
    await vi.advanceTimersByTimeAsync(0)
    expect(channel.sent.map((s) => (s.payload as { i: number }).i)).toEqual([1, 2])
    expect(echoes.map((e) => e.sender)).toEqual(['s1', 's1'])
    expect(outbox.size).toBe(0)
    expect(metrics.counters.outboxFlushed).toBe(2)
    expect(state.drained).toBeGreaterThan(0)
  })

  it('a push that gets no answer settles "timed out" on its own deadline and is queued for a resend with the same id, echoed once', async () => {
    const { publisher, channel, outbox, echoes } = setupPublisher({ timeoutMs: 500 })
    channel.reply = 'never'
    const status = publisher.send('s1', message(1), { messageId: 'm1' })
    await vi.advanceTimersByTimeAsync(499)
    expect(publisher.inFlight).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(await status).toBe('queued')
    expect(outbox.size).toBe(1)
    // The drain resent it at once (still unanswered); once that push times out too, the next resend is answered.
    channel.reply = 'ok'
    await vi.advanceTimersByTimeAsync(500)
    expect(channel.sent.map((s) => (s.payload as Record<string, unknown>)[MESSAGE_ID_FIELD])).toEqual(['m1', 'm1', 'm1'])
    expect(echoes).toHaveLength(1)
    expect(outbox.size).toBe(0)
  })

  it('abandon() settles what is in flight as lost, so the send is kept, never left pending', async () => {
    const { publisher, channel, outbox } = setupPublisher()
    channel.reply = 'never'
    const status = publisher.send('s1', message(1), { messageId: 'm1' })
    await vi.advanceTimersByTimeAsync(0)
    publisher.abandon()
    expect(await status).toBe('queued')
    expect(outbox.size).toBe(1)
    publisher.dispose()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a refused direct send is an error; a refused queued one is dropped and reported so it cannot block the queue', async () => {
    const { publisher, channel, outbox, errors, state } = setupPublisher()
    channel.reply = 'error'
    expect(await publisher.send('s1', message(1), { messageId: 'm1' })).toMatchObject({ code: 'protocol', retryable: false })
    state.canPush = false
    await publisher.send('s1', message(2), { messageId: 'm2' })
    state.canPush = true
    publisher.flush()
    await vi.advanceTimersByTimeAsync(0)
    expect(outbox.size).toBe(0)
    expect(errors).toEqual([expect.objectContaining({ code: 'protocol', message: expect.stringContaining('dropped') })])
  })

  it('refuses a send that would wait longer than timeoutMs under limits.eventsPerSecond, and paces shorter waits', async () => {
    const { publisher, channel } = setupPublisher({ timeoutMs: 500, limits: { eventsPerSecond: 2 } })
    expect(await publisher.send('s1', message(1), { messageId: 'm1' })).toBe('ok')
    expect(await publisher.send('s1', message(2), { messageId: 'm2' })).toBe('ok')
    const paced = publisher.send('s1', message(3), { messageId: 'm3' })
    expect(await publisher.send('s1', message(4), { messageId: 'm4' })).toMatchObject({ code: 'rate-limited' })
    expect(channel.sent).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(500)
    expect(await paced).toBe('ok')
    expect(channel.sent).toHaveLength(3)
  })
})
