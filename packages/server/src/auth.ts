import { jwtVerify, SignJWT, errors as joseErrors } from 'jose'

/**
 * The Supabase CLI's well-known local-development secret and keys, so an app configured for a
 * local Supabase stack connects to this server unchanged. Never use them outside local development.
 */
export const LOCAL_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long'
export const LOCAL_ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0'
export const LOCAL_SERVICE_ROLE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU'

export interface JwtClaims {
  role: string
  exp: number
  sub?: string
  iat?: number
  [claim: string]: unknown
}

/** Why a token was refused, with the real server's wording (realtime-protocol.md §1.2, §10). */
export type JwtFailure =
  | { kind: 'missing'; message: 'API key is missing' }
  | { kind: 'expired'; message: string; expiredForSeconds: number }
  | { kind: 'claims'; message: 'Fields `role` and `exp` are required in JWT' }
  | { kind: 'malformed'; message: 'The token provided is not a valid JWT' }
  | { kind: 'signature'; message: 'Failed to validate JWT signature' }

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; error: JwtFailure }

export interface JwtVerifier {
  verify(token: string | null | undefined, now?: number): Promise<JwtResult>
  sign(claims: Partial<JwtClaims> & { role: string }, expiresInSeconds?: number): Promise<string>
}

const ALGORITHMS = ['HS256', 'HS384', 'HS512']

export function createJwtVerifier(secret: string = LOCAL_JWT_SECRET): JwtVerifier {
  const key = new TextEncoder().encode(secret)
  return {
    async verify(raw, now = Date.now()) {
      const token = raw == null ? '' : safeDecode(String(raw)).trim()
      if (!token) return { ok: false, error: { kind: 'missing', message: 'API key is missing' } }
      let payload: Record<string, unknown>
      try {
        // Expiry is checked below so that the message can say by how much, as the real server does.
        ;({ payload } = await jwtVerify(token, key, { algorithms: ALGORITHMS, currentDate: new Date(0) }))
      } catch (error) {
        if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
          return { ok: false, error: { kind: 'signature', message: 'Failed to validate JWT signature' } }
        }
        return { ok: false, error: { kind: 'malformed', message: 'The token provided is not a valid JWT' } }
      }
      if (typeof payload.role !== 'string' || typeof payload.exp !== 'number') {
        return { ok: false, error: { kind: 'claims', message: 'Fields `role` and `exp` are required in JWT' } }
      }
      const nowSeconds = Math.floor(now / 1000)
      if (payload.exp <= nowSeconds) {
        const expiredForSeconds = nowSeconds - payload.exp
        return {
          ok: false,
          error: { kind: 'expired', message: `Token has expired ${expiredForSeconds} seconds ago`, expiredForSeconds },
        }
      }
      return { ok: true, claims: payload as JwtClaims }
    },
    async sign(claims, expiresInSeconds = 3600) {
      const iat = Math.floor(Date.now() / 1000)
      return new SignJWT({ exp: iat + expiresInSeconds, iat, ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(key)
    },
  }
}

/** Keys arrive URI-encoded in query strings; a malformed escape is kept as is (and then fails as a JWT). */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
