/**
 * The token the socket authenticates with. Unknown until a tab supplies one (or says it has none):
 * the hub never joins before that (supabase-js#2655). `set()` says what changed, and the owner acts.
 */
import { jwtSubject } from './jwt.ts'

export interface TokenChange {
  /** The token differs, or it is the first one known. */
  changed: boolean
  /** The user (JWT `sub`) differs from the one before. */
  userChanged: boolean
  /** A token was known before this one (a user switch, not a first sign-in). */
  wasKnown: boolean
}

export class TokenState {
  #token: string | null = null
  #known = false
  #user: string | null = null

  get token(): string | null {
    return this.#token
  }

  /** A tab has told the hub its token (possibly none). */
  get known(): boolean {
    return this.#known
  }

  /** The JWT `sub` of the token in force; null for the anonymous key. */
  get user(): string | null {
    return this.#user
  }

  set(token: string | null): TokenChange {
    const wasKnown = this.#known
    const changed = token !== this.#token || !wasKnown
    const user = jwtSubject(token)
    const userChanged = user !== this.#user
    this.#token = token
    this.#known = true
    this.#user = user
    return { changed, userChanged, wasKnown }
  }
}
