import { readJwtClaims } from './protocol/names.ts'

/** The user a token belongs to (`sub`), read not verified: the hub binds outbox entries to it. */
export function jwtSubject(token: string | null): string | null {
  const sub = readJwtClaims(token)?.sub
  return typeof sub === 'string' ? sub : null
}
