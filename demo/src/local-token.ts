/**
 * Signs a user JWT (HS256) for the local server, so the demo can sign in as staff without an auth
 * server.
 *
 * SECURITY: this uses the Supabase CLI's well-known *local* JWT secret (the same value as
 * LOCAL_JWT_SECRET in packages/server/src/auth.ts; it is public and only valid against a local
 * stack). Acceptable for this local-only demo; a real app gets its tokens from Supabase Auth and
 * never holds a signing secret in the browser.
 */
declare const __LOCAL_JWT_SECRET__: string

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
const encode = (value: object) => base64url(new TextEncoder().encode(JSON.stringify(value)))

/**
 * @example
 * await realtime.setAuth(await localToken({ sub: crypto.randomUUID(), user_role: 'staff' }))
 */
export async function localToken(claims: Record<string, unknown>, expiresInSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ role: 'authenticated', iat: now, exp: now + expiresInSeconds, ...claims })}`
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(__LOCAL_JWT_SECRET__), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)))
  return `${body}.${base64url(signature)}`
}
