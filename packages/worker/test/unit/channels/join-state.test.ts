import { describe, expect, it } from 'vitest'
import { canJoin, initialJoinState, isTroubled, joinTransition, rejoinAfter, type JoinEvent, type JoinState } from '../../../src/channels/join-state.ts'
import { classifyServerReason } from '../../../src/reasons.ts'

const run = (events: JoinEvent[], from: JoinState = initialJoinState) => events.reduce(joinTransition, from)
const refused = (reason: string, token: string | null = 't1'): JoinEvent => ({ type: 'refused', reason: classifyServerReason(reason), token })

describe('join state', () => {
  it('joins from closed, and a success resets the attempts and the refusal', () => {
    const errored = run([{ type: 'join' }, refused('ChannelRateLimitReached: Too many channels')])
    expect(errored).toMatchObject({ status: 'errored', attempt: 1, refusal: { code: 'rate-limited' } })
    expect(canJoin(errored.status)).toBe(true)
    expect(run([{ type: 'retry' }, { type: 'join' }, { type: 'joined' }], errored)).toEqual({ status: 'joined', attempt: 0, refusal: null, refusedToken: null })
  })

  it('maps each refusal class to its state, and says which rejoin backoff to arm', () => {
    expect(run([{ type: 'join' }, refused('Unauthorized: no policy')]).status).toBe('failed')
    expect(rejoinAfter(refused('Unauthorized: no policy'))).toBeNull()
    expect(run([{ type: 'join' }, refused('Token has expired 3 seconds ago')])).toMatchObject({ status: 'waiting-token', attempt: 1, refusedToken: 't1' })
    expect(rejoinAfter(refused('Token has expired 3 seconds ago'))).toEqual({ rateLimited: false })
    expect(rejoinAfter(refused('ChannelRateLimitReached: Too many channels'))).toEqual({ rateLimited: true })
    expect(rejoinAfter(refused('something odd'))).toEqual({ rateLimited: false })
    expect(rejoinAfter({ type: 'errored' })).toEqual({ rateLimited: false })
    expect(rejoinAfter({ type: 'lost' })).toBeNull()
  })

  it('counts attempts across failures in a row', () => {
    expect(run([{ type: 'join' }, { type: 'errored' }, { type: 'retry' }, { type: 'join' }, { type: 'errored' }])).toMatchObject({ status: 'errored', attempt: 2 })
  })

  it('a waiting topic rejoins on a different token only; the same token waits for the retry timer', () => {
    const waiting = run([{ type: 'join' }, refused('Token has expired 3 seconds ago', 'old')])
    expect(joinTransition(waiting, { type: 'token', token: 'old' })).toBe(waiting)
    expect(joinTransition(waiting, { type: 'token', token: 'new' }).status).toBe('closed')
    expect(joinTransition(waiting, { type: 'retry' }).status).toBe('closed')
  })

  it('a failed topic stays failed through retries and losses; an unauthorized one tries again on a new token or subscriber', () => {
    const failed = run([{ type: 'join' }, refused('Unauthorized: no policy')])
    expect(isTroubled(failed.status)).toBe(true)
    expect(canJoin(failed.status)).toBe(false)
    for (const event of [{ type: 'retry' }, { type: 'lost' }] as const) expect(joinTransition(failed, event)).toBe(failed)
    expect(joinTransition(failed, { type: 'token', token: 'x' }).status).toBe('closed')
    expect(joinTransition(failed, { type: 'subscriber' }).status).toBe('closed')
    const rejected = run([{ type: 'join' }, refused('PrivateOnly: public channels are disabled')])
    expect(joinTransition(rejected, { type: 'token', token: 'x' })).toBe(rejected)
  })

  it('a lost socket closes live and errored topics but keeps refusals; a detach closes what the old client served', () => {
    for (const status of ['joining', 'joined', 'errored'] as const) {
      const state = { ...initialJoinState, status }
      expect(joinTransition(state, { type: 'lost' }).status).toBe('closed')
      expect(joinTransition(state, { type: 'detach' }).status).toBe('closed')
    }
    const waiting: JoinState = { ...initialJoinState, status: 'waiting-token' }
    expect(joinTransition(waiting, { type: 'lost' })).toBe(waiting)
    expect(joinTransition(waiting, { type: 'detach' })).toBe(waiting)
  })

  it('retiring a channel closes it only while it is live; leaving closes whatever it was', () => {
    expect(joinTransition({ ...initialJoinState, status: 'joined' }, { type: 'retire' }).status).toBe('closed')
    const errored: JoinState = { ...initialJoinState, status: 'errored', attempt: 3 }
    expect(joinTransition(errored, { type: 'retire' })).toBe(errored)
    expect(joinTransition({ ...initialJoinState, status: 'failed' }, { type: 'left' }).status).toBe('closed')
  })

  it('is pure: the state it was given is never changed', () => {
    const state: JoinState = Object.freeze({ ...initialJoinState, status: 'joining' })
    expect(() => run([refused('Token has expired'), { type: 'token', token: 'n' }, { type: 'join' }, { type: 'joined' }], state)).not.toThrow()
    expect(state.status).toBe('joining')
  })
})
