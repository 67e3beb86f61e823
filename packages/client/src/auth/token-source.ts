/**
 * The tab's side of auth: the token it last handed the hub, and where a new one comes from (the app's
 * `accessToken` callback, or `setAuth(token)`). The hub asks for a refresh (`auth/refresh`) and learns
 * the token at hello; it never calls into the tab.
 */
import { validateToken } from '@shared-realtime/worker/protocol'
import { RealtimeError } from '../errors.ts'

export interface TokenSourceOptions {
  /** The app's callback: the current user's access token, or null. */
  accessToken?: () => Promise<string | null>
  /** Hands a token to the hub (its own deadline and typed errors). */
  push(token: string | null): Promise<void>
  /** True once the client closed: no callback is asked, nothing is pushed. */
  isClosed(): boolean
}

export interface TokenSource {
  /** `undefined` until the tab has a token or knows it has none. */
  readonly current: string | null | undefined
  /** The app gave a callback that has not answered yet: the hub waits for it before joining. */
  readonly pending: boolean
  /** `setAuth(token)`: the given token (or, with none, the callback's answer), validated, then pushed; errors reach the caller. */
  set(token?: string | null): Promise<void>
  /** Asks the callback again and pushes its answer; never rejects (a failure keeps the last token). */
  refresh(): Promise<void>
}

/**
 * @example
 * const tokens = createTokenSource({ accessToken, push: (t) => hub.call('setAuth()', (api) => api.setAuth(t)), isClosed })
 * await tokens.refresh()
 */
export function createTokenSource({ accessToken, push, isClosed }: TokenSourceOptions): TokenSource {
  let current: string | null | undefined = undefined
  return {
    get current() {
      return current
    },
    get pending() {
      return current === undefined && accessToken !== undefined
    },
    async set(token) {
      let value = token
      if (value === undefined) value = accessToken ? await accessToken() : null
      const invalid = validateToken(value)
      if (invalid) throw new RealtimeError(invalid)
      current = value ?? null
      await push(current)
    },
    async refresh() {
      if (!accessToken || isClosed()) return
      let token: string | null
      try {
        token = await accessToken()
      } catch {
        // A throwing callback keeps the last token, as supabase-js does; with none yet, the API key
        // stands in, so that the hub does not wait for a token forever.
        if (current !== undefined) return
        token = null
      }
      if (isClosed()) return
      current = token ?? null
      await push(current).catch(() => {})
    },
  }
}
