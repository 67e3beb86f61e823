/**
 * Names that the hub and the tabs must spell the same way, defined once. Tiny pure functions, no
 * globals: the client imports them from `@shared-realtime/worker/protocol`.
 */
import type { ProjectRef } from './wire.ts'

/** The Web Lock a tab holds for its whole life; the hub's grant of the same name means the tab is gone. */
export function tabLockName(tabId: string): string {
  return `shared-realtime:tab:${tabId}`
}

/** The Web Lock a hub holds for its whole life; its release tells tabs that the hub is gone. */
export function hubLifetimeLockName(epoch: string): string {
  return `shared-realtime:hub:${epoch}`
}

/** One hub per Supabase project: the Realtime URL and the API key. */
export function projectKey(project: ProjectRef): string {
  return `${project.realtimeUrl}|${project.apiKey}`
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
