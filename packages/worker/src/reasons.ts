/**
 * Reasons as data: server refusal text mapped to an error code and a retry class by prefix, in one
 * table (realtime-protocol.md §10), and anything thrown or passed as a reason turned into a short message.
 */
import type { RealtimeErrorCode } from './protocol/errors.ts'

/** How the hub reacts to a refusal from the server (realtime-protocol.md §10). */
export type RetryClass = 'refresh-token' | 'never' | 'rate-limit' | 'retry'

interface ReasonRule {
  prefix: string
  code: RealtimeErrorCode
  retry: RetryClass
}

const REASON_RULES: readonly ReasonRule[] = [
  { prefix: 'InvalidJWTToken: Token has expired', code: 'unauthorized', retry: 'refresh-token' },
  { prefix: 'Token has expired', code: 'unauthorized', retry: 'refresh-token' },
  { prefix: 'InvalidJWTToken', code: 'unauthorized', retry: 'never' },
  { prefix: 'MalformedJWT', code: 'unauthorized', retry: 'never' },
  { prefix: 'JwtSignatureError', code: 'unauthorized', retry: 'never' },
  { prefix: 'JwtSignerError', code: 'unauthorized', retry: 'never' },
  { prefix: 'Unauthorized', code: 'unauthorized', retry: 'never' },
  { prefix: 'You no longer have permission', code: 'unauthorized', retry: 'never' },
  // After a token refresh that leaves nothing readable (the real server's text, without the "Unauthorized: " prefix).
  { prefix: 'You do not have permissions to read', code: 'unauthorized', retry: 'never' },
  { prefix: 'TopicNameRequired', code: 'channel-rejected', retry: 'never' },
  { prefix: 'PrivateOnly', code: 'channel-rejected', retry: 'never' },
  { prefix: 'TenantNotFound', code: 'channel-rejected', retry: 'never' },
  { prefix: 'RealtimeDisabledForTenant', code: 'channel-rejected', retry: 'never' },
  { prefix: 'UnableToReplayMessages', code: 'channel-rejected', retry: 'never' },
  { prefix: 'ConnectionRateLimitReached', code: 'rate-limited', retry: 'rate-limit' },
  { prefix: 'ChannelRateLimitReached', code: 'rate-limited', retry: 'rate-limit' },
  { prefix: 'ClientJoinRateLimitReached', code: 'rate-limited', retry: 'rate-limit' },
  { prefix: 'Too many', code: 'rate-limited', retry: 'rate-limit' },
  { prefix: 'Client presence rate limit exceeded', code: 'rate-limited', retry: 'rate-limit' },
  { prefix: 'too_many', code: 'rate-limited', retry: 'rate-limit' },
]

export interface ClassifiedReason {
  code: RealtimeErrorCode
  retry: RetryClass
  message: string
}

/** Maps a server reason (`"ChannelRateLimitReached: Too many channels"`) to a code and a retry class. */
export function classifyServerReason(reason: string): ClassifiedReason {
  const rule = REASON_RULES.find((r) => reason.startsWith(r.prefix))
  return rule
    ? { code: rule.code, retry: rule.retry, message: reason }
    : { code: 'channel-rejected', retry: 'retry', message: reason }
}

/** Turns anything thrown or passed as a reason into a short message. */
export function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message
  if (typeof reason === 'string') return reason
  if (reason && typeof reason === 'object') {
    const o = reason as Record<string, unknown>
    if (typeof o.code === 'number') return `socket closed: ${o.code}${o.reason ? ` (${String(o.reason)})` : ''}`
    if (typeof o.reason === 'string') return o.reason
    if (typeof o.message === 'string') return o.message
    try {
      return JSON.stringify(reason)
    } catch {
      return 'unknown error'
    }
  }
  return 'connection lost'
}
