/** The token source: setAuth validates and pushes, refresh asks the callback and survives its failures. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTokenSource } from '../../src/auth/token-source.ts'
import { RealtimeError } from '../../src/errors.ts'
import { setupClient, type ClientHandle } from '../support/setup-client.ts'

function source(accessToken?: () => Promise<string | null>, closed = { value: false }) {
  const pushed: (string | null)[] = []
  const tokens = createTokenSource({ accessToken, push: async (token) => void pushed.push(token), isClosed: () => closed.value })
  return { tokens, pushed, closed }
}

describe('createTokenSource', () => {
  it('starts unknown, pending only with a callback', () => {
    expect(source().tokens).toMatchObject({ current: undefined, pending: false })
    expect(source(async () => 't').tokens).toMatchObject({ current: undefined, pending: true })
  })

  it('set(token) pushes the token; set() asks the callback; set(null) signs out', async () => {
    const { tokens, pushed } = source(async () => 'from-callback')
    await tokens.set('given')
    await tokens.set()
    await tokens.set(null)
    expect(pushed).toEqual(['given', 'from-callback', null])
    expect(tokens).toMatchObject({ current: null, pending: false })
  })

  it('refuses a token that is not a string with a typed error, and keeps the last one', async () => {
    const { tokens, pushed } = source()
    await tokens.set('good')
    const error = await tokens.set(42 as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RealtimeError)
    expect(error).toMatchObject({ code: 'invalid-argument' })
    expect(tokens.current).toBe('good')
    expect(pushed).toEqual(['good'])
  })

  it('refresh() keeps the last token when the callback throws, and falls back to the API key (null) when there is none', async () => {
    let fail = false
    const { tokens, pushed } = source(async () => {
      if (fail) throw new Error('auth server down')
      return 'fresh'
    })
    fail = true
    await tokens.refresh()
    expect(pushed).toEqual([null])
    fail = false
    await tokens.refresh()
    fail = true
    await tokens.refresh()
    expect(pushed).toEqual([null, 'fresh'])
    expect(tokens.current).toBe('fresh')
  })

  it('refresh() never rejects, even when the hub refuses the token', async () => {
    const tokens = createTokenSource({ accessToken: async () => 't', push: () => Promise.reject(new Error('no hub')), isClosed: () => false })
    await expect(tokens.refresh()).resolves.toBeUndefined()
  })

  it('asks nothing and pushes nothing once closed, even when closed during the callback', async () => {
    const closed = { value: false }
    let answer!: (token: string) => void
    const callback = vi.fn(() => new Promise<string>((resolve) => (answer = resolve)))
    const { tokens, pushed } = source(callback, closed)
    const refreshing = tokens.refresh()
    closed.value = true
    answer('late')
    await refreshing
    await tokens.refresh()
    expect(callback).toHaveBeenCalledTimes(1)
    expect(pushed).toEqual([])
  })
})

describe('token refresh through the client', () => {
  let client: ClientHandle | undefined
  afterEach(async () => {
    await client?.cleanup()
    client = undefined
  })

  it('asks the accessToken callback again when the hub sends auth/refresh, and hands the hub its answer', async () => {
    let n = 0
    client = setupClient({ accessToken: async () => `jwt-${++n}` })
    await client.until(() => client!.hub.callsOf('setAuth').length === 1, 'the first token')
    client.hub.push([{ type: 'auth/refresh', reason: 'token expires soon' }])
    await client.until(() => client!.hub.callsOf('setAuth').length === 2, 'the refreshed token')
    expect(client.hub.callsOf('setAuth')).toEqual([['jwt-1'], ['jwt-2']])
  })
})
