/** The user a token belongs to (`sub`), read not verified: the hub binds outbox entries to it. */
export function jwtSubject(token: string | null): string | null {
  const sub = readJwtClaims(token)?.sub
  return typeof sub === 'string' ? sub : null
}

/**
 * Reads (never verifies) a JWT's claims; null when the token is not a JWT. The hub binds outbox
 * entries to `sub`; the client refuses an API key whose `exp` has passed.
 */
export function readJwtClaims(token: string | null | undefined): Record<string, unknown> | null {
  const part = token?.split('.')[1]
  if (!part || token!.split('.').length !== 3) return null
  try {
    // base64url of UTF-8 JSON: atob gives the bytes, TextDecoder the text.
    const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=')), (c) => c.charCodeAt(0))
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes))
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null
  } catch {
    return null
  }
}
